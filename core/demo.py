"""Deterministic, realistic demo data: a city department, three schools, classes and people."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction

from . import services
from .curriculum import SUBJECTS
from .models import Organisation, OrgKind, Role, SchoolLevel, Subject, SubjectGrade, User

DEMO_PASSWORD = "hoclieu2025"  # noqa: S105 - printed for the demo, never used in production

FAMILY = [
    ("Nguyễn", 31),
    ("Trần", 11),
    ("Lê", 9),
    ("Phạm", 7),
    ("Hoàng", 5),
    ("Huỳnh", 4),
    ("Phan", 4),
    ("Vũ", 4),
    ("Võ", 4),
    ("Đặng", 2),
    ("Bùi", 2),
    ("Đỗ", 2),
    ("Hồ", 2),
    ("Ngô", 2),
    ("Dương", 1),
    ("Lý", 1),
    ("Trương", 1),
    ("Đinh", 1),
    ("Mai", 1),
    ("Tô", 1),
]
MIDDLE = {
    "M": ["Văn", "Hữu", "Đức", "Minh", "Quang", "Thành", "Gia", "Hoàng", "Anh", "Tuấn"],
    "F": ["Thị", "Ngọc", "Thu", "Minh", "Khánh", "Phương", "Bảo", "Thanh", "Hoài", "Mai"],
}
GIVEN = {
    "M": [
        "An",
        "Bảo",
        "Bình",
        "Cường",
        "Dũng",
        "Duy",
        "Đạt",
        "Đức",
        "Hải",
        "Hiếu",
        "Hoàng",
        "Huy",
        "Hùng",
        "Khang",
        "Khoa",
        "Khôi",
        "Kiên",
        "Lâm",
        "Long",
        "Minh",
        "Nam",
        "Nghĩa",
        "Nhân",
        "Phát",
        "Phong",
        "Phúc",
        "Quân",
        "Quang",
        "Sơn",
        "Tài",
        "Thắng",
        "Thiện",
        "Thịnh",
        "Trung",
        "Tuấn",
        "Tùng",
        "Việt",
        "Vinh",
        "Vũ",
    ],
    "F": [
        "An",
        "Anh",
        "Ánh",
        "Châu",
        "Chi",
        "Diệp",
        "Dung",
        "Giang",
        "Hà",
        "Hân",
        "Hạnh",
        "Hiền",
        "Hoa",
        "Hương",
        "Khánh",
        "Lan",
        "Linh",
        "Loan",
        "Mai",
        "My",
        "Ngân",
        "Ngọc",
        "Nhi",
        "Như",
        "Oanh",
        "Phương",
        "Quyên",
        "Quỳnh",
        "Tâm",
        "Thảo",
        "Thư",
        "Trang",
        "Trâm",
        "Uyên",
        "Vân",
        "Vy",
        "Xuân",
        "Yến",
    ],
}


@dataclass(frozen=True)
class DemoLogin:
    role: str
    username: str
    full_name: str
    note: str


def _name(rng: random.Random, gender: str) -> str:
    family = rng.choices([f for f, _ in FAMILY], weights=[w for _, w in FAMILY])[0]
    return f"{family} {rng.choice(MIDDLE[gender])} {rng.choice(GIVEN[gender])}"


def _national_id(rng: random.Random, gender: str, born: dt.date, used: set[str]) -> str:
    # Province 079 (Hồ Chí Minh City); century-and-gender digit per the identity card rules.
    century = 0 if born.year < 2000 else 2
    digit = century + (0 if gender == "M" else 1)
    while True:
        value = f"079{digit}{born.year % 100:02d}{rng.randrange(10**6):06d}"
        if value not in used:
            used.add(value)
            return value


SCHOOLS = [
    ("TH-LQD", "Trường Tiểu học Lê Quý Đôn", SchoolLevel.PRIMARY, "Phường Bến Nghé"),
    ("THCS-NDC", "Trường THCS Nguyễn Du", SchoolLevel.LOWER_SECONDARY, "Phường Bến Thành"),
    (
        "THPT-LHP",
        "Trường THPT chuyên Lê Hồng Phong",
        SchoolLevel.UPPER_SECONDARY,
        "Phường Chợ Quán",
    ),
]
CLASS_SUFFIXES = {
    SchoolLevel.PRIMARY: ["A", "B"],
    SchoolLevel.LOWER_SECONDARY: ["A1", "A2"],
    SchoolLevel.UPPER_SECONDARY: ["A1", "A2"],
}
STUDENTS_PER_CLASS = 25
TEACHERS_PER_SCHOOL = 10


@transaction.atomic
def load(seed: int = 2025) -> list[DemoLogin]:
    """Create the demo world. Refuses to run twice on the same database."""
    if Organisation.objects.filter(code="SGDDT").exists():
        raise RuntimeError("Demo data already loaded.")
    rng = random.Random(seed)
    password_hash = make_password(DEMO_PASSWORD)
    used_ids: set[str] = set()
    system = None
    today = dt.date.today()
    start_year = today.year if today.month >= 8 else today.year - 1
    year = services.create_school_year(
        system,
        name=f"{start_year}-{start_year + 1}",
        start=dt.date(start_year, 9, 5),
        end=dt.date(start_year + 1, 5, 31),
        current=True,
    )
    services.create_semester(
        system,
        school_year=year,
        number=1,
        start=dt.date(start_year, 9, 5),
        end=dt.date(start_year + 1, 1, 15),
    )
    services.create_semester(
        system,
        school_year=year,
        number=2,
        start=dt.date(start_year + 1, 1, 16),
        end=dt.date(start_year + 1, 5, 31),
    )
    subjects: dict[str, Subject] = {}
    for spec in SUBJECTS:
        subjects[spec.code] = services.create_subject(
            system,
            code=spec.code,
            name=spec.name,
            comment_only=spec.comment_only,
            periods=spec.periods,
        )

    subject_grades: dict[int, set[int]] = {}
    for subject_id, grade in SubjectGrade.objects.values_list("subject_id", "grade"):
        subject_grades.setdefault(subject_id, set()).add(grade)

    dept = services.create_organisation(
        system,
        code="SGDDT",
        name="Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh",
        kind=OrgKind.DEPARTMENT,
        address="66-68 Lê Thánh Tôn, Phường Sài Gòn",
    )
    office = services.create_organisation(
        system,
        code="PGD-Q1",
        name="Phòng Giáo dục và Đào tạo khu vực Sài Gòn",
        kind=OrgKind.OFFICE,
        parent=dept,
    )

    def staff(code: str, gender: str, year_born: int) -> User:
        born = dt.date(year_born, rng.randint(1, 12), rng.randint(1, 28))
        return services.create_user(
            system,
            username=code,
            full_name=_name(rng, gender),
            password_hash=password_hash,
            date_of_birth=born,
            gender=gender,
            email=f"{code.lower()}@demo.hoclieu.vn",
        )

    logins: list[DemoLogin] = []
    dept_admin = staff("quantriso", "F", 1978)
    services.grant_role(system, user=dept_admin, organisation=dept, role=Role.DEPARTMENT_ADMIN)
    dept_admin.is_staff = True
    dept_admin.save(update_fields=["is_staff"])
    logins.append(DemoLogin("Quản trị Sở", dept_admin.username, dept_admin.full_name, "toàn Sở"))

    main_teacher: User | None = None
    first_student: User | None = None
    for code, name, level, address in SCHOOLS:
        school = services.create_organisation(
            system,
            code=code,
            name=name,
            kind=OrgKind.SCHOOL,
            parent=office,
            level=level,
            address=address,
        )
        teachers = [
            staff(f"GV{code.split('-')[1]}{i:02d}", rng.choice("MF"), rng.randint(1970, 1998))
            for i in range(1, TEACHERS_PER_SCHOOL + 1)
        ]
        for t in teachers:
            services.grant_role(system, user=t, organisation=school, role=Role.TEACHER)
        grades = list(school.grades)
        school_subjects = [
            s for s in subjects.values() if subject_grades.get(s.pk, set()) & set(grades)
        ]
        # Each teacher takes a few subjects; homeroom teachers are the first ones.
        subject_teacher = {
            s.code: teachers[i % len(teachers)] for i, s in enumerate(school_subjects)
        }
        homeroom_index = 0
        for grade in grades:
            for suffix in CLASS_SUFFIXES[level]:
                cls = services.create_class(
                    system,
                    school=school,
                    school_year=year,
                    name=f"{grade}{suffix}",
                    grade=grade,
                    homeroom_teacher=teachers[homeroom_index % len(teachers)],
                )
                homeroom_index += 1
                for s in school_subjects:
                    if grade in subject_grades.get(s.pk, set()):
                        services.assign_teaching(
                            system, teacher=subject_teacher[s.code], school_class=cls, subject=s
                        )
                for _ in range(STUDENTS_PER_CLASS):
                    gender = rng.choice("MF")
                    age = grade + 5
                    born = dt.date(start_year - age, rng.randint(1, 12), rng.randint(1, 28))
                    nid = _national_id(rng, gender, born, used_ids)
                    student = services.create_user(
                        system,
                        username=nid,
                        national_id=nid,
                        full_name=_name(rng, gender),
                        password_hash=password_hash,
                        date_of_birth=born,
                        gender=gender,
                    )
                    services.grant_role(
                        system, user=student, organisation=school, role=Role.STUDENT
                    )
                    services.enrol_student(system, student=student, school_class=cls)
                    if level == SchoolLevel.UPPER_SECONDARY and first_student is None:
                        first_student = student
        if level == SchoolLevel.UPPER_SECONDARY:
            main_teacher = teachers[0]
            # The demo teacher gets a memorable login as well as the staff code.
            main_teacher.username = "giaovien"
            main_teacher.save(update_fields=["username"])
            head = teachers[1]
            services.grant_role(
                system,
                user=head,
                organisation=school,
                role=Role.SUBJECT_HEAD,
                subject=subjects["TOAN"],
            )
            head.username = "totruong"
            head.save(update_fields=["username"])
            admin = staff("quantritruong", "M", 1975)
            services.grant_role(system, user=admin, organisation=school, role=Role.SCHOOL_ADMIN)
            coordinator = staff("khaothi", "F", 1982)
            services.grant_role(
                system, user=coordinator, organisation=dept, role=Role.EXAM_COORDINATOR
            )
            logins += [
                DemoLogin("Giáo viên", main_teacher.username, main_teacher.full_name, name),
                DemoLogin("Tổ trưởng Toán", head.username, head.full_name, name),
                DemoLogin("Quản trị trường", admin.username, admin.full_name, name),
                DemoLogin(
                    "Cán bộ phụ trách thi", coordinator.username, coordinator.full_name, "toàn Sở"
                ),
            ]
    assert first_student is not None
    logins.append(
        DemoLogin("Học sinh", first_student.username, first_student.full_name, "lớp 10A1")
    )
    superuser = services.create_user(
        system, username="admin", full_name="Quản trị hệ thống", password_hash=password_hash
    )
    superuser.is_staff = superuser.is_superuser = True
    superuser.save(update_fields=["is_staff", "is_superuser"])
    logins.append(
        DemoLogin("Quản trị hệ thống", "admin", superuser.full_name, "/cms/, /django-admin/")
    )
    return logins


def known_logins() -> list[DemoLogin]:
    """The demo logins, read back from an already loaded database."""
    wanted = [
        ("Quản trị Sở", "quantriso"),
        ("Giáo viên", "giaovien"),
        ("Tổ trưởng Toán", "totruong"),
        ("Quản trị trường", "quantritruong"),
        ("Cán bộ phụ trách thi", "khaothi"),
        ("Quản trị hệ thống", "admin"),
    ]
    found = {u.username: u for u in User.objects.filter(username__in=[u for _, u in wanted])}
    result = [
        DemoLogin(role, name, found[name].full_name, "") for role, name in wanted if name in found
    ]
    student = User.objects.filter(enrolments__school_class__name="10A1").order_by("pk").first()
    if student:
        result.append(DemoLogin("Học sinh", student.username, student.full_name, "lớp 10A1"))
    return result
