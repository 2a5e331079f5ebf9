"""Grade books (Circular 22/27), courses with activities, flipped lessons, xAPI and teacher PD."""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# --- Grade book ------------------------------------------------------------------------------


class GradeBook(models.Model):
    """The scores of one class in one subject for one semester (sổ điểm)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Đang nhập")
        SUBMITTED = "submitted", _("Chờ duyệt")
        LOCKED = "locked", _("Đã duyệt và khoá")

    school_class = models.ForeignKey(
        "core.SchoolClass", on_delete=models.PROTECT, related_name="grade_books"
    )
    subject = models.ForeignKey("core.Subject", on_delete=models.PROTECT, related_name="+")
    semester = models.ForeignKey("core.Semester", on_delete=models.PROTECT, related_name="+")
    regular_count = models.PositiveSmallIntegerField(_("số điểm ĐĐGtx"))
    comment_only = models.BooleanField(_("đánh giá bằng nhận xét"), default=False)
    primary = models.BooleanField(_("tiểu học (Thông tư 27)"), default=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("sổ điểm")
        verbose_name_plural = _("sổ điểm")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["school_class", "subject", "semester"], name="one_grade_book"
            )
        ]

    def __str__(self) -> str:
        return f"{self.school_class} — {self.subject} — HK{self.semester.number}"

    @property
    def locked(self) -> bool:
        return self.status == self.Status.LOCKED


class GradeCell(models.Model):
    """One column of one student: "tx1".."tx4" (ĐĐGtx), "gk" (mid-term), "ck" (end of term),
    or "level" (primary subject level). A score, or a mark (Đạt/Chưa đạt, T/H/C)."""

    book = models.ForeignKey(GradeBook, on_delete=models.CASCADE, related_name="cells")
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    column = models.CharField(max_length=8)
    score = models.DecimalField(max_digits=3, decimal_places=1, null=True, blank=True)
    mark = models.CharField(max_length=2, blank=True)
    source = models.CharField(max_length=32, default="typed")
    source_ref = models.CharField(max_length=64, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["book", "student", "column"], name="one_grade_cell")
        ]

    def __str__(self) -> str:
        return f"{self.book_id}/{self.student_id}/{self.column}"


# --- Courses and activities ------------------------------------------------------------------


class Course(models.Model):
    class Kind(models.TextChoices):
        CLASS = "class", _("Lớp học")
        PD = "pd", _("Bồi dưỡng giáo viên")

    kind = models.CharField(max_length=8, choices=Kind.choices)
    title = models.CharField(_("tên khoá học"), max_length=255)
    description = models.TextField(_("mô tả"), blank=True)
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    school_class = models.ForeignKey(
        "core.SchoolClass", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    subject = models.ForeignKey(
        "core.Subject", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    pd_periods = models.PositiveSmallIntegerField(_("số tiết bồi dưỡng"), default=0)
    self_enrol = models.BooleanField(_("cho phép tự đăng ký"), default=False)
    created = models.DateTimeField(auto_now_add=True)
    # Part of the cache key of the outline (structure.py): every service that changes modules,
    # activities or lessons bumps it in its own transaction, so a stale outline is never read.
    outline_version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("khoá học")
        verbose_name_plural = _("khoá học")
        ordering: ClassVar[list[str]] = ["title"]

    def __str__(self) -> str:
        return self.title


class CourseEnrolment(models.Model):
    class Source(models.TextChoices):
        ROSTER = "roster", _("Theo danh sách lớp")
        SELF = "self", _("Tự đăng ký")
        COHORT = "cohort", _("Được phân công")

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="enrolments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="course_enrolments"
    )
    source = models.CharField(max_length=8, choices=Source.choices)
    enrolled_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["course", "user"], name="one_course_enrolment")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.course}"


class Module(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="modules")
    title = models.CharField(_("tên chương"), max_length=255)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering: ClassVar[list[str]] = ["position", "id"]

    def __str__(self) -> str:
        return self.title


class FlippedLesson(models.Model):
    """A lesson taught flipped: material and a readiness quiz before the class period."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="lessons")
    title = models.CharField(_("tên bài học"), max_length=255)
    class_starts_at = models.DateTimeField(_("giờ lên lớp"))

    class Meta:
        ordering: ClassVar[list[str]] = ["class_starts_at"]

    def __str__(self) -> str:
        return self.title


