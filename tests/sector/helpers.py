"""A class with a locked grade book's worth of entries, as lms would hand them over."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from core.models import Role, SchoolClass, Subject, User
from tests import factories


@dataclass
class GradeBook:
    school_class: SchoolClass
    subject: Subject
    students: list[User]
    homeroom: User
    principal: User

    def entries(self) -> list[dict[str, Any]]:
        scores = [
            ([7.0, 8.0, 9.0, 6.5], 7.5, 8.0),
            ([6, 6, 6, 6], 7, 6),
            ([10, 9.5, 9, 8.5], 9, 9.5),
        ]
        return [
            {"student_id": s.pk, "regular": r, "midterm": m, "endterm": e}
            for s, (r, m, e) in zip(self.students, scores, strict=True)
        ]


def grade_book(grade: int = 10, subject_code: str = "TOAN") -> GradeBook:
    level = "primary" if grade <= 5 else "upper_secondary"
    school = factories.SchoolFactory(level=level, code="THPT-LL", name="Trường THPT Lê Lợi")
    homeroom = factories.UserFactory(username="gvcn01", full_name="Trần Thị Bình")
    principal = factories.UserFactory(username="hieutruong", full_name="Lê Văn Hiệu")
    factories.MembershipFactory(user=principal, organisation=school, role=Role.SCHOOL_ADMIN)
    school_class = factories.SchoolClassFactory(
        school=school, name=f"{grade}A1", grade=grade, homeroom_teacher=homeroom
    )
    subject = factories.SubjectFactory(
        code=subject_code, name="Toán", periods={grade: 105 if grade > 5 else 175}
    )
    students = [
        factories.StudentFactory(national_id=f"0792100000{i:02d}", full_name=name)
        for i, name in enumerate(["Nguyễn Văn An", "Phạm Thu Dung", "Đỗ Minh Đức"], start=1)
    ]
    for s in students:
        factories.EnrolmentFactory(school_class=school_class, student=s)
    return GradeBook(
        cast(SchoolClass, school_class),
        cast(Subject, subject),
        cast(list[User], students),
        cast(User, homeroom),
        cast(User, principal),
    )
