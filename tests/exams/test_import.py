"""Candidates imported from Excel: located Vietnamese errors, all or nothing; seating."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook

from exams import services
from exams.models import Candidate, Session
from exams.seeding import SeededExam


def _xlsx(rows: list[list[object]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_errors_are_located_and_nothing_is_stored(seeded: SeededExam) -> None:
    session = Session.objects.get()
    before = Candidate.objects.count()
    data = _xlsx(
        [
            ["Số báo danh", "Họ và tên", "Lớp", "Ngày sinh", "Mã định danh"],
            ["100001", "Trần Thị Bình", "12A1", "03/04/2008", None],
            ["100001", "Lê Văn An", "12A1", "31/02/2008", None],
            [None, "", "12A2", None, "079208000999"],
        ]
    )
    with pytest.raises(ValidationError) as e:
        services.import_candidates(None, session, data, "ds.xlsx")
    messages = e.value.messages
    assert "Tệp ds.xlsx, dòng 3, cột A: số báo danh 100001 trùng với dòng 2." in messages
    assert any("dòng 3, cột D: ngày sinh “31/02/2008”" in m for m in messages)
    assert "Tệp ds.xlsx, dòng 4, cột B: thiếu họ và tên." in messages
    assert (
        "Tệp ds.xlsx, dòng 4, cột E: không có học sinh với mã định danh 079208000999." in messages
    )
    assert Candidate.objects.count() == before
    with pytest.raises(ValidationError) as e:
        services.import_candidates(None, session, _xlsx([["Tên"], ["A"]]), "x.xlsx")
    assert "dòng 1: thiếu cột “Họ và tên”" in e.value.messages[0]
    with pytest.raises(ValidationError):
        services.import_candidates(None, session, b"not excel", "x.xlsx")


def test_import_then_alphabetical_seating(seeded: SeededExam) -> None:
    session = Session.objects.get()
    data = _xlsx(
        [
            ["Họ và tên", "Lớp", "Ngày sinh"],
            ["Nguyễn Văn Ánh", "12A1", dt.datetime(2008, 5, 1)],
            ["Trần Thị An", "12A1", "02/01/2008"],
        ]
    )
    for room in session.rooms.all():
        room.capacity = 4
        room.save()
    made = services.import_candidates(None, session, data, "ds.xlsx")
    assert [c.number for c in made] == ["000007", "000008"]
    assert all(hasattr(c, "attempt") for c in Candidate.objects.filter(pk__in=[m.pk for m in made]))
    services.assign_seats(None, session, mode="alphabetical")
    order = list(
        Candidate.objects.filter(session=session)
        .order_by("room__name", "seat")
        .values_list("full_name", flat=True)
    )
    # Vietnamese order by given name: An < Ánh < Bình ...
    assert order.index("Trần Thị An") < order.index("Nguyễn Văn Ánh")
    seats = list(Candidate.objects.filter(session=session).values_list("room_id", "seat"))
    assert len(set(seats)) == len(seats)
    # Neighbours get different versions.
    first_room = Candidate.objects.filter(session=session).order_by("room__name", "seat")
    codes = [c.attempt.version_code for c in first_room.select_related("attempt")[:2]]
    assert codes[0] != codes[1]
