"""A CSV without the “Đáp án” column: every keyed question is reported where it is, in
Vietnamese, and nothing is stored."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from question_bank.models import Item

pytestmark = pytest.mark.django_db

NO_KEY = (
    "Câu,Phần,Nội dung,A,B,C,D,Lời giải\n"
    "1,I,Nghiệm của $x^2-1=0$ là,1 và -1,0,2,Vô nghiệm,\n"
    "2,III,Tính $1/4$ dưới dạng số thập phân.,,,,,\n"
    "3,,Trình bày cách giải phương trình bậc hai.,,,,,Dùng công thức nghiệm.\n"
)


def run(path: str, *args: str) -> tuple[int, dict]:
    out = io.StringIO()
    code = 0
    try:
        call_command("import_questions", path, "--format", "csv", *args, "--json", stdout=out)
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, json.loads(out.getvalue())


def test_csv_without_key_column_reports_file_line_and_question(tmp_path):
    path = tmp_path / "de-khong-dap-an.csv"
    path.write_text(NO_KEY, encoding="utf-8")
    code, report = run(str(path), "--bank", "thu")
    assert code == 0
    assert report["errors"] == [
        {
            "location": f"de-khong-dap-an.csv, dòng {line}, câu {n}",
            "message": f"Tệp không có cột “Đáp án” nên câu {n} không có đáp án. Hãy thêm cột "
            "“Đáp án” vào dòng tiêu đề (dòng 1) và ghi đáp án cho từng câu.",
        }
        for line, n in ((2, "1"), (3, "2"))
    ]
    # the essay needs no key and still comes through
    assert [(i["number"], i["type"], i["key"]) for i in report["items"]] == [("3", "essay", None)]
    assert Item.objects.filter(bank="thu").count() == 1


def test_csv_without_key_column_all_or_nothing_stores_nothing(tmp_path):
    path = tmp_path / "de.csv"
    path.write_text(NO_KEY, encoding="utf-8")
    code, report = run(str(path), "--all-or-nothing")
    assert code == 0
    assert report["imported"] == 0
    assert [e["location"] for e in report["errors"]] == [
        "de.csv, dòng 2, câu 1",
        "de.csv, dòng 3, câu 2",
    ]
    assert not Item.objects.exists()
