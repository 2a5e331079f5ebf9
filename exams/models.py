"""Computer-based exams: exam → subject → session (ca thi) → room (phòng thi) → candidate.

Each candidate's attempt is created before the exam (pre-generated, with its version and layout),
so starting is one UPDATE. Answers are keyed by (attempt, position) and carry the client's
sequence number; the deadline lives only on the server.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Exam(models.Model):
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("đơn vị")
    )
    code = models.CharField(_("mã kỳ thi"), max_length=32, unique=True)
    title = models.CharField(_("tên kỳ thi"), max_length=255)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)
    results_published = models.DateTimeField(null=True, blank=True)
    # Result policy: once published, candidates also see their answers next to the key.
    show_answers = models.BooleanField(_("cho thí sinh xem bài làm và đáp án"), default=False)

    class Meta:
        verbose_name = _("kỳ thi")
        verbose_name_plural = _("kỳ thi")
        ordering: ClassVar[list[str]] = ["-created"]

    def __str__(self) -> str:
        return self.title


class ExamSubject(models.Model):
    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="subjects")
    name = models.CharField(_("môn thi"), max_length=100)
    test = models.ForeignKey("assessment.Test", on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return self.name


class Session(models.Model):
    """Ca thi: one subject in a time window; each candidate has `duration_minutes` (+ extra)."""

    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="sessions")
    subject = models.ForeignKey(ExamSubject, on_delete=models.PROTECT, related_name="sessions")
    name = models.CharField(_("ca thi"), max_length=100)
    starts = models.DateTimeField(_("bắt đầu"))
    ends = models.DateTimeField(_("kết thúc"))
    duration_minutes = models.PositiveSmallIntegerField(_("thời gian làm bài (phút)"))

    class Meta:
        ordering: ClassVar[list[str]] = ["starts", "pk"]

    def __str__(self) -> str:
        return f"{self.exam} — {self.name}"


class Room(models.Model):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="rooms")
    name = models.CharField(_("phòng thi"), max_length=100)
    capacity = models.PositiveSmallIntegerField(_("sức chứa"), default=24)
    proctors = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    # One IPv4/IPv6 network per line ("10.1.2.0/24"); empty: any address.
    ip_subnets = models.TextField(_("dải IP được phép"), blank=True)
    # The Safe Exam Browser Config Key (hex); empty: SEB not required.
    seb_config_key = models.CharField(_("SEB Config Key"), max_length=64, blank=True)
    access_code = models.CharField(max_length=16, blank=True)
    released = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    locked = models.BooleanField(default=False)
    # The coordinator checked this room's scores; publication waits for every room.
    results_reviewed = models.DateTimeField(null=True, blank=True)
    results_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering: ClassVar[list[str]] = ["session", "name"]

    def __str__(self) -> str:
        return self.name


class Candidate(models.Model):
    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="candidates")
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="candidates")
    room = models.ForeignKey(
        Room, on_delete=models.SET_NULL, null=True, blank=True, related_name="candidates"
    )
    seat = models.PositiveSmallIntegerField(_("số ghế"), null=True, blank=True)
    number = models.CharField(_("số báo danh"), max_length=16)
    full_name = models.CharField(_("họ và tên"), max_length=150)
    name_key = models.CharField(max_length=600, default="")
    class_name = models.CharField(_("lớp"), max_length=32, blank=True)
    date_of_birth = models.DateField(_("ngày sinh"), null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering: ClassVar[list[str]] = ["exam", "number"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["exam", "number"], name="unique_candidate_number")
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.full_name}"


class Attempt(models.Model):
    class State(models.TextChoices):
        READY = "ready", _("Chưa bắt đầu")
        IN_PROGRESS = "in_progress", _("Đang làm")
        SUBMITTED = "submitted", _("Đã nộp")

    candidate = models.OneToOneField(Candidate, on_delete=models.CASCADE, related_name="attempt")
    version = models.ForeignKey(
        "assessment.TestVersion", on_delete=models.PROTECT, null=True, related_name="+"
    )
    version_code = models.CharField(_("mã đề"), max_length=16, blank=True)
    layout = models.JSONField()  # copied from the TestVersion: fixed for this candidate
    size = models.PositiveSmallIntegerField(default=0)  # positions 1..size
    state = models.CharField(max_length=16, choices=State.choices, default=State.READY)
    started = models.DateTimeField(null=True, blank=True)
    deadline = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    extra_seconds = models.PositiveIntegerField(default=0)
    locked = models.BooleanField(default=False)
    code_failures = models.PositiveSmallIntegerField(default=0)
    # SHA-256 (hex) of the bearer token of the one active sign-in; a new sign-in replaces it.
    token_hash = models.CharField(max_length=64, blank=True)
    last_seen = models.DateTimeField(null=True, blank=True)
    submitted = models.DateTimeField(null=True, blank=True)
    submitted_by = models.CharField(max_length=16, blank=True)  # candidate, server, proctor
    receipt = models.CharField(max_length=64, blank=True)
    score = models.DecimalField(max_digits=7, decimal_places=4, null=True, blank=True)

    class Meta:
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["state", "deadline"], name="exams_attempt_due")
        ]

    def __str__(self) -> str:
        return f"{self.candidate}"


class Answer(models.Model):
    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="answers")
    position = models.PositiveIntegerField()
    response = models.JSONField(null=True)
    seq = models.PositiveIntegerField(default=0)
    saved = models.DateTimeField(default=timezone.now)
    score = models.DecimalField(max_digits=7, decimal_places=4, null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["attempt", "position"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["attempt", "position"], name="unique_exam_answer")
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id} — {self.position}"


class Incident(models.Model):
    """Biên bản: a proctor's note about the room or one candidate."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="incidents")
    candidate = models.ForeignKey(
        Candidate, on_delete=models.CASCADE, null=True, blank=True, related_name="incidents"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    note = models.TextField(_("nội dung biên bản"))
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar[list[str]] = ["at"]

    def __str__(self) -> str:
        return self.note[:60]
