"""Pages: who sees what (other schools' exams 404, proctors only their rooms), the candidate's
pages from sign-in to receipt, printable lists, results export."""

from __future__ import annotations

import io
from decimal import Decimal

from django.test import Client
from openpyxl import load_workbook

from core.models import Role
from exams.models import Attempt, Candidate, Exam, Room
from exams.seeding import SeededExam
from tests import factories


def _coordinator(exam: Exam) -> object:
    user = factories.UserFactory.create()
    factories.MembershipFactory.create(
        user=user, organisation=exam.organisation, role=Role.EXAM_COORDINATOR
    )
    return user


def test_other_schools_exam_is_404_and_proctor_sees_only_own_room(
    seeded: SeededExam, login
) -> None:
    exam = seeded.exam
    coordinator = _coordinator(exam)
    assert login(coordinator).get(f"/exams/{exam.pk}/").status_code == 200
    stranger = factories.UserFactory.create()
    factories.MembershipFactory.create(
        user=stranger, organisation=factories.SchoolFactory.create(), role=Role.EXAM_COORDINATOR
    )
    c = login(stranger)
    assert c.get(f"/exams/{exam.pk}/").status_code == 404
    assert c.get(f"/exams/{exam.pk}/results.xlsx").status_code == 404
    a, b = list(Room.objects.order_by("name"))
    proctor = factories.UserFactory.create()
    a.proctors.add(proctor)
    p = login(proctor)
    assert p.get(f"/exams/rooms/{a.pk}/").status_code == 200
    assert p.get(f"/exams/rooms/{b.pk}/").status_code == 404
    assert p.get(f"/exams/rooms/{b.pk}/list/?cards=1").status_code == 404
    assert p.get(f"/exams/{exam.pk}/").status_code == 404
    teacher = factories.UserFactory.create()
    factories.MembershipFactory.create(
        user=teacher, organisation=exam.organisation, role=Role.TEACHER
    )
    assert login(teacher).get(f"/exams/rooms/{a.pk}/").status_code == 404


def test_candidate_pages_from_sign_in_to_receipt(seeded: SeededExam) -> None:
    c = seeded.candidates[0]
    client = Client()
    r = client.post("/thi/", {"exam": "GK1", "number": c.number, "password": "nope"})
    assert r.status_code == 401
    assert "Sai số báo danh" in r.content.decode()
    r = client.post("/thi/", {"exam": "GK1", "number": c.number, "password": c.password.lower()})
    assert r.status_code == 302
    assert r["Location"] == "/thi/vao-phong/"
    assert client.get("/thi/lam-bai/")["Location"] == "/thi/vao-phong/"
    r = client.post("/thi/vao-phong/", {"access_code": "999999x"})
    assert r.status_code == 403
    r = client.post("/thi/vao-phong/", {"access_code": c.access_code})
    assert r["Location"] == "/thi/lam-bai/"
    page = client.get("/thi/lam-bai/").content.decode()
    assert f'data-api="/api/v1/exams/attempts/{c.attempt}"' in page
    assert "data-token=" in page
    token = page.split('data-token="', 1)[1].split('"', 1)[0]
    headers = {"HTTP_X_EXAM_TOKEN": token}
    client.put(
        f"/api/v1/exams/attempts/{c.attempt}/answers",
        {"answers": [{"position": 1, "response": "A", "seq": 1}]},
        content_type="application/json",
        **headers,
    )
    done = client.post(f"/api/v1/exams/attempts/{c.attempt}/submit", **headers).json()
    assert client.get("/thi/lam-bai/")["Location"] == "/thi/bien-nhan/"
    receipt_page = client.get("/thi/bien-nhan/").content.decode()
    assert done["receipt"] in receipt_page
    download = client.get("/thi/bien-nhan/?download=1")
    assert download["X-Receipt-SHA256"] == done["receipt"]
    # The coordinator verifies it on the exam page.
    coordinator = _coordinator(seeded.exam)
    staff = Client()
    staff.force_login(coordinator)
    r = staff.post(f"/exams/{seeded.exam.pk}/", {"number": c.number, "receipt": done["receipt"]})
    assert "Khớp" in r.content.decode()


def test_seat_cards_results_and_publication(seeded: SeededExam, login) -> None:
    coordinator = _coordinator(seeded.exam)
    client = login(coordinator)
    room = Room.objects.order_by("name").first()
    cards = client.get(f"/exams/rooms/{room.pk}/list/?cards=1").content.decode()
    assert seeded.candidates[0].password in cards or any(
        c.password in cards for c in seeded.candidates if c.room == room.name
    )
    # Publication waits for every room's review.
    r = client.post(f"/exams/{seeded.exam.pk}/publish/")
    assert r["Location"] == f"/exams/{seeded.exam.pk}/review/"
    seeded.exam.refresh_from_db()
    assert seeded.exam.results_published is None
    for r in Room.objects.filter(session__exam=seeded.exam):
        client.post(f"/exams/{seeded.exam.pk}/review/", {"action": "review", "room": r.pk})
    assert client.post(f"/exams/{seeded.exam.pk}/publish/").status_code == 302
    seeded.exam.refresh_from_db()
    assert seeded.exam.results_published is not None
    data = client.get(f"/exams/{seeded.exam.pk}/results.xlsx").content
    wb = load_workbook(io.BytesIO(data))
    assert any(name.startswith("Phòng") for name in wb.sheetnames)
    assert any(name.startswith("Lớp") for name in wb.sheetnames)


def test_results_export_rows_and_escaping(seeded: SeededExam, login) -> None:
    candidate = Candidate.objects.get(attempt__pk=seeded.candidates[0].attempt)
    candidate.full_name = '=HYPERLINK("http://x")'
    candidate.class_name = "12A1"
    candidate.save()
    Attempt.objects.filter(pk=candidate.attempt.pk).update(
        state=Attempt.State.SUBMITTED, score=Decimal("7.5"), receipt="R-1"
    )
    r = login(_coordinator(seeded.exam)).get(f"/exams/{seeded.exam.pk}/results.xlsx")
    assert r.status_code == 200
    assert r["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert r["Content-Disposition"] == 'attachment; filename="ket-qua-GK1.xlsx"'
    wb = load_workbook(io.BytesIO(r.content))
    room = candidate.room
    assert room is not None
    rows = list(wb[f"Phòng {room.name}"].iter_rows(values_only=True))
    assert rows[0] == (
        "Số báo danh",
        "Họ và tên",
        "Lớp",
        "Phòng",
        "Ghế",
        "Mã đề",
        "Trạng thái",
        "Điểm",
        "Mã biên nhận",
    )
    mine = next(row for row in rows[1:] if row[0] == candidate.number)
    assert mine == (
        candidate.number,
        '\'=HYPERLINK("http://x")',
        "12A1",
        room.name,
        candidate.seat,
        candidate.attempt.version_code,
        "Đã nộp",
        7.5,
        "R-1",
    )
    # The class sheet holds the same candidate, escaped the same way.
    by_class = list(wb["Lớp 12A1"].iter_rows(values_only=True))
    assert [row[1] for row in by_class[1:]] == ['\'=HYPERLINK("http://x")']
