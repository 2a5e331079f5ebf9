"""Tests (đề), their parts, blueprint cells (ma trận đề), items and versions (mã đề)."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .scoring import PartialCredit, Rounding


class Test(models.Model):
    title = models.CharField(_("tên đề"), max_length=255)
    exam_name = models.CharField(_("kỳ kiểm tra"), max_length=255, blank=True)
    school = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    subject = models.ForeignKey(
        "core.Subject", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    grade = models.PositiveSmallIntegerField(_("khối"), null=True, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(_("thời gian làm bài (phút)"), default=45)
    rounding = models.CharField(
        _("làm tròn điểm"),
        max_length=8,
        choices=[(r.value, r.value) for r in Rounding],
        default=Rounding.QUARTER,
    )
    multiple_response_credit = models.CharField(
        _("chấm câu nhiều đáp án"),
        max_length=32,
        choices=[(p.value, p.value) for p in PartialCredit],
        default=PartialCredit.PER_OPTION,
    )
    per_part_credit = models.BooleanField(
        _("chấm từng phần (ghép đôi, sắp xếp, điền khuyết)"), default=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("đề kiểm tra")
        verbose_name_plural = _("đề kiểm tra")

    def __str__(self) -> str:
        return self.title


class TestPart(models.Model):
    """PHẦN I / II / III: the unit within which questions are shuffled."""

    test = models.ForeignKey(Test, on_delete=models.CASCADE, related_name="parts")
    order = models.PositiveSmallIntegerField(_("thứ tự"))
    title = models.CharField(_("tên phần"), max_length=100)
    instructions = models.TextField(_("hướng dẫn"), blank=True)
    shuffle_items = models.BooleanField(_("trộn câu hỏi"), default=True)
    shuffle_options = models.BooleanField(_("trộn phương án"), default=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["test", "order"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["test", "order"], name="unique_part_order")
        ]

    def __str__(self) -> str:
        return self.title


class BlueprintCell(models.Model):
    """One cell of the ma trận đề: draw `count` approved items of this topic, level and type."""

    part = models.ForeignKey(TestPart, on_delete=models.CASCADE, related_name="cells")
    topic = models.ForeignKey(
        "question_bank.Topic", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    level = models.CharField(_("mức độ"), max_length=16, blank=True)
    item_type = models.CharField(_("dạng câu hỏi"), max_length=32)
    count = models.PositiveSmallIntegerField(_("số câu"), validators=[MinValueValidator(1)])
    points_each = models.DecimalField(_("điểm mỗi câu"), max_digits=6, decimal_places=3)

    class Meta:
        ordering: ClassVar[list[str]] = ["part", "pk"]

    def __str__(self) -> str:
        return f"{self.part}: {self.count} × {self.item_type}"


class TestItem(models.Model):
    part = models.ForeignKey(TestPart, on_delete=models.CASCADE, related_name="items")
    item_version = models.ForeignKey(
        "question_bank.ItemVersion", on_delete=models.PROTECT, related_name="+"
    )
    order = models.PositiveIntegerField(_("thứ tự"))
    points = models.DecimalField(_("điểm"), max_digits=6, decimal_places=3)
    fixed_position = models.BooleanField(_("giữ nguyên vị trí"), default=False)
    # Items sharing a stimulus share this value and stay together when shuffled.
    group = models.CharField(max_length=64, blank=True)
    # Set when the item was drawn for a blueprint cell (redrawn on regeneration).
    cell = models.ForeignKey(
        BlueprintCell, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Structured rubric for manual grading (assessment.rubrics): criteria with levels whose
    # highest points add up to `points`. Empty when the item has none.
    rubric = models.JSONField(_("thang điểm"), default=list, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["part__order", "order"]

    def __str__(self) -> str:
        return f"{self.part} #{self.order}"

    @property
    def points_decimal(self) -> Decimal:
        return Decimal(self.points).normalize()


class TestVersion(models.Model):
    """One mã đề: the order of items and options and its own answer key, reproducible by seed."""

    test = models.ForeignKey(Test, on_delete=models.CASCADE, related_name="versions")
    code = models.CharField(_("mã đề"), max_length=16)
    seed = models.CharField(max_length=64)
    # [{"position", "part", "item_version", "test_item", "choice_order", "key", "points"}]
    layout = models.JSONField()
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar[list[str]] = ["test", "code"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["test", "code"], name="unique_version_code")
        ]

    def __str__(self) -> str:
        return f"{self.test} — {self.code}"


class ResultPolicy(models.TextChoices):
    IMMEDIATELY = "immediately", _("Ngay sau khi nộp bài")
    AFTER_CLOSE = "after_close", _("Sau khi hết hạn làm bài")
    NEVER = "never", _("Không công bố")


class StudentGroup(models.Model):
    """A named subset of one class's students (a group a test can be given to)."""

    school_class = models.ForeignKey("core.SchoolClass", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("tên nhóm"), max_length=100)
    students = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("nhóm học sinh")
        verbose_name_plural = _("nhóm học sinh")
        ordering: ClassVar[list[str]] = ["school_class", "name"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["school_class", "name"], name="unique_group_name")
        ]

    def __str__(self) -> str:
        return self.name


