"""TOTP second factor with real codes computed from the device's key."""

from __future__ import annotations

import re
import time

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.models import AuditEvent, Role, User
from tests import factories

pytestmark = pytest.mark.django_db
PASSWORD = "mat-khau-Rat-manh-2025"


@pytest.fixture(autouse=True)
def _no_throttle(settings):
    # django-otp slows retries after a wrong code (1 s, 2 s, ...); these tests type a wrong
    # code on purpose and then the right one at once.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


def _code(device: TOTPDevice, offset: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + offset
    return f"{totp.token():0{device.digits}d}"


def _password_login(user: User) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _admin() -> User:
    admin = factories.UserFactory.create()
    admin.set_password(PASSWORD)
    admin.save()
    school = factories.SchoolFactory.create()
    factories.MembershipFactory.create(user=admin, organisation=school, role=Role.SCHOOL_ADMIN)
    return admin


def _enrol(client: Client, user: User) -> list[str]:
    page = client.get("/accounts/2fa/")
    assert page.status_code == 200
    assert client.get("/accounts/2fa/qr.svg")["Content-Type"] == "image/svg+xml"
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    wrong = "000000" if _code(device) != "000000" else "111111"
    assert client.post("/accounts/2fa/", {"code": wrong}).status_code == 200
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    done = client.post("/accounts/2fa/", {"code": _code(device)})
    assert done.status_code == 200
    return re.findall(r"<li><code>([^<]+)</code></li>", done.content.decode())


def test_enrolled_person_must_give_a_code_after_password_login():
    admin = _admin()
    codes = _enrol(_password_login(admin), admin)
    assert len(codes) == 10
    assert AuditEvent.objects.filter(action="auth.otp_enrol", object_id=str(admin.pk)).exists()

    client = _password_login(admin)
    held = client.get("/")
    assert held.status_code == 302
    assert held["Location"].startswith("/accounts/2fa/verify/")
    api = client.get("/api/v1/anything")
    assert api.status_code == 403
    device = TOTPDevice.objects.get(user=admin, confirmed=True)
    bad = client.post("/accounts/2fa/verify/", {"code": "12345x", "next": "/"})
    assert bad.status_code == 200
    assert client.get("/").status_code == 302
    # The next time step: the current one was used at enrolment and is not accepted twice.
    ok = client.post("/accounts/2fa/verify/", {"code": _code(device, 30), "next": "/"})
    assert ok.status_code == 302
    assert ok["Location"] == "/"
    assert client.get("/").status_code == 200
    assert AuditEvent.objects.filter(action="auth.otp_failed").exists()
    assert AuditEvent.objects.filter(action="auth.otp_verify").exists()


def test_recovery_code_works_once():
    admin = _admin()
    codes = _enrol(_password_login(admin), admin)
    first = _password_login(admin)
    assert first.post("/accounts/2fa/verify/", {"code": codes[0]}).status_code == 302
    assert first.get("/").status_code == 200
    second = _password_login(admin)
    assert second.post("/accounts/2fa/verify/", {"code": codes[0]}).status_code == 200
    assert second.get("/").status_code == 302


def test_admin_roles_must_enrol_when_the_setting_requires_it(settings):
    settings.OTP_REQUIRED_FOR_ADMIN_ROLES = True
    admin = _admin()
    client = _password_login(admin)
    held = client.get("/")
    assert held.status_code == 302
    assert held["Location"].startswith("/accounts/2fa/?")
    teacher = factories.UserFactory.create()
    teacher.set_password(PASSWORD)
    teacher.save()
    assert _password_login(teacher).get("/").status_code == 200


def test_people_without_a_second_factor_are_not_held():
    admin = _admin()
    assert _password_login(admin).get("/").status_code == 200
