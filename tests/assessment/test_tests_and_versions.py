"""Tests built from a blueprint, shortfall errors, versions (mã đề) and the make_versions CLI."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from assessment import services
from assessment.models import TestItem as PaperItemRow
from core.models import AuditEvent
from question_bank.models import Stimulus, Topic
from tests import factories
from tests.assessment.bank import make_item, short_numeric, single_choice, true_false

pytestmark = pytest.mark.django_db


@pytest.fixture
def maths():
    return factories.SubjectFactory(code="TOAN", name="Toán")


@pytest.fixture
def topics(maths):
    return [
        Topic.objects.create(subject=maths, grade=10, title="Hàm số bậc hai"),
        Topic.objects.create(subject=maths, grade=10, title="Mệnh đề và tập hợp"),
    ]


def test_default_points_follow_2025_format(maths) -> None:
    test = services.create_test(None, title="Giữa kỳ I", subject=maths, grade=10)
    p1, p2, p3 = test.parts.all()
    assert [p.title for p in (p1, p2, p3)] == ["PHẦN I", "PHẦN II", "PHẦN III"]
    assert services.add_cell(None, p1, item_type="single_choice", count=1).points_each == Decimal(
        "0.25"
    )
    assert services.add_cell(None, p2, item_type="true_false_cluster", count=1).points_each == 1
    assert services.add_cell(None, p3, item_type="short_numeric", count=1).points_each == Decimal(
        "0.5"
    )
    edited = services.add_cell(
        None, p3, item_type="short_numeric", count=1, points_each=Decimal("0.25")
    )
    assert edited.points_each == Decimal("0.25")


def test_shortfall_lists_every_short_cell_and_writes_nothing(maths, topics) -> None:
    quadratic, sets = topics
    for _ in range(3):
        make_item(single_choice(), subject=maths, topic=quadratic, level="biet")
    make_item(single_choice(), subject=maths, topic=quadratic, level="hieu")
    # Not approved: do not count.
    make_item(single_choice(), subject=maths, topic=quadratic, level="hieu", status="draft")
    make_item(true_false(), subject=maths, topic=sets, level="hieu")
    test = services.create_test(None, title="Đề", subject=maths, grade=10)
    p1, p2, _p3 = test.parts.all()
    services.add_cell(None, p1, item_type="single_choice", count=2, topic=quadratic, level="biet")
    services.add_cell(None, p1, item_type="single_choice", count=3, topic=quadratic, level="hieu")
    services.add_cell(None, p2, item_type="true_false_cluster", count=4, topic=sets, level="hieu")
    with pytest.raises(services.BlueprintShortfall) as caught:
        services.generate_from_blueprint(None, test, seed=1)
    got = [s.as_dict() for s in caught.value.shortfalls]
    assert got == [
        {
            "part": "PHẦN I",
            "topic": "Hàm số bậc hai",
            "level": "hieu",
            "item_type": "single_choice",
            "needed": 3,
            "available": 1,
            "missing": 2,
        },
        {
            "part": "PHẦN II",
            "topic": "Mệnh đề và tập hợp",
            "level": "hieu",
            "item_type": "true_false_cluster",
            "needed": 4,
            "available": 1,
            "missing": 3,
        },
    ]
    assert caught.value.messages[0] == (
        "PHẦN I, chủ đề “Hàm số bậc hai”, mức Hiểu, dạng single_choice: cần 3 câu, "
        "ngân hàng có 1 câu đã duyệt, thiếu 2 câu."
    )
    assert not PaperItemRow.objects.filter(part__test=test).exists()


def test_generation_is_reproducible_and_excludes_fixed_items(maths, topics) -> None:
    quadratic, _ = topics
    versions = [make_item(single_choice(), subject=maths, topic=quadratic) for _ in range(10)]
    test = services.create_test(None, title="Đề", subject=maths, grade=10)
    p1 = test.parts.get(order=1)
    services.add_item(None, p1, versions[0])
    services.add_cell(None, p1, item_type="single_choice", count=9, topic=quadratic, level="biet")
    first = [t.item_version_id for t in services.generate_from_blueprint(None, test, seed=5)]
    assert sorted(first) == sorted(v.pk for v in versions[1:])
    again = [t.item_version_id for t in services.generate_from_blueprint(None, test, seed=5)]
    assert again == first
    assert PaperItemRow.objects.filter(part__test=test).count() == 10
    assert AuditEvent.objects.filter(action="assessment.test.generate").count() == 2


def build_test(maths):
    test = services.create_test(
        None, title="Kiểm tra giữa kỳ I", subject=maths, grade=10, exam_name="KIỂM TRA GIỮA KỲ I"
    )
    p1, p2, p3 = test.parts.all()
    stimulus = Stimulus.objects.create(html="<p>Đọc bảng số liệu</p>")
    items = []
    for i in range(6):
        items.append(
            services.add_item(None, p1, make_item(single_choice("ABCD"[i % 4]), subject=maths))
        )
    for _ in range(2):
        items.append(
            services.add_item(
                None, p1, make_item(single_choice("A"), subject=maths, stimulus=stimulus)
            )
        )
    items.append(
        services.add_item(
            None,
            p1,
            make_item(single_choice("C", fixed_last=True), subject=maths),
            fixed_position=True,
        )
    )
    items.append(services.add_item(None, p2, make_item(true_false(), subject=maths)))
    items.append(services.add_item(None, p3, make_item(short_numeric("-1,5"), subject=maths)))
    return test, items


def test_versions_keep_parts_groups_fixed_items_and_fixed_options(maths) -> None:
    test, items = build_test(maths)
    versions = services.make_versions(None, test, count=24, seed="2026")
    assert [v.code for v in versions] == [str(c) for c in range(101, 125)]
    fixed_item, grouped = items[8], items[6:8]
    orders = set()
    for v in versions:
        rows = v.layout
        assert [r["position"] for r in rows] == list(range(1, 12))
        assert [r["part"] for r in rows] == ["PHẦN I"] * 9 + ["PHẦN II", "PHẦN III"]
        ids = [r["test_item"] for r in rows]
        orders.add(tuple(ids))
        assert ids[8] == fixed_item.pk  # fixed position: stays 9th
        g = ids.index(grouped[0].pk)
        assert ids[g + 1] == grouped[1].pk  # the stimulus group stays together, in order
        for row in rows:
            ti = next(t for t in items if t.pk == row["test_item"])
            original = ti.item_version.content
            if original["type"] == "single_choice":
                assert sorted(row["choice_order"]) == ["A", "B", "C", "D"]
                # The key follows the correct option to its new letter.
                assert row["choice_order"]["ABCD".index(row["key"])] == original["key"]
            if row["test_item"] == fixed_item.pk:
                assert row["choice_order"][3] == "D"  # "do not shuffle" option stays last
        assert rows[9]["key"] == {"a": True, "b": False, "c": True, "d": False}
        assert rows[10]["key"] == "-1,5"
    assert len(orders) > 12  # versions really differ
    same = services.make_versions(None, test, count=24, seed="2026")
    assert [v.layout for v in same] == [v.layout for v in versions]
    other = services.make_versions(None, test, count=24, seed="2027")
    assert [v.layout for v in other] != [v.layout for v in versions]


def test_cli_contract_and_files(maths, tmp_path) -> None:
    test, _items = build_test(maths)
    out = io.StringIO()
    call_command(
        "make_versions",
        str(test.pk),
        "--count",
        "3",
        "--seed",
        "7",
        "--out",
        str(tmp_path),
        "--json",
        stdout=out,
    )
    data = json.loads(out.getvalue())
    assert data["test"] == test.pk
    assert [v["code"] for v in data["versions"]] == ["101", "102", "103"]
    first = data["versions"][0]["items"][0]
    assert set(first) == {"position", "item_version", "key"}
    assert first["position"] == 1
    assert isinstance(first["item_version"], str)
    assert data["versions"][0]["items"][-1]["key"] == "-1,5"
    names = sorted(p.rsplit("/", 1)[1] for p in data["files"])
    assert names == sorted(
        [f"de_{test.pk}_ma_{c}.{ext}" for c in ("101", "102", "103") for ext in ("docx", "pdf")]
        + [f"de_{test.pk}_phieu_tra_loi.pdf", f"de_{test.pk}_dap_an.xlsx"]
    )
    for path in data["files"]:
        with open(path, "rb") as fh:
            head = fh.read(4)
        assert head in (b"%PDF", b"PK\x03\x04")
    # The JSON printed twice with the same seed is identical.
    again = io.StringIO()
    call_command(
        "make_versions", str(test.pk), "--count", "3", "--seed", "7", "--json", stdout=again
    )
    assert json.loads(again.getvalue())["versions"] == data["versions"]
    # The key table has one column per version with the keys of the JSON.
    wb = load_workbook(tmp_path / f"de_{test.pk}_dap_an.xlsx")
    ws = wb.worksheets[0]
    assert [c.value for c in ws[2]] == ["Câu", "101", "102", "103"]
    assert ws.cell(row=3, column=2).value == data["versions"][0]["items"][0]["key"]
    assert ws.cell(row=13, column=2).value == "-1,5"
    assert ws.cell(row=12, column=3).value == "aĐ bS cĐ dS"


def test_docx_has_header_and_readable_maths(maths, tmp_path) -> None:
    from docx import Document

    test, _ = build_test(maths)
    services.make_versions(None, test, count=1, seed=1)
    call_command(
        "make_versions",
        str(test.pk),
        "--count",
        "1",
        "--out",
        str(tmp_path),
        "--json",
        stdout=io.StringIO(),
    )
    doc = Document(str(tmp_path / f"de_{test.pk}_ma_101.docx"))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Mã đề: 101" in text
    assert "Họ và tên thí sinh" in text
    assert "Số báo danh" in text
    assert "y=(1)/(2)x²" in text
    assert "LỜI GIẢI" not in text
    header = doc.tables[0].rows[0].cells[1].text
    assert "Môn: Toán" in header
    assert "45 phút" in header


def test_score_response_accepts_an_item_version_with_subject_defaults(maths) -> None:
    from assessment.api import score_response

    version = make_item(short_numeric("-1,5"), subject=maths)
    assert score_response(version, "-1.5") == Decimal("0.5")
    assert score_response(version.content, "-1.5") == Decimal("0.25")
    assert score_response(version, "-1,50") == Decimal("0.5")  # the trailing zero is not counted
    assert score_response(version, "-1,51") == Decimal("0")  # 5 significant characters