class LiveActivities(models.Manager["Activity"]):
    """Activities not archived: every learner-facing query, the outline and completion."""

    def get_queryset(self) -> models.QuerySet[Activity]:
        return super().get_queryset().filter(archived_at__isnull=True)


class Activity(models.Model):
    class Kind(models.TextChoices):
        CONTENT = "content", _("Học liệu")
        ASSIGNMENT = "assignment", _("Bài tập")
        TEST = "test", _("Bài kiểm tra trực tuyến")
        QUIZ = "quiz", _("Câu hỏi chuẩn bị bài")
        DISCUSSION = "discussion", _("Thảo luận")
        LIVE = "live", _("Buổi học trực tuyến")

    class Rule(models.TextChoices):
        VIEWED = "viewed", _("Đã xem")
        SCORE = "score", _("Hoàn thành với điểm từ ngưỡng")
        PASSED = "passed", _("Đạt bài kiểm tra")
        SUBMITTED = "submitted", _("Đã nộp bài")
        GRADED = "graded", _("Đã được chấm")

    class Phase(models.TextChoices):
        NONE = "", _("—")
        BEFORE = "before", _("Trước giờ học")
        AFTER = "after", _("Sau giờ học")

    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    title = models.CharField(_("tên hoạt động"), max_length=255)
    body = models.TextField(_("nội dung"), blank=True)
    position = models.PositiveIntegerField(default=0)
    ref_id = models.CharField(
        _("mã tham chiếu"),
        max_length=64,
        blank=True,
        help_text=_("Mã học liệu (kho học liệu) hoặc mã bài kiểm tra (hệ thống khảo thí)."),
    )
    rule = models.CharField(_("điều kiện hoàn thành"), max_length=12, choices=Rule.choices)
    pass_score = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    available_from = models.DateTimeField(null=True, blank=True)
    available_until = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    prerequisites = models.ManyToManyField("self", symmetrical=False, blank=True)
    rubric = models.JSONField(default=list, blank=True)
    resubmission = models.BooleanField(_("cho phép nộp lại"), default=True)
    # Grade-book column fed by this activity's results (assignment grades, test results):
    # "tx1".."tx4", "gk" or "ck" of the course's class book for `grade_semester`.
    grade_column = models.CharField(_("cột sổ điểm"), max_length=8, blank=True)
    grade_semester = models.ForeignKey(
        "core.Semester", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    live_url = models.URLField(blank=True)
    starts_at = models.DateTimeField(null=True, blank=True)
    lesson = models.ForeignKey(
        FlippedLesson, on_delete=models.CASCADE, null=True, blank=True, related_name="activities"
    )
    phase = models.CharField(max_length=8, choices=Phase.choices, blank=True, default="")
    # When the "due soon" / "test opened" notices went out, so the periodic task sends each once.
    due_notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    open_notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    # When the results an "after close" test released at its close were fed (beat task), so the
    # periodic check asks the assessment engine about each test only until then.
    closed_results_fed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # A removed activity that learners had worked on is archived, not deleted: it leaves the
    # course (outline, completion, learners' pages) but its submissions, scores and grade-book
    # cells stay. `Activity.objects` hides it; `Activity.all_objects` sees it.
    archived_at = models.DateTimeField(null=True, blank=True, editable=False)

    all_objects = models.Manager()
    objects = LiveActivities()

    class Meta:
        default_manager_name = "objects"
        base_manager_name = "all_objects"
        verbose_name = _("hoạt động")
        verbose_name_plural = _("hoạt động")
        ordering: ClassVar[list[str]] = ["module__position", "position", "id"]

    def __str__(self) -> str:
        return self.title


class Progress(models.Model):
    """A learner's state on one activity; `completed_at` is set by the completion rules."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="progress")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    first_viewed_at = models.DateTimeField(null=True, blank=True)
    seconds = models.PositiveIntegerField(default=0)
    score = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    package_completed = models.BooleanField(default=False)
    passed = models.BooleanField(default=False)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["activity", "user"], name="one_progress")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.activity_id}"


class ReleasedResult(models.Model):
    """The released online-test result last applied to a learner's progress on an activity, so
    feeding the same result again (a retried task, the teacher's button) changes nothing."""

    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="released_results"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    attempt_id = models.PositiveBigIntegerField()
    score = models.DecimalField(max_digits=4, decimal_places=1)
    fed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["activity", "user"], name="one_released_result")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.activity_id}: {self.score}"


