"""The coordinator's Excel import page: template, preview (nothing stored), confirmation (all or
nothing), located Vietnamese errors, and files that are not what they claim to be."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from core.models import AuditEvent
from exams.importing import TEMPLATE_HEADER
from exams.models import Candidate, Session
from exams.seeding import SeededExam
from tests import factories
from tests.exams import results_data

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(rows: list[list[Any]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


@pytest.fixture
def page(seeded: SeededExam, login):
    client = login(results_data.coordinator(seeded.exam))
    session = Session.objects.get(exam=seeded.exam)

    def upload(data: bytes, name: str = "ds.xlsx", **extra: object):
        return client.post(
            f"/exams/{seeded.exam.pk}/import/",
            {"session": session.pk, "file": SimpleUploadedFile(name, data, XLSX), **extra},
        )

    upload.client = client
    upload.session = session
    return upload


def test_template_is_a_real_workbook_with_the_columns(seeded: SeededExam, login) -> None:
    client = login(results_data.coordinator(seeded.exam))
    r = client.get(f"/exams/{seeded.exam.pk}/import/template.xlsx")
    assert r.status_code == 200
    assert r["Content-Type"] == XLSX
    sheet = load_workbook(io.BytesIO(r.content)).worksheets[0]
    assert list(next(sheet.iter_rows(values_only=True))) == TEMPLATE_HEADER


def test_preview_stores_nothing_then_confirm_stores_all(seeded: SeededExam, page) -> None:
    before = Candidate.objects.count()
    data = _xlsx(
        [
            TEMPLATE_HEADER,
            ["", "Trần Thị Hoa", "12A3", "01/02/2008", ""],
            ["900001", "Lê Văn Sơn", "12A3", None, None],
        ]
    )
    r = page(data)
    assert r.status_code == 200
    html = r.content.decode()
    assert 'data-testid="preview"' in html
    assert "Trần Thị Hoa" in html
    assert "900001" in html
    assert Candidate.objects.count() == before
    digest = html.split('name="digest" value="', 1)[1].split('"', 1)[0]
    url = f"/exams/{seeded.exam.pk}/import/"
    # A stale or forged confirmation stores nothing.
    r = page.client.post(url, {"session": page.session.pk, "confirm": "1", "digest": "0" * 64})
    assert r.status_code == 400
    assert Candidate.objects.count() == before
    r = page.client.post(url, {"session": page.session.pk, "confirm": "1", "digest": digest})
    assert r.status_code == 302
    assert Candidate.objects.count() == before + 2
    hoa = Candidate.objects.get(full_name="Trần Thị Hoa")
    assert hoa.class_name == "12A3"
    assert hoa.attempt.version_id is not None
    assert AuditEvent.objects.filter(action="exams.candidates.import").count() == 1
    # The same confirmation cannot be replayed.
    r = page.client.post(url, {"session": page.session.pk, "confirm": "1", "digest": digest})
    assert r.status_code == 400
    assert Candidate.objects.count() == before + 2


def test_errors_name_line_and_column_and_nothing_is_stored(seeded: SeededExam, page) -> None:
    before = Candidate.objects.count()
    taken = seeded.candidates[0].number
    data = _xlsx(
        [
            ["Lớp", "Họ và tên", "Số báo danh", "Ngày sinh"],
            ["12A1", "Phạm Thu", taken, "12/12/2008"],
            ["12A1", "", "777777", "ba mươi"],
        ]
    )
    r = page(data)
    assert r.status_code == 400
    html = r.content.decode()
    assert f"Tệp ds.xlsx, dòng 2, cột C: số báo danh {taken} đã có trong kỳ thi." in html
    assert "Tệp ds.xlsx, dòng 3, cột B: thiếu họ và tên." in html
    assert "Tệp ds.xlsx, dòng 3, cột D: ngày sinh “ba mươi” không đúng dạng ngày/tháng/năm." in html
    assert Candidate.objects.count() == before
    assert "exams.import" not in page.client.session


@pytest.mark.parametrize(
    "data",
    [
        b"Ho va ten\nNguyen Van A\n",  # a CSV renamed .xlsx
        b"PK\x03\x04 but not really a zip",
        _zip({"hello.txt": b"hi"}),  # a zip, not a workbook
        _zip({"[Content_Types].xml": b"<x/>", "word/document.xml": b"<w/>"}),  # a .docx
    ],
    ids=["csv", "fake-zip", "zip", "docx"],
)
def test_files_that_are_not_xlsx_are_refused(seeded: SeededExam, page, data: bytes) -> None:
    before = Candidate.objects.count()
    r = page(data)
    assert r.status_code == 400
    assert "Tệp ds.xlsx không phải bảng tính Excel (.xlsx)." in r.content.decode()
    assert Candidate.objects.count() == before


def test_zip_bomb_and_oversized_files_are_refused(seeded: SeededExam, page) -> None:
    bomb = _zip(
        {
            "[Content_Types].xml": b"<x/>",
            "xl/workbook.xml": b"<w/>",
            "xl/worksheets/sheet1.xml": b"\0" * (10 * 1024 * 1024),
        }
    )
    r = page(bomb)
    assert r.status_code == 400
    assert "nén bất thường" in r.content.decode()
    r = page(b"PK\x03\x04" + b"\0" * (2 * 1024 * 1024 + 1))
    assert r.status_code == 400
    assert "lớn hơn giới hạn 2 MB" in r.content.decode()


def test_no_file_or_no_session(seeded: SeededExam, page) -> None:
    url = f"/exams/{seeded.exam.pk}/import/"
    r = page.client.post(url, {"session": page.session.pk})
    assert r.status_code == 400
    assert "Hãy chọn tệp Excel" in r.content.decode()
    r = page.client.post(url, {"session": "999999"})
    assert r.status_code == 400
    assert "Hãy chọn ca thi" in r.content.decode()


def test_only_the_exams_coordinators(seeded: SeededExam, login) -> None:
    exam = seeded.exam
    session = Session.objects.get(exam=exam)
    data = _xlsx([TEMPLATE_HEADER, ["", "Người Lạ", "", None, None]])
    before = Candidate.objects.count()
    stranger = login(results_data.outsider())
    for path in ("import/", "import/template.xlsx"):
        assert stranger.get(f"/exams/{exam.pk}/{path}").status_code == 404
    r = stranger.post(
        f"/exams/{exam.pk}/import/",
        {"session": session.pk, "file": SimpleUploadedFile("ds.xlsx", data, XLSX)},
    )
    assert r.status_code == 404
    proctor = factories.UserFactory.create()
    session.rooms.first().proctors.add(proctor)
    assert login(proctor).get(f"/exams/{exam.pk}/import/").status_code == 404
    # A coordinator of this school cannot import into another exam's session through this one.
    other = results_data.build(organisation=exam.organisation, code="HK7")
    before = Candidate.objects.count()
    other_session = Session.objects.get(exam=other.exam)
    client = login(results_data.coordinator(exam))
    r = client.post(
        f"/exams/{exam.pk}/import/",
        {"session": other_session.pk, "file": SimpleUploadedFile("ds.xlsx", data, XLSX)},
    )
    assert r.status_code == 400
    assert Candidate.objects.count() == before
