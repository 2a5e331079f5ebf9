"""The `import_questions` CLI contract and the import service: idempotent, all-or-nothing or
skip-bad, dry run, assets and shared stimuli stored."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from docx import Document

from question_bank.models import Item, ItemAsset, ItemVersion, Stimulus
from tests.fixtures import fixture_path

from .docx_builder import teacher_test

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[int, dict]:
    out = io.StringIO()
    code = 0
    try:
        call_command("import_questions", *args, "--json", stdout=out)
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, json.loads(out.getvalue())


@pytest.fixture
def teacher_docx(tmp_path):
    path = tmp_path / "de-giua-ki.docx"
    path.write_bytes(teacher_test())
    return path


def test_docx_contract_and_idempotent_reimport(teacher_docx):
    code, report = run(str(teacher_docx), "--bank", "toan12")
    assert code == 0
    assert (report["imported"], report["skipped"], report["errors"]) == (11, 0, [])
    assert report["items"][0] == {"number": "1", "part": "I", "type": "single_choice", "key": "A"}
    assert report["items"][7] == {
        "number": "1",
        "part": "II",
        "type": "true_false_cluster",
        "key": {"a": True, "b": False, "c": True, "d": False},
    }
    assert report["items"][9] == {
        "number": "1",
        "part": "III",
        "type": "short_numeric",
        "key": "-1,5",
    }
    assert Item.objects.filter(bank="toan12").count() == 11
    # the image is stored once and the stem points at it
    asset = ItemAsset.objects.get()
    stems = [v.content["stem_html"] for v in ItemVersion.objects.all()]
    assert f'<img src="/question-bank/assets/{asset.sha256}" alt="">' in "".join(stems)
    assert asset.data[:4] == b"\x89PNG"

    code, again = run(str(teacher_docx), "--bank", "toan12")
    assert (code, again["imported"], again["skipped"]) == (0, 0, 11)
    assert Item.objects.count() == 11


def test_dry_run_writes_nothing(teacher_docx):
    code, report = run(str(teacher_docx), "--dry-run")
    assert (code, report["imported"]) == (0, 11)
    assert (Item.objects.count(), ItemAsset.objects.count()) == (0, 0)


def _bad_docx(tmp_path):
    doc = Document()
    for line in [
        "PHẦN I",
        "Câu 1: tốt",
        "A. 1",
        "*B. 2",
        "Câu 2: không đáp án",
        "A. 1",
        "B. 2",
        "PHẦN III",
        "Câu 1: dài",
        "Đáp án: 12,345",
    ]:
        doc.add_paragraph(line)
    path = tmp_path / "loi.docx"
    doc.save(path)
    return path


def test_skip_bad_and_all_or_nothing(tmp_path):
    path = _bad_docx(tmp_path)
    code, report = run(str(path), "--all-or-nothing")
    assert (code, report["imported"], report["skipped"]) == (0, 0, 2)
    assert [e["location"] for e in report["errors"]] == [
        "loi.docx, Phần I, Câu 2 (đoạn 5)",
        "loi.docx, Phần III, Câu 1 (đoạn 9)",
    ]
    assert report["errors"][1]["message"] == (
        "Đáp án trả lời ngắn “12,345” phải là số, tối đa 4 kí tự (chữ số, dấu -, dấu phẩy)."
    )
    assert Item.objects.count() == 0
    code, report = run(str(path))
    assert (code, report["imported"], report["skipped"]) == (0, 1, 1)
    assert ItemVersion.objects.get().content["key"] == "B"


def test_unreadable_file_exits_2(tmp_path):
    code, report = run(str(fixture_path("qti21", "invalid-packages", "InvalidArchive.zip")))
    assert code == 2
    assert report["imported"] == 0
    assert report["errors"][0]["message"].startswith(
        "InvalidArchive.zip: không phải gói zip hợp lệ"
    )
    code, report = run(str(tmp_path / "khong-co.docx"))
    assert code == 2
    assert report["errors"][0]["message"].startswith("Không mở được tệp khong-co.docx")


def test_formats_through_cli():
    code, report = run(str(fixture_path("gift", "questions.gift.txt")), "--format", "gift")
    # "{T}" and "{TRUE}" give the same item twice: the second is skipped as a duplicate
    assert (code, report["imported"], report["skipped"]) == (0, 8, 1)
    assert [i["key"] for i in report["items"]][:4] == [
        None,
        {"1": "A", "2": "B", "3": "C", "4": "D"},
        "A",
        ["A", "C"],
    ]
    code, report = run(str(fixture_path("aiken", "questions.aiken.txt")), "--format", "aiken")
    assert [i["key"] for i in report["items"]] == ["B", "A"]
    code, report = run(str(fixture_path("qti21", "packages", "WebDeveloperTest1.zip")))
    assert (code, report["imported"], report["skipped"]) == (0, 9, 0)


def test_stimulus_is_shared(tmp_path):
    doc = Document()
    for line in [
        "Dùng thông tin sau cho câu 1 và câu 2:",
        "Một vật rơi tự do từ độ cao 20 m.",
        "Câu 1: Gia tốc của vật là",
        "A. 9,8 m/s²",
        "B. 0",
        "Đáp án: A",
        "Câu 2: Thời gian rơi (s) là",
        "Đáp án: 2",
    ]:
        doc.add_paragraph(line)
    path = tmp_path / "vl.docx"
    doc.save(path)
    _code, report = run(str(path))
    assert [i["type"] for i in report["items"]] == ["single_choice", "short_numeric"]
    stimulus = Stimulus.objects.get()
    assert stimulus.html == (
        "<p>Dùng thông tin sau cho câu 1 và câu 2:</p><p>Một vật rơi tự do từ độ cao 20 m.</p>"
    )
    assert sorted(stimulus.items.values_list("type", flat=True)) == [
        "short_numeric",
        "single_choice",
    ]


def test_near_duplicate_warned(tmp_path):
    def write(name: str, stem: str):
        doc = Document()
        for line in [f"Câu 1: {stem}", "A. 1", "*B. 2", "C. 3"]:
            doc.add_paragraph(line)
        doc.save(tmp_path / name)
        return str(tmp_path / name)

    run(
        write(
            "a.docx",
            "Cho phương trình bậc hai x² − 5x + 6 = 0 có bao nhiêu nghiệm dương phân biệt?",
        )
    )
    _code, report = run(
        write(
            "b.docx", "Cho phương trình bậc hai x² − 5x + 6 = 0 có bao nhiêu nghiệm âm phân biệt?"
        )
    )
    first = Item.objects.order_by("pk")[0]
    assert report["imported"] == 1
    assert report["warnings"] == [
        {
            "location": "b.docx, Câu 1 (đoạn 1)",
            "message": f"Gần giống câu hỏi #{first.pk} (độ tương đồng 80%).",
        }
    ]
