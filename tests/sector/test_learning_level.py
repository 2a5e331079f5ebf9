"""The learning-result level (Circular 22 art. 9) reaches the transcript when the class's last
subject grade book of a semester is locked, through the real lms seam and the simulator."""

from __future__ import annotations

import datetime as dt

import pytest

from core.models import Role, Semester
from lms import services as lms
from sector import outbox
from sector.models import OutboxMessage
from tests import factories

pytestmark = pytest.mark.django_db

SCORED = ["TOAN", "VAN", "ANH", "LY", "HOA", "SU"]
# Per student: (semester I score in every scored subject, comment subject mark), semester II.
GRADES = {
    1: [("8", "Đạt"), ("7", "Đạt"), ("6", "Chưa đạt")],
    2: [("9", "Đạt"), ("5", "Đạt"), ("8", "Đạt")],
}


@pytest.fixture
def school_class():
    school = factories.SchoolFactory(code="THPT-HL")
    principal = factories.UserFactory(username="hieutruong", full_name="Lê Văn Hiệu")
    factories.MembershipFactory(user=principal, organisation=school, role=Role.SCHOOL_ADMIN)
    homeroom = factories.UserFactory(username="gvcn", full_name="Trần Thị Bình")
    school_class = factories.SchoolClassFactory(
        school=school, name="10A1", grade=10, homeroom_teacher=homeroom
    )
    year = school_class.school_year
    for number, start in ((1, dt.date(2026, 9, 5)), (2, dt.date(2027, 1, 15))):
        Semester.objects.create(school_year=year, number=number, start=start, end=start)
    for code in SCORED:
        factories.SubjectFactory(code=code, name=code, periods={10: 35})
    factories.SubjectFactory(
        code="GDTC", name="Giáo dục thể chất", comment_only=True, periods={10: 35}
    )
    for i in range(1, 4):
        student = factories.StudentFactory(national_id=f"07921000010{i}")
        factories.EnrolmentFactory(school_class=school_class, student=student)
    return school_class, principal


def _lock(school_class, principal, code: str, number: int) -> None:
    subject = factories.SubjectFactory(code=code)
    semester = Semester.objects.get(school_year=school_class.school_year, number=number)
    book = lms.open_grade_book(
        principal, school_class=school_class, subject=subject, semester=semester
    )
    students = [e.student for e in school_class.enrolments.order_by("student__username")]
    rows = []
    for student, (score, mark) in zip(students, GRADES[number], strict=True):
        value = mark if subject.comment_only else score
        rows += [(student, column, value) for column in ("tx1", "tx2", "gk", "ck")]
    lms.set_grades(principal, book, rows)
    lms.submit_grade_book(principal, book)
    lms.approve_grade_book(principal, book)


def _summaries():
    return OutboxMessage.objects.filter(subject_id=None).order_by("key")


def test_levels_per_semester_and_year_reach_the_remote(simulator, adapter, school_class):
    klass, principal = school_class
    for code in SCORED:
        _lock(klass, principal, code, 1)
    assert not _summaries().exists()  # GDTC is still open: no level yet
    _lock(klass, principal, "GDTC", 1)
    item = f"hoclieu-class-{klass.pk}-hocluc-2026-2027-hk1"
    users = [f"hoclieu-user-07921000010{i}" for i in range(1, 4)]
    assert list(_summaries().values_list("key", flat=True)) == [f"{item}-{u}" for u in users]

    for code in [*SCORED, "GDTC"]:
        _lock(klass, principal, code, 2)
    assert outbox.deliver(adapter)["failed"] == 0

    def remote(semester: int) -> list[tuple[str, dict]]:
        key = f"hoclieu-class-{klass.pk}-hocluc-2026-2027-hk{semester}"
        results = [simulator.admin("GET", f"records/results/{key}-{u}").json() for u in users]
        return [(r["textScore"], r["metadata"]) for r in results]

    # HK I: all 8.0 → Tốt; all 7.0 → Khá; all 6.0 but GDTC Chưa đạt → Đạt.
    assert remote(1) == [
        ("Tốt", {"vn.circular": "22/2021/TT-BGDĐT", "level": "tot", "levelText": "Tốt"}),
        ("Khá", {"vn.circular": "22/2021/TT-BGDĐT", "level": "kha", "levelText": "Khá"}),
        ("Đạt", {"vn.circular": "22/2021/TT-BGDĐT", "level": "dat", "levelText": "Đạt"}),
    ]
    # HK II: 9.0 → Tốt, 5.0 → Đạt, 8.0 → Tốt. Year (HKI + 2·HKII)/3: 8.7 → Tốt, 5.7 → Đạt,
    # 7.3 with GDTC following HK II (Đạt) → Khá.
    assert [(text, m["level"], m["yearLevel"], m["yearLevelText"]) for text, m in remote(2)] == [
        ("Tốt", "tot", "tot", "Tốt"),
        ("Đạt", "dat", "dat", "Đạt"),
        ("Tốt", "tot", "kha", "Khá"),
    ]
    line_item = f"hoclieu-class-{klass.pk}-hocluc-2026-2027-hk2"
    checks = simulator.admin("GET", f"verify/{line_item}").json()["signatures"]
    assert [(c["role"], c["valid"]) for c in checks] == [
        ("homeroom_teacher", True),
        ("principal", True),
    ]
    assert outbox.reconcile(adapter) == []
