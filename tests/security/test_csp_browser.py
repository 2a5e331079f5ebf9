"""Every main page, signed in as each main role of the demo, runs in Debian's Chromium under the
platform's Content-Security-Policy without a single violation or console error.

The listener for `securitypolicyviolation` is installed before any page script (an init script
is not subject to the page's policy); violations also appear as console errors, so both are
collected. A blocked inline script or style, an eval in a bundle, a forgotten external font:
each fails here with the page and the blocked directive."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.e2e.conftest import login
from tests.e2e.server import manage

pytestmark = pytest.mark.e2e

LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"}`
    + ` at ${e.sourceFile}:${e.lineNumber}`);
});
"""

IDS = r"""
import json
from content.models import ContentPage
from core.models import Membership
from exams.models import Exam, Room
from lms.models import Course
from question_bank.models import Item
from assessment.models import Assignment
admin = Membership.objects.filter(user__username="quantritruong").first()
room = Room.objects.order_by("pk").first()
print(json.dumps({
    "course": Course.objects.order_by("pk").values_list("pk", flat=True).first(),
    "item": Item.objects.filter(author__username="giaovien").order_by("pk")
        .values_list("pk", flat=True).first()
        or Item.objects.order_by("pk").values_list("pk", flat=True).first(),
    "content": ContentPage.objects.filter(live=True).order_by("pk")
        .values_list("pk", flat=True).first(),
    "exam": Exam.objects.order_by("pk").values_list("pk", flat=True).first(),
    "room": room.pk if room else None,
    "assignment": Assignment.objects.order_by("pk").values_list("pk", flat=True).first(),
    "school": admin.organisation_id if admin else None,
}))
"""

# (login, pages); "{name}" is filled from the demo database, pages whose object is missing in
# the demo are skipped (and listed in the failure message if nothing at all was visited).
ROLES: list[tuple[str | None, list[str]]] = [
    (None, ["/accounts/login/", "/thi/"]),
    (
        "giaovien",
        [
            "/",
            "/question-bank/",
            "/question-bank/items/new/",
            "/question-bank/items/{item}/",
            "/question-bank/items/{item}/edit/",
            "/lms/courses/{course}/",
            "/content/browse/",
            "/content/items/{content}/",
            "/assessment/tests/",
            "/assessment/assignments/{assignment}/results/",
            "/me/personal-data/views/",
        ],
    ),
    ("totruong", ["/", "/question-bank/review/"]),
    ("quantritruong", ["/", "/audit/", "/schools/{school}/guardians/"]),
    ("khaothi", ["/", "/exams/", "/exams/{exam}/", "/exams/rooms/{room}/"]),
    ("quantriso", ["/", "/audit/"]),
]


def test_main_pages_have_no_csp_violation_or_console_error(demo_server: Any, browser: Any):
    ids = json.loads(manage(demo_server.db, "shell", "-c", IDS).strip().splitlines()[-1])
    problems: list[str] = []
    visited = 0
    for username, pages in ROLES:
        context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
        context.add_init_script(LISTEN)
        page = context.new_page()
        page.set_default_timeout(15_000)
        if username:
            login(page, demo_server.url, username)
            page.wait_for_url(f"{demo_server.url}/")
        for path in pages:
            try:
                url = demo_server.url + path.format(**ids)
            except KeyError:
                continue
            if "None" in url:
                continue
            errors: list[str] = []

            def on_console(message: Any, errors: list[str] = errors) -> None:
                if message.type == "error":
                    errors.append(message.text)

            def on_error(error: Any, errors: list[str] = errors) -> None:
                errors.append(f"uncaught {error}")

            page.on("console", on_console)
            page.on("pageerror", on_error)
            response = page.goto(url, wait_until="load")
            page.wait_for_timeout(150)  # violations from deferred bundles arrive late
            if "/accounts/login/" in page.url and username:
                problems.append(f"{username} {path}: sent to the sign-in page")
            if response is None or response.status >= 400:
                problems.append(f"{username} {path}: HTTP {response.status if response else '?'}")
            for violation in page.evaluate("window.__cspViolations || []"):
                problems.append(f"{username} {path}: CSP {violation}")
            problems.extend(f"{username} {path}: console {e}" for e in errors)
            page.remove_listener("console", on_console)
            page.remove_listener("pageerror", on_error)
            visited += 1
        context.close()
    assert visited >= 15, f"only {visited} pages visited; demo ids: {ids}"
    assert not problems, "\n".join(problems)