class Assignment(models.Model):
    """A test given online to a class (or one group of it), with its window, limits and result
    policy."""

    test = models.ForeignKey(Test, on_delete=models.PROTECT, related_name="assignments")
    school_class = models.ForeignKey("core.SchoolClass", on_delete=models.CASCADE, related_name="+")
    # When set, only the group's students take the test.
    group = models.ForeignKey(
        StudentGroup, on_delete=models.PROTECT, null=True, blank=True, related_name="assignments"
    )
    opens = models.DateTimeField(_("mở"))
    closes = models.DateTimeField(_("đóng"))
    time_limit_minutes = models.PositiveSmallIntegerField(_("thời gian làm bài (phút)"))
    max_attempts = models.PositiveSmallIntegerField(_("số lần làm"), default=1)
    shuffle_per_student = models.BooleanField(_("trộn đề cho từng học sinh"), default=True)
    result_policy = models.CharField(
        _("công bố kết quả"),
        max_length=16,
        choices=ResultPolicy.choices,
        default=ResultPolicy.AFTER_CLOSE,
    )
    show_correct_answers = models.BooleanField(_("cho xem đáp án"), default=False)
    blind_grading = models.BooleanField(_("chấm ẩn danh"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.test} — {self.school_class}"


class Attempt(models.Model):
    class State(models.TextChoices):
        IN_PROGRESS = "in_progress", _("Đang làm")
        SUBMITTED = "submitted", _("Đã nộp")

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="attempts")
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    number = models.PositiveSmallIntegerField(default=1)
    started = models.DateTimeField(default=timezone.now)
    deadline = models.DateTimeField()
    submitted = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.IN_PROGRESS)
    layout = models.JSONField()  # as TestVersion.layout, shuffled for this student
    score = models.DecimalField(max_digits=7, decimal_places=4, null=True, blank=True)
    needs_manual = models.BooleanField(default=False)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["assignment", "student", "number"], name="unique_attempt_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.student} — {self.assignment} #{self.number}"


class Answer(models.Model):
    """The latest response to one position; `seq` makes saving idempotent."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="answers")
    position = models.PositiveIntegerField()
    response = models.JSONField(null=True)
    seq = models.PositiveIntegerField(default=0)
    saved = models.DateTimeField(default=timezone.now)
    score = models.DecimalField(max_digits=7, decimal_places=4, null=True, blank=True)
    # Manual grading (essays, short text reviewed by a teacher).
    manual_score = models.DecimalField(max_digits=7, decimal_places=4, null=True, blank=True)
    comment = models.TextField(blank=True)
    rubric_scores = models.JSONField(default=dict, blank=True)  # {criterion: points}
    # The level picked per criterion: [{"criterion", "level", "descriptor", "points"}]; "level"
    # is null for scores typed free-form before rubrics were structured.
    rubric_levels = models.JSONField(default=list, blank=True)
    graded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering: ClassVar[list[str]] = ["attempt", "position"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["attempt", "position"], name="unique_answer_position")
        ]

    def __str__(self) -> str:
        return f"{self.attempt} — {self.position}"


class Regrade(models.Model):
    """One score changed by a key correction: the before/after log teachers see."""

    test_item = models.ForeignKey(TestItem, on_delete=models.CASCADE, related_name="regrades")
    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="regrades")
    position = models.PositiveIntegerField()
    before = models.DecimalField(max_digits=7, decimal_places=4, null=True)
    after = models.DecimalField(max_digits=7, decimal_places=4, null=True)
    total_before = models.DecimalField(max_digits=7, decimal_places=4, null=True)
    total_after = models.DecimalField(max_digits=7, decimal_places=4, null=True)
    old_version = models.PositiveIntegerField()
    new_version = models.PositiveIntegerField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar[list[str]] = ["-at", "attempt", "position"]

    def __str__(self) -> str:
        return f"{self.attempt} #{self.position}: {self.before} → {self.after}"


class RubricTemplate(models.Model):
    """A rubric a teacher keeps to reuse on other tests; shared ones are offered to the
    teachers of the same school."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    school = models.ForeignKey(
        "core.Organisation", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("tên thang điểm"), max_length=255)
    criteria = models.JSONField(_("tiêu chí"), default=list)
    shared = models.BooleanField(_("dùng chung trong trường"), default=False)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("mẫu thang điểm")
        verbose_name_plural = _("mẫu thang điểm")
        ordering: ClassVar[list[str]] = ["name", "pk"]

    def __str__(self) -> str:
        return self.name