class Submission(models.Model):
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="submissions")
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    attempt = models.PositiveSmallIntegerField(default=1)
    text = models.TextField(blank=True)
    file = models.FileField(upload_to="lms/submissions/%Y/%m/", blank=True)
    submitted_at = models.DateTimeField(default=timezone.now)
    late = models.BooleanField(default=False)
    rubric_points = models.JSONField(default=list, blank=True)
    score = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    feedback = models.TextField(blank=True)
    graded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    graded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["activity", "student", "-attempt"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["activity", "student", "attempt"], name="one_attempt")
        ]

    def __str__(self) -> str:
        return f"{self.student_id}@{self.activity_id}#{self.attempt}"


class Post(models.Model):
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    body = models.TextField()
    teacher_answer = models.BooleanField(default=False)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar[list[str]] = ["created", "id"]

    def __str__(self) -> str:
        return self.body[:40]


class Attendance(models.Model):
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="attendance")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["activity", "user"], name="one_attendance")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.activity_id}"


class QuizQuestion(models.Model):
    """A question of a readiness quiz: options and the index of the right one."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField()
    prompt = models.TextField()
    options = models.JSONField()
    correct = models.PositiveSmallIntegerField()

    class Meta:
        ordering: ClassVar[list[str]] = ["position"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["activity", "position"], name="one_quiz_position")
        ]

    def __str__(self) -> str:
        return self.prompt[:40]


class QuizAnswer(models.Model):
    question = models.ForeignKey(QuizQuestion, on_delete=models.CASCADE, related_name="answers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    choice = models.PositiveSmallIntegerField()
    correct = models.BooleanField()
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["question", "user"], name="one_quiz_answer")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.question_id}"


# --- Learning records (xAPI) -----------------------------------------------------------------


class Statement(models.Model):
    """An xAPI 1.0.3 statement, validated before it is stored (LRS-lite)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, related_name="+"
    )
    verb = models.CharField(max_length=255, db_index=True)
    object_id = models.CharField(max_length=255, db_index=True)
    timestamp = models.DateTimeField(db_index=True)
    stored = models.DateTimeField(auto_now_add=True)
    data = models.JSONField()
    forwarded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-timestamp"]

    def __str__(self) -> str:
        return f"{self.verb} {self.object_id}"


# --- Teacher professional development --------------------------------------------------------


class PdTarget(models.Model):
    """A teacher's yearly PD target in periods when it differs from the default."""

    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    school_year = models.ForeignKey("core.SchoolYear", on_delete=models.CASCADE, related_name="+")
    periods = models.PositiveSmallIntegerField(_("số tiết"))

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["teacher", "school_year"], name="one_pd_target")
        ]

    def __str__(self) -> str:
        return f"{self.teacher_id} {self.school_year_id}: {self.periods}"


class Certificate(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    enrolment = models.OneToOneField(
        CourseEnrolment, on_delete=models.PROTECT, related_name="certificate"
    )
    issued_at = models.DateTimeField(default=timezone.now)
    periods = models.PositiveSmallIntegerField()
    pdf = models.FileField(upload_to="lms/certificates/%Y/")
    signed = models.BooleanField(default=False)

    def __str__(self) -> str:
        return str(self.id)
