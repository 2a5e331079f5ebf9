"""Sign in with the sector identity provider: a real OIDC provider (django-oauth-toolkit) on a
loopback port, the platform started with OIDC_* pointing at it, Chromium clicking through."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.server import DatabaseTemplates, Server, manage
from tests.oidc_provider.process import Person, Provider

NATIONAL_ID = "079208001234"
FULL_NAME = "Nguyễn Thị Lan"
# A roster student, made the way roster import makes them (no usable password).
MAKE_STUDENT = (
    "from core import services; "
    f"services.create_user(None, username='{NATIONAL_ID}', national_id='{NATIONAL_ID}', "
    f"full_name='{FULL_NAME}')"
)


def test_student_signs_in_through_the_provider_and_lands_on_the_dashboard(
    db_templates: DatabaseTemplates, page, tmp_path: Path
):
    db = db_templates.copy("oidc")
    manage(db, "shell", "-c", MAKE_STUDENT)
    national_id, full_name = NATIONAL_ID, FULL_NAME
    server = Server(db)
    provider = Provider(
        tmp_path / "provider",
        [
            Person("hocsinh.vneid", "mk-vneid-2025", national_id, full_name),
            Person("nguoila", "mk-nguoila-2025", "001099000777", "Trần Văn Khách"),
        ],
        [f"{server.url}/oidc/callback/"],
    ).start()
    try:
        server.env = provider.platform_env()
        server.start(timeout=300)  # system checks are slow on a loaded machine
        page.goto(f"{server.url}/accounts/login/")
        button = page.get_by_role("link", name="Đăng nhập bằng VNeID / định danh ngành")
        assert button.is_visible()
        button.click()
        page.wait_for_url(f"{provider.url}/accounts/login/**")
        page.fill("#id_username", "hocsinh.vneid")
        page.fill("#id_password", "mk-vneid-2025")
        page.click("#provider-submit")
        page.wait_for_url(f"{server.url}/")
        assert page.get_by_role("heading", level=1).inner_text().startswith("Xin chào")
        assert full_name.split()[-1] in page.locator("body").inner_text()

        # Someone the roster does not know is refused, in Vietnamese, with no account made.
        page.context.clear_cookies()
        page.goto(f"{server.url}/accounts/login/")
        page.click("#oidc-login")
        page.wait_for_url(f"{provider.url}/accounts/login/**")
        page.fill("#id_username", "nguoila")
        page.fill("#id_password", "mk-nguoila-2025")
        page.click("#provider-submit")
        page.wait_for_url(f"{server.url}/accounts/oidc/refused/")
        assert "chưa có trong danh sách" in page.locator("#oidc-refusal").inner_text()
        count = (
            "from core.models import User; "
            "print(User.objects.filter(national_id='001099000777').count())"
        )
        assert manage(db, "shell", "-c", count).strip().splitlines()[-1] == "0"
    finally:
        server.stop()
        provider.stop()
