"""Accounts, organisations, school years, classes, subjects, memberships and the audit log."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .vietnamese import fold, name_sort_key

NATIONAL_ID_RE = r"^\d{12}$"


class Gender(models.TextChoices):
    MALE = "M", _("Nam")
    FEMALE = "F", _("Nữ")
    OTHER = "O", _("Khác")


class User(AbstractUser):
    """A person: a student (username = 12-digit national identifier) or staff (staff code)."""

    username = models.CharField(
        _("tên đăng nhập"),
        max_length=32,
        unique=True,
        help_text=_("Mã định danh (12 chữ số) với học sinh, mã cán bộ với giáo viên."),
        validators=[
            RegexValidator(r"^[A-Za-z0-9._-]+$", _("Chỉ dùng chữ, số và . _ -")),
        ],
    )
    full_name = models.CharField(_("họ và tên"), max_length=150)
    name_key = models.CharField(max_length=600, editable=False, db_index=True, default="")
    name_folded = models.CharField(max_length=150, editable=False, db_index=True, default="")
    national_id = models.CharField(
        _("mã định danh"),
        max_length=12,
        blank=True,
        null=True,
        unique=True,
        validators=[RegexValidator(NATIONAL_ID_RE, _("Mã định danh gồm đúng 12 chữ số."))],
    )
    date_of_birth = models.DateField(_("ngày sinh"), null=True, blank=True)
    gender = models.CharField(_("giới tính"), max_length=1, choices=Gender.choices, blank=True)
    # first_name/last_name from AbstractUser stay empty: Vietnamese names are one string.
    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]

    REQUIRED_FIELDS: ClassVar[list[str]] = ["full_name"]

    class Meta:
        verbose_name = _("người dùng")
        verbose_name_plural = _("người dùng")
        ordering: ClassVar[list[str]] = ["name_key"]

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.full_name = " ".join(self.full_name.split())
        self.name_key = name_sort_key(self.full_name)
        self.name_folded = fold(self.full_name)
        if "update_fields" in kwargs and kwargs["update_fields"] is not None:
            fields = set(kwargs["update_fields"])
            if "full_name" in fields:
                kwargs["update_fields"] = list(fields | {"name_key", "name_folded"})
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return self.full_name or self.username

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split()[-1] if self.full_name else self.username


class OrgKind(models.TextChoices):
    DEPARTMENT = "department", _("Sở GDĐT")
    OFFICE = "office", _("Phòng GDĐT")
    SCHOOL = "school", _("Trường")


class SchoolLevel(models.TextChoices):
    PRIMARY = "primary", _("Tiểu học")
    LOWER_SECONDARY = "lower_secondary", _("Trung học cơ sở")
    UPPER_SECONDARY = "upper_secondary", _("Trung học phổ thông")
    CONTINUING = "continuing", _("Giáo dục thường xuyên")


GRADES_BY_LEVEL: dict[str, range] = {
    SchoolLevel.PRIMARY: range(1, 6),
    SchoolLevel.LOWER_SECONDARY: range(6, 10),
    SchoolLevel.UPPER_SECONDARY: range(10, 13),
    SchoolLevel.CONTINUING: range(6, 13),
}


class Organisation(models.Model):
    """A node of the tree department → office → school.

    `path` is a materialised path of ids ("/1/4/17/") so "everything under this office" is one
    indexed prefix query on every database.
    """

    code = models.CharField(_("mã"), max_length=32, unique=True)
    name = models.CharField(_("tên"), max_length=255)
    kind = models.CharField(_("loại"), max_length=16, choices=OrgKind.choices)
    level = models.CharField(_("cấp học"), max_length=16, choices=SchoolLevel.choices, blank=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("đơn vị cấp trên"),
    )
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    address = models.CharField(_("địa chỉ"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("đơn vị")
        verbose_name_plural = _("đơn vị")
        ordering: ClassVar[list[str]] = ["path"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is None:
            super().save(*args, **kwargs)
            self.path = self._computed_path()
            super().save(update_fields=["path"])
            return
        old_path = self.path
        self.path = self._computed_path()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = list({*kwargs["update_fields"], "path"})
        super().save(*args, **kwargs)
        if old_path and old_path != self.path:
            # The node moved: re-root every descendant's path under the new one.
            for child in Organisation.objects.filter(path__startswith=old_path).exclude(pk=self.pk):
                child.path = self.path + child.path[len(old_path) :]
                Organisation.objects.filter(pk=child.pk).update(path=child.path)

    def _computed_path(self) -> str:
        return (self.parent.path if self.parent else "/") + f"{self.pk}/"

    @property
    def is_school(self) -> bool:
        return self.kind == OrgKind.SCHOOL

    @property
    def grades(self) -> range:
        return GRADES_BY_LEVEL.get(self.level, range(0))

    def descendants(self, include_self: bool = True) -> models.QuerySet[Organisation]:
        qs = Organisation.objects.filter(path__startswith=self.path)
        return qs if include_self else qs.exclude(pk=self.pk)

    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part]


class SchoolYear(models.Model):
    name = models.CharField(_("năm học"), max_length=9, unique=True)  # "2025-2026"
    start = models.DateField(_("bắt đầu"))
    end = models.DateField(_("kết thúc"))
    is_current = models.BooleanField(_("năm học hiện tại"), default=False)

    class Meta:
        verbose_name = _("năm học")
        verbose_name_plural = _("năm học")
        ordering: ClassVar[list[str]] = ["-start"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["is_current"],
                condition=models.Q(is_current=True),
                name="one_current_school_year",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Semester(models.Model):
    school_year = models.ForeignKey(SchoolYear, on_delete=models.CASCADE, related_name="semesters")
    number = models.PositiveSmallIntegerField(
        _("học kỳ"), validators=[MinValueValidator(1), MaxValueValidator(2)]
    )
    start = models.DateField(_("bắt đầu"))
    end = models.DateField(_("kết thúc"))

    class Meta:
        verbose_name = _("học kỳ")
        verbose_name_plural = _("học kỳ")
        ordering: ClassVar[list[str]] = ["school_year", "number"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["school_year", "number"], name="unique_semester")
        ]

    def __str__(self) -> str:
        return _("Học kỳ %(number)s %(year)s") % {
            "number": self.number,
            "year": self.school_year,
        }


class Subject(models.Model):
    """A subject of the 2018 general-education curriculum (GDPT 2018)."""

    code = models.CharField(_("mã môn"), max_length=32, unique=True)
    name = models.CharField(_("tên môn"), max_length=128)
    comment_only = models.BooleanField(
        _("đánh giá bằng nhận xét"),
        default=False,
        help_text=_("Môn chỉ đánh giá Đạt/Chưa đạt (Thông tư 22)."),
    )

    class Meta:
        verbose_name = _("môn học")
        verbose_name_plural = _("môn học")
        ordering: ClassVar[list[str]] = ["name"]

    def __str__(self) -> str:
        return self.name


class SubjectGrade(models.Model):
    """A subject as taught in one grade, with its yearly periods."""

    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="grades")
    grade = models.PositiveSmallIntegerField(
        _("khối lớp"), validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    periods_per_year = models.PositiveSmallIntegerField(_("số tiết/năm"))

    class Meta:
        verbose_name = _("môn học theo khối")
        verbose_name_plural = _("môn học theo khối")
        ordering: ClassVar[list[str]] = ["grade", "subject__name"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["subject", "grade"], name="unique_subject_grade")
        ]

    def __str__(self) -> str:
        return f"{self.subject} {self.grade}"

    @property
    def regular_score_count(self) -> int:
        """Number of regular scores (ĐĐGtx) per semester, Circular 22/2021 art. 7."""
        return regular_score_count(self.periods_per_year)


def regular_score_count(periods_per_year: int) -> int:
    if periods_per_year <= 35:
        return 2
    if periods_per_year <= 70:
        return 3
    return 4


class SchoolClass(models.Model):
    school = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="classes",
        limit_choices_to={"kind": OrgKind.SCHOOL},
        verbose_name=_("trường"),
    )
    school_year = models.ForeignKey(
        SchoolYear, on_delete=models.PROTECT, related_name="classes", verbose_name=_("năm học")
    )
    name = models.CharField(_("tên lớp"), max_length=16)
    grade = models.PositiveSmallIntegerField(
        _("khối"), validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    homeroom_teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="homeroom_classes",
        verbose_name=_("giáo viên chủ nhiệm"),
    )

    class Meta:
        verbose_name = _("lớp")
        verbose_name_plural = _("lớp")
        ordering: ClassVar[list[str]] = ["grade", "name"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["school", "school_year", "name"], name="unique_class_per_year"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Enrolment(models.Model):
    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.CASCADE, related_name="enrolments"
    )
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolments"
    )
    joined = models.DateField(default=timezone.localdate)

    class Meta:
        verbose_name = _("học sinh trong lớp")
        verbose_name_plural = _("học sinh trong lớp")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["school_class", "student"], name="unique_enrolment")
        ]

    def __str__(self) -> str:
        return f"{self.student} — {self.school_class}"


class TeachingAssignment(models.Model):
    """A teacher teaches a subject to a class (phân công chuyên môn)."""

    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.CASCADE, related_name="teaching_assignments"
    )
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT)
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="teaching_assignments"
    )

    class Meta:
        verbose_name = _("phân công giảng dạy")
        verbose_name_plural = _("phân công giảng dạy")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["school_class", "subject"], name="one_teacher_per_class_subject"
            )
        ]

    def __str__(self) -> str:
        return f"{self.teacher} — {self.subject} — {self.school_class}"


class Role(models.TextChoices):
    STUDENT = "student", _("Học sinh")
    TEACHER = "teacher", _("Giáo viên")
    SUBJECT_HEAD = "subject_head", _("Tổ trưởng chuyên môn")
    SCHOOL_ADMIN = "school_admin", _("Quản trị trường")
    EXAM_COORDINATOR = "exam_coordinator", _("Cán bộ phụ trách thi")
    DEPARTMENT_ADMIN = "department_admin", _("Quản trị Sở")


class Membership(models.Model):
    """A person holds a role in an organisation (and, for a subject head, for one subject).

    Roles held at an office or the department reach every school below it.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("vai trò"), max_length=32, choices=Role.choices)
    subject = models.ForeignKey(
        Subject,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        verbose_name=_("môn (với tổ trưởng)"),
    )

    class Meta:
        verbose_name = _("vai trò")
        verbose_name_plural = _("vai trò")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role", "subject"], name="unique_membership"
            ),
            models.UniqueConstraint(
                fields=["user", "organisation", "role"],
                condition=models.Q(subject__isnull=True),
                name="unique_membership_no_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.organisation}"


class AuditEvent(models.Model):
    """One change made through a service function. Append-only: never updated or deleted."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    # DO_NOTHING, not SET_NULL: the table refuses updates, and actor_label keeps who it was.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    actor_label = models.CharField(max_length=160, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64, db_index=True)
    object_id = models.CharField(max_length=64, db_index=True, blank=True)
    object_repr = models.CharField(max_length=255, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=36, blank=True)

    class Meta:
        verbose_name = _("nhật ký thao tác")
        verbose_name_plural = _("nhật ký thao tác")
        ordering: ClassVar[list[str]] = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError("Audit events are append-only.")


class PersonalAccessToken(models.Model):
    """A bearer token for integrations. Only a SHA-256 of the secret is stored."""

    PREFIX = "hl_"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_tokens"
    )
    name = models.CharField(_("tên"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=12)
    created = models.DateTimeField(auto_now_add=True)
    expires = models.DateTimeField(_("hết hạn"), null=True, blank=True)
    last_used = models.DateTimeField(null=True, blank=True)
    revoked = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("khoá truy cập")
        verbose_name_plural = _("khoá truy cập")

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    @staticmethod
    def hash_secret(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()

    @classmethod
    def new_secret(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)

    @property
    def is_active(self) -> bool:
        return self.revoked is None and (self.expires is None or self.expires > timezone.now())


class RosterImport(models.Model):
    """An uploaded roster file waiting for (or past) commit; kept for the audit trail."""

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("Đã xem trước")
        COMMITTED = "committed", _("Đã nhập")
        FAILED = "failed", _("Lỗi")

    school = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    filename = models.CharField(max_length=255)
    content = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PREVIEWED)
    summary = models.JSONField(default=dict, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("lượt nhập danh sách")
        verbose_name_plural = _("lượt nhập danh sách")

    def __str__(self) -> str:
        return self.filename


class PersonalDataView(models.Model):
    """Someone other than the person looked at a student's personal data (Law 91/2025).

    Kept for PRIVACY_VIEW_LOG_RETENTION_DAYS, then purged by core.tasks.
    """

    at = models.DateTimeField(default=timezone.now, db_index=True)
    viewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    viewer_label = models.CharField(max_length=160, blank=True)
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="personal_data_views"
    )
    what = models.CharField(_("dữ liệu"), max_length=255)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = _("lượt xem dữ liệu cá nhân")
        verbose_name_plural = _("lượt xem dữ liệu cá nhân")
        ordering: ClassVar[list[str]] = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.viewer_label} → {self.subject_id}: {self.what}"


class Guardianship(models.Model):
    """A parent or guardian's account linked to a child's: may see and export the child's data."""

    guardian = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="wards"
    )
    child = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="guardians"
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("người giám hộ")
        verbose_name_plural = _("người giám hộ")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["guardian", "child"], name="unique_guardianship")
        ]

    def __str__(self) -> str:
        return f"{self.guardian} → {self.child}"


class Departure(models.Model):
    """A person has left: sign-in is off, and their data is anonymised after the retention time."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="departure"
    )
    departed_at = models.DateTimeField(default=timezone.now, db_index=True)
    anonymised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("người đã rời đi")
        verbose_name_plural = _("người đã rời đi")

    def __str__(self) -> str:
        return f"{self.user_id} {self.departed_at:%Y-%m-%d}"
