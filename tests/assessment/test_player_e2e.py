"""The player in Debian's Chromium: answers are acknowledged, the server is killed mid-test and
restarted, the page is reloaded, and every acknowledged answer is still there; the answer made
while the server was down waits in IndexedDB and is sent when it is back."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login
from tests.e2e.server import Server, manage

pytestmark = pytest.mark.e2e

SETUP = r"""
import datetime as dt, json
from decimal import Decimal
from django.utils import timezone
from assessment import services
from core.models import Subject, User, SchoolClass
from question_bank.api import Choice, ItemContent, ItemType, content_hash
from question_bank.models import Item, ItemVersion

def bank(content):
    item = Item.objects.create(type=content.type.value, status="approved", grade=10)
    v = ItemVersion.objects.create(item=item, number=1, type=content.type.value,
        content=content.to_json(), content_hash=content_hash(content))
    Item.objects.filter(pk=item.pk).update(current_version=v)
    return v

cls = SchoolClass.objects.filter(name="10A1").order_by("pk").first()
student = User.objects.filter(enrolments__school_class=cls).order_by("pk").first()
subject, _ = Subject.objects.get_or_create(code="TOAN", defaults={"name": "Toán"})
test = services.create_test(None, title="Kiểm tra 15 phút", subject=subject, grade=10)
p1, p2, p3 = test.parts.all()
services.add_item(None, p1, bank(ItemContent(type=ItemType.SINGLE_CHOICE,
    stem_html="<p>Chọn số chẵn.</p>", choices=[Choice(c, f"<p>Số {n}</p>") for c, n in
    zip("ABCD", [1, 2, 3, 5])], key="B", solution_html="<p>GIAI-BI-MAT</p>")))
services.add_item(None, p2, bank(ItemContent(type=ItemType.TRUE_FALSE_CLUSTER,
    stem_html="<p>Cho x = 2.</p>", choices=[Choice(s, f"<p>Mệnh đề {s}</p>") for s in "abcd"],
    key={"a": True, "b": False, "c": True, "d": False})))
services.add_item(None, p3, bank(ItemContent(type=ItemType.SHORT_NUMERIC,
    stem_html="<p>Tính x.</p>", key="-2,5")))
services.add_item(None, p3, bank(ItemContent(type=ItemType.ESSAY, stem_html="<p>Giải thích.</p>")))
now = timezone.now()
a = services.assign_test(None, test, cls, opens=now - dt.timedelta(minutes=1),
    closes=now + dt.timedelta(hours=2), time_limit_minutes=40, result_policy="after_close")
print(json.dumps({"assignment": a.pk, "student": student.username}))
"""

READ_ANSWERS = r"""
import json
from assessment.models import Answer
print(json.dumps(sorted([a.position, a.response, a.seq] for a in Answer.objects.all())))
"""


def saved(page, position: int) -> None:
    page.wait_for_selector(f'[data-question="{position}"] [data-saved][data-state="saved"]')


@pytest.fixture
def server(db_templates):
    db = db_templates.copy("assessment-player", demo=True)
    info = json.loads(manage(db, "shell", "-c", SETUP).strip().splitlines()[-1])
    srv = Server(db).start()
    yield srv, info
    srv.stop()


def test_answers_survive_a_server_restart_and_a_reload(server, page) -> None:
    srv, info = server
    login(page, srv.url, info["student"])
    page.goto(f"{srv.url}/assessment/assignments/{info['assignment']}/")
    page.get_by_role("button", name="Bắt đầu / tiếp tục làm bài").click()
    page.wait_for_selector("[data-question]")
    html = page.content()
    assert "GIAI-BI-MAT" not in html
    assert "-2,5" not in html

    # Part I: pick "Số 2". Part II: judge all four statements.
    page.locator('[data-question="1"] label', has_text="Số 2").click()
    saved(page, 1)
    for statement, verdict in zip("abcd", ["Đúng", "Sai", "Sai", "Đúng"], strict=True):
        page.locator(f'[data-question="2"] input[name="q2{statement}"]').nth(
            0 if verdict == "Đúng" else 1
        ).check()
    saved(page, 2)
    numeric = page.locator("input[inputmode=decimal]")
    numeric_pos = int(numeric.locator("xpath=ancestor::section").get_attribute("data-question"))
    numeric.fill("-2,5")
    numeric.blur()
    saved(page, numeric_pos)
    essay_pos = 7 - numeric_pos

    # The server dies mid-test; the next answer waits in IndexedDB, shown as not saved.
    srv.kill()
    essay = page.locator("textarea")
    essay.fill("Vì x chia hết cho 2.")
    essay.blur()
    page.wait_for_selector(f'[data-question="{essay_pos}"] [data-saved][data-state="pending"]')
    # "pending" is shown at once; the status changes when the failed request comes back.
    expect(page.locator("[data-status]")).to_have_text(re.compile(r"^Mất kết nối"), timeout=15_000)

    srv.start()
    page.reload()
    page.wait_for_selector("[data-question]")
    # Every acknowledged answer is back from the server ...
    assert page.locator('[data-question="1"] input[value="B"]').is_checked()
    assert page.locator('[data-question="2"] input[name="q2a"]').nth(0).is_checked()
    assert page.locator('[data-question="2"] input[name="q2d"]').nth(0).is_checked()
    assert page.locator('[data-question="2"] input[name="q2b"]').nth(1).is_checked()
    assert page.locator("input[inputmode=decimal]").input_value() == "-2,5"
    # ... and the queued one came back from IndexedDB and was resent and acknowledged.
    assert page.locator("textarea").input_value() == "Vì x chia hết cho 2."
    saved(page, essay_pos)
    for position in (1, 2, numeric_pos):
        saved(page, position)
    stored = json.loads(manage(srv.db, "shell", "-c", READ_ANSWERS).strip().splitlines()[-1])
    by_position = {p: (r, s) for p, r, s in stored}
    assert by_position[1] == ("B", 1)
    assert by_position[2][0] == {"a": True, "b": False, "c": False, "d": True}
    assert by_position[numeric_pos] == ("-2,5", 1)
    assert by_position[essay_pos] == ("Vì x chia hết cho 2.", 1)


def test_player_works_one_question_per_screen_on_a_phone(server, browser) -> None:
    srv, info = server
    context = browser.new_context(
        locale="vi-VN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        login(page, srv.url, info["student"])
        page.goto(f"{srv.url}/assessment/assignments/{info['assignment']}/")
        page.get_by_role("button", name="Bắt đầu / tiếp tục làm bài").click()
        page.wait_for_selector("[data-question]")
        assert page.locator("[data-question]:visible").count() == 1
        page.get_by_role("button", name="Câu sau →").click()
        assert page.locator('[data-question="2"]').is_visible()
        # The navigator speaks for screen readers and shows answered/flagged.
        page.locator('[data-question="2"] [data-flag]').click()
        label = page.locator('[data-nav="2"]').get_attribute("aria-label")
        assert label == "Câu 2: chưa trả lời, đã đánh dấu"
        page.locator('[data-nav="1"]').click()
        page.keyboard.press("Tab")
        page.locator('[data-question="1"] input[value="B"]').focus()
        page.keyboard.press("Space")
        saved(page, 1)
        assert page.locator('[data-nav="1"]').get_attribute("aria-label") == "Câu 1: đã trả lời"
        assert int(page.locator("[data-timer]").get_attribute("data-seconds")) > 38 * 60
    finally:
        context.close()
