"""factory-boy factories for the core domain, shared by every app's tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory
from django.contrib.auth.hashers import make_password

from core.models import (
    Enrolment,
    Membership,
    Organisation,
    OrgKind,
    Role,
    SchoolClass,
    SchoolLevel,
    SchoolYear,
    Subject,
    SubjectGrade,
    TeachingAssignment,
    User,
)

PASSWORD = "mat-khau-thu-nghiem"
_PASSWORD_HASH = make_password(PASSWORD, hasher="md5")


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"gv{n:05d}")
    full_name = factory.Iterator(
        ["Nguyễn Văn An", "Trần Thị Bình", "Lê Hoàng Cường", "Phạm Thu Dung", "Đỗ Minh Đức"]
    )
    password = _PASSWORD_HASH
    date_of_birth = dt.date(1985, 5, 17)
    gender = "F"


class StudentFactory(UserFactory):
    national_id = factory.Sequence(lambda n: f"079{300000000 + n:09d}")
    username = factory.LazyAttribute(lambda o: o.national_id)
    date_of_birth = dt.date(2010, 3, 2)


class DepartmentFactory(factory.django.DjangoModelFactory[Organisation]):
    class Meta:
        model = Organisation
        django_get_or_create = ("code",)

    code = "SGDDT-TEST"
    name = "Sở Giáo dục và Đào tạo (thử nghiệm)"
    kind = OrgKind.DEPARTMENT


class SchoolFactory(factory.django.DjangoModelFactory[Organisation]):
    class Meta:
        model = Organisation

    code = factory.Sequence(lambda n: f"TRUONG{n:03d}")
    name = factory.Sequence(lambda n: f"Trường THPT số {n}")
    kind = OrgKind.SCHOOL
    level = SchoolLevel.UPPER_SECONDARY
    parent = factory.SubFactory(DepartmentFactory)


class SchoolYearFactory(factory.django.DjangoModelFactory[SchoolYear]):
    class Meta:
        model = SchoolYear
        django_get_or_create = ("name",)

    name = "2026-2027"
    start = dt.date(2026, 9, 5)
    end = dt.date(2027, 5, 31)
    is_current = True


class SubjectFactory(factory.django.DjangoModelFactory[Subject]):
    class Meta:
        model = Subject
        django_get_or_create = ("code",)
        skip_postgeneration_save = True

    code = "TOAN"
    name = "Toán"

    @factory.post_generation
    def periods(
        self: Subject, create: bool, extracted: dict[int, int] | None, **kwargs: Any
    ) -> None:
        for grade, periods in (extracted or {10: 105, 11: 105, 12: 105}).items():
            SubjectGrade.objects.get_or_create(
                subject=self, grade=grade, defaults={"periods_per_year": periods}
            )


class SchoolClassFactory(factory.django.DjangoModelFactory[SchoolClass]):
    class Meta:
        model = SchoolClass

    school = factory.SubFactory(SchoolFactory)
    school_year = factory.SubFactory(SchoolYearFactory)
    name = factory.Sequence(lambda n: f"10A{n + 1}")
    grade = 10


class MembershipFactory(factory.django.DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(SchoolFactory)
    role = Role.TEACHER


class EnrolmentFactory(factory.django.DjangoModelFactory[Enrolment]):
    class Meta:
        model = Enrolment

    school_class = factory.SubFactory(SchoolClassFactory)
    student = factory.SubFactory(StudentFactory)


class TeachingAssignmentFactory(factory.django.DjangoModelFactory[TeachingAssignment]):
    class Meta:
        model = TeachingAssignment

    school_class = factory.SubFactory(SchoolClassFactory)
    subject = factory.SubFactory(SubjectFactory)
    teacher = factory.SubFactory(UserFactory)
