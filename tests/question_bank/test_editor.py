"""The item editor page: every item type saved through the form as a new immutable version,
errors per field in Vietnamese with nothing stored, live preview, picture upload checked by
content, on-demand duplicate check, statistics chart, permissions and query counts."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from question_bank import services
from question_bank.models import Item, ItemAsset, ItemVersion, Scope, Status, Stimulus
from tests import factories

from .conftest import single_choice
from .docx_builder import png_bytes

pytestmark = pytest.mark.django_db

META = {"level_scheme": "3", "level": "hieu", "grade": "10", "tags": "đại số, lớp 10"}


def post_data(bank, **fields):
    return {"subject": str(bank.maths.pk), "scope": "private", **META, **fields}


CASES: list[tuple[dict[str, Any], Any]] = [
    (
        {
            "type": "single_choice",
            "stem": "Giá trị của $\\sqrt{4}$ là",
            "choice_A": "1",
            "choice_B": "2",
            "choice_C": "3",
            "choice_D": "4",
            "key_single": "B",
        },
        "B",
    ),
    (
        {
            "type": "multiple_response",
            "stem": "Số nguyên tố",
            "choice_A": "2",
            "choice_B": "4",
            "choice_C": "5",
            "key_multi": ["A", "C"],
        },
        ["A", "C"],
    ),
    (
        {
            "type": "true_false_cluster",
            "stem": "Cho hàm số $y = x^2$.",
            **{f"stmt_{k}": f"Ý {k}" for k in "abcd"},
            "tf_a": "true",
            "tf_b": "false",
            "tf_c": "true",
            "tf_d": "false",
        },
        {"a": True, "b": False, "c": True, "d": False},
    ),
    ({"type": "short_numeric", "stem": "Tính 1/4", "numeric_key": "0,25"}, "0,25"),
    (
        {
            "type": "short_text",
            "stem": "Thủ đô của Việt Nam là",
            "text_answers": "Hà Nội\nThành phố Hà Nội",
            "diacritics_sensitive": "on",
        },
        ["Hà Nội", "Thành phố Hà Nội"],
    ),
    ({"type": "essay", "stem": "Trình bày định lí Vi-ét.", "rubric": "<p>2 điểm</p>"}, None),
    (
        {
            "type": "matching",
            "stem": "Ghép nước với thủ đô",
            "source_1": "Pháp",
            "source_2": "Nhật Bản",
            "target_A": "Tô-ki-ô",
            "target_B": "Pa-ri",
            "match_1": "B",
            "match_2": "A",
        },
        {"1": "B", "2": "A"},
    ),
    (
        {"type": "ordering", "stem": "Sắp xếp tăng dần", "order_items": "1\n2\n3"},
        ["A", "B", "C"],
    ),
    (
        {
            "type": "cloze",
            "stem": "Màu của lá là [[g1]], thủ đô là [[g2]], $1/2$ = [[g3]]",
            "gaps": "g1 chọn: *xanh; đỏ\ng2 chữ: Hà Nội; Hanoi\ng3 số: 0,5",
        },
        None,
    ),
]


@pytest.mark.parametrize(("fields", "key"), CASES, ids=[c[0]["type"] for c in CASES])
def test_editor_saves_every_item_type(bank, login, fields, key):
    client = login(bank.author)
    response = client.post("/question-bank/items/new/", post_data(bank, **fields))
    assert response.status_code == 302, response.content.decode()[:2000]
    item = Item.objects.get()
    assert response["Location"] == f"/question-bank/items/{item.pk}/"
    version = item.current_version
    assert version is not None
    assert version.number == 1
    assert item.type == fields["type"]
    assert item.author == bank.author
    assert item.school == bank.school
    assert item.subject == bank.maths
    assert item.grade == 10
    assert item.level == "hieu"
    assert item.tags == ["đại số", "lớp 10"]
    content = version.item_content
    if fields["type"] == "cloze":
        assert [(g.id, g.kind, g.key) for g in content.gaps] == [
            ("g1", "choice", "A"),
            ("g2", "text", ["Hà Nội", "Hanoi"]),
            ("g3", "numeric", "0,5"),
        ]
    elif fields["type"] == "essay":
        assert content.rubric_html == "<p>2 điểm</p>"
    else:
        assert content.key == key
    if fields["type"] == "short_text":
        assert content.diacritics_sensitive
        assert not content.case_sensitive
    # the edit form shows the same item back: saving it unchanged makes no new version
    edit = client.get(f"/question-bank/items/{item.pk}/edit/")
    assert edit.status_code == 200
    assert (
        client.post(f"/question-bank/items/{item.pk}/edit/", post_data(bank, **fields)).status_code
        == 302
    )
    assert ItemVersion.objects.filter(item=item).count() == 1


def test_edit_creates_new_version_and_keeps_the_old(bank, login):
    client = login(bank.author)
    fields = dict(CASES[0][0])
    client.post("/question-bank/items/new/", post_data(bank, **fields))
    item = Item.objects.get()
    first = item.current_version
    fields["choice_B"] = "hai"
    assert (
        client.post(f"/question-bank/items/{item.pk}/edit/", post_data(bank, **fields)).status_code
        == 302
    )
    item.refresh_from_db()
    assert item.current_version.number == 2
    assert item.current_version.content_hash != first.content_hash
    first.refresh_from_db()
    assert first.content["choices"][1]["html"] == "2"  # the old version is untouched
    page = client.get(f"/question-bank/items/{item.pk}/").content.decode()
    assert "v2" in page
    assert "v1" in page


def test_field_errors_in_vietnamese_and_nothing_stored(bank, login):
    client = login(bank.author)
    response = client.post(
        "/question-bank/items/new/",
        post_data(
            bank,
            type="short_numeric",
            stem="",
            numeric_key="12345",
            grade="13",
            difficulty="abc",
            level_scheme="3",
            level="van_dung_cao",
        ),
    )
    assert response.status_code == 400
    body = response.content.decode()
    for message in (
        "Thiếu nội dung câu hỏi.",
        "Đáp án phải là số, tối đa 4 kí tự",
        "Khối phải từ 1 đến 12.",
        "Độ khó là số từ 0 đến 1",
        "Thang 3 mức không có mức Vận dụng cao.",
    ):
        assert message in body
    # the error sits next to its field: the numeric key message follows the numeric_key input
    assert (
        body.index('name="numeric_key"')
        < body.index("Đáp án phải là số")
        < body.index('name="tolerance"')
    )
    assert 'value="12345"' in body  # what was typed is kept
    assert Item.objects.count() == 0


def test_department_scope_refused_for_unreviewed_item(bank, login):
    response = login(bank.author).post(
        "/question-bank/items/new/", post_data(bank, **{**CASES[0][0], "scope": "department"})
    )
    assert response.status_code == 400
    assert "Chỉ câu hỏi đã được duyệt mới được chia sẻ toàn Sở." in response.content.decode()
    assert Item.objects.count() == 0


def test_new_shared_stimulus_is_created_and_attached(bank, login):
    client = login(bank.author)
    fields = {
        **CASES[0][0],
        "new_stimulus_title": "Đoạn văn 1",
        "new_stimulus_html": "<p>Đọc đoạn văn sau</p><script>alert(1)</script>",
    }
    assert client.post("/question-bank/items/new/", post_data(bank, **fields)).status_code == 302
    stimulus = Stimulus.objects.get()
    assert "<script>" not in stimulus.html
    item = Item.objects.get()
    assert item.stimulus == stimulus
    # a second item hangs off the same stimulus by choosing it
    other = {**CASES[3][0], "stimulus": str(stimulus.pk)}
    assert client.post("/question-bank/items/new/", post_data(bank, **other)).status_code == 302
    assert stimulus.items.count() == 2
    assert "Đọc đoạn văn sau" in client.get(f"/question-bank/items/{item.pk}/").content.decode()


def test_editor_page_is_csp_safe_and_uses_alpine_component(
    bank, login, django_assert_max_num_queries
):
    client = login(bank.author)
    with django_assert_max_num_queries(12):
        page = client.get("/question-bank/items/new/")
    body = page.content.decode()
    assert 'x-data="itemEditor"' in body
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body) is None
    assert " style=" not in body
    assert "onclick" not in body
    assert "onchange" not in body
    assert "math.js" in body
    assert "math.css" in body
    # Alpine attributes name properties/methods only (CSP build): no expressions
    for value in re.findall(r'x-(?:show|on:change|text|model)="([^"]*)"', body):
        assert re.fullmatch(r"\w+", value), value


def test_live_preview_renders_and_lists_problems(bank, login):
    client = login(bank.author)
    fields = post_data(bank, **CASES[0][0])
    fields["stem"] = "Giá trị $\\sqrt{4}$ <img src=x onerror=alert(1)>"
    response = client.post("/question-bank/items/preview/", fields, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert "data-math" in body
    assert "$\\sqrt{4}$" in body
    assert "onerror" not in body
    assert 'class="qb-key"' in body
    bad = client.post("/question-bank/items/preview/", {**fields, "key_single": ""})
    assert "Chọn đáp án đúng trong các phương án đã nhập." in bad.content.decode()
    assert Item.objects.count() == 0


def test_image_upload_checked_by_content(bank, login, world):
    client = login(bank.author)
    from django.core.files.uploadedfile import SimpleUploadedFile

    good = client.post(
        "/question-bank/assets/",
        {"image": SimpleUploadedFile("hinh.png", png_bytes(), content_type="image/png")},
    )
    assert good.status_code == 200
    url = good.json()["url"]
    assert url.startswith("/question-bank/assets/")
    assert client.get(url).content == png_bytes()
    for name, data in (
        ("gia.png", b"not really a picture"),
        ("ve.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
    ):
        bad = client.post(
            "/question-bank/assets/",
            {"image": SimpleUploadedFile(name, data, content_type="image/png")},
        )
        assert bad.status_code == 400
        assert "không phải ảnh" in bad.json()["error"]
    assert ItemAsset.objects.count() == 1
    student = login(world.a.student)
    assert (
        student.post(
            "/question-bank/assets/",
            {"image": SimpleUploadedFile("h.png", png_bytes(), content_type="image/png")},
        ).status_code
        == 403
    )


def test_other_people_cannot_edit(bank, login, world):
    item = services.create_item(
        bank.author, single_choice(), school=bank.school, subject=bank.maths
    )
    assert login(world.b.teacher).get(f"/question-bank/items/{item.pk}/edit/").status_code == 404
    assert login(world.b.teacher).get(f"/question-bank/items/{item.pk}/").status_code == 404
    services.share_item(bank.author, item, Scope.SCHOOL)
    colleague = factories.UserFactory()
    from core.models import Role

    factories.MembershipFactory(user=colleague, organisation=bank.school, role=Role.TEACHER)
    client = login(colleague)
    assert client.get(f"/question-bank/items/{item.pk}/").status_code == 200
    assert client.get(f"/question-bank/items/{item.pk}/edit/").status_code == 403
    assert login(world.a.student).get("/question-bank/items/new/").status_code == 403


def test_duplicate_check_on_demand(bank, login):
    a = services.create_item(
        bank.author,
        single_choice("Nghiệm của phương trình bậc hai x² − 3x + 2 = 0 là"),
        school=bank.school,
        subject=bank.maths,
    )
    b = services.create_item(
        bank.author,
        single_choice("Nghiệm của phương trình bậc hai x² − 3x + 2 = 0 là gì"),
        school=bank.school,
        subject=bank.maths,
    )
    services.create_item(
        bank.author, single_choice("Động năng của vật"), school=bank.school, subject=bank.physics
    )
    client = login(bank.author)
    body = client.get(f"/question-bank/items/{a.pk}/duplicates/").content.decode()
    assert f"/question-bank/items/{b.pk}/" in body
    assert f'/question-bank/items/{a.pk}/"' not in body
    assert re.search(r"\b\d{2,3}%", body)
    assert "Động năng" not in body
    page = client.get(f"/question-bank/items/{a.pk}/").content.decode()
    assert f'hx-get="/question-bank/items/{a.pk}/duplicates/"' in page


def test_statistics_chart_per_version(bank, login, django_assert_max_num_queries):
    item = services.create_item(
        bank.author, single_choice(), school=bank.school, subject=bank.maths
    )
    services.record_item_statistics(
        item.current_version_id,
        {
            "responses": 120,
            "facility": Decimal("0.62"),
            "point_biserial": 0.41,
            "discrimination_27": 0.35,
            "distractors": {"A": 74, "B": 20, "C": 16, "D": 10},
        },
    )
    client = login(bank.author)
    with django_assert_max_num_queries(14):
        page = client.get(f"/question-bank/items/{item.pk}/")
    body = page.content.decode()
    assert "0,62" in body or "0.62" in body
    assert "0,41" in body or "0.41" in body
    assert body.count("<rect x=") == 4
    assert "A 62%" in body  # 74 of 120 chose the key A
    assert 'fill="#1a7f37"' in body  # the key's bar is marked


def test_submit_from_item_page(bank, login):
    item = services.create_item(
        bank.author, single_choice(), school=bank.school, subject=bank.maths
    )
    client = login(bank.author)
    assert client.post(f"/question-bank/items/{item.pk}/submit/").status_code == 302
    item.refresh_from_db()
    assert item.status == Status.SUBMITTED


def test_browse_query_count_does_not_grow(bank, login):
    def make(n):
        for i in range(n):
            services.create_item(
                bank.author,
                single_choice(f"Câu số {i} về hàm số"),
                school=bank.school,
                subject=bank.maths,
            )

    client = login(bank.author)

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            page = client.get("/question-bank/", {"q": "ham so"})
        return len(ctx), len(re.findall(r'href="/question-bank/items/\d+/"', page.content.decode()))

    make(3)
    queries()  # the first request also fills per-process caches
    few, shown_few = queries()
    make(12)
    many, shown_many = queries()
    assert (shown_few, shown_many) == (3, 15)
    assert many == few  # no query per item
    assert many <= 30
