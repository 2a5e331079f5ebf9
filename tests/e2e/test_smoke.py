"""The platform as a person first meets it: log in as the demo teacher, see the dashboard."""

from __future__ import annotations

import re

from tests.e2e.conftest import login


def test_demo_teacher_logs_in_and_sees_their_classes_in_vietnamese(demo_server, page):
    login(page, demo_server.url, "giaovien")
    page.wait_for_url(f"{demo_server.url}/")
    assert page.locator("html").get_attribute("lang") == "vi"
    assert page.get_by_role("heading", level=1).inner_text().startswith("Xin chào")
    classes = page.locator("[data-testid=my-classes]")
    assert classes.get_by_role("heading", name="Lớp tôi dạy").is_visible()
    # The demo teacher teaches mathematics in all six classes of the upper-secondary school.
    text = classes.inner_text()
    assert "Toán" in text
    for name in ["10A1", "10A2", "11A1", "11A2", "12A1", "12A2"]:
        assert name in text
    assert "9A1" not in text  # a lower-secondary class of another school
    # The live-notification websocket connects over ASGI.
    page.wait_for_selector("[data-live-status][data-state=connected]")


def test_wrong_password_is_refused_with_a_message(demo_server, page):
    login(page, demo_server.url, "giaovien", "sai-mat-khau")
    assert re.search(r"/accounts/login/", page.url)
    assert page.get_by_role("alert").is_visible()


def test_teacher_opens_a_class_and_sees_the_students(demo_server, page):
    login(page, demo_server.url, "giaovien")
    page.locator("[data-testid=my-classes] a", has_text="10A1").first.click()
    assert page.get_by_role("heading", level=1).inner_text() == "Lớp 10A1"
    assert page.locator("table tbody tr").count() == 25
