"""What the platform remembers about the sector side: links, synced records, the outbox."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SchoolLink(models.Model):
    """Mapping per school: which sector org (OneRoster sourcedId) a local school is."""

    school = models.OneToOneField(
        "core.Organisation", on_delete=models.CASCADE, related_name="sector_link"
    )
    remote_id = models.CharField(_("mã trên CSDL ngành"), max_length=128, unique=True)
    enabled = models.BooleanField(_("đồng bộ"), default=True)

    class Meta:
        verbose_name = _("liên kết trường với CSDL ngành")
        verbose_name_plural = _("liên kết trường với CSDL ngành")

    def __str__(self) -> str:
        return f"{self.school} ↔ {self.remote_id}"


class RemoteRecord(models.Model):
    """A local object that came from the sector roster, and the values we last applied to it.

    `applied` lets the next sync tell a local edit (local ≠ applied) from a remote change
    (remote ≠ applied); when both happened the record is flagged, not overwritten.
    """

    class Kind(models.TextChoices):
        ORG = "org", _("Trường")
        CLASS = "class", _("Lớp")
        USER = "user", _("Người dùng")
        ENROLLMENT = "enrollment", _("Xếp lớp")

    kind = models.CharField(max_length=16, choices=Kind.choices)
    sourced_id = models.CharField(max_length=128)
    local_id = models.BigIntegerField()
    applied = models.JSONField(default=dict)
    conflict = models.JSONField(null=True, blank=True)
    synced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("bản ghi đồng bộ")
        verbose_name_plural = _("bản ghi đồng bộ")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["kind", "sourced_id"], name="unique_remote_record")
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.sourced_id}"


class SyncRun(models.Model):
    """One roster or results run and its change report."""

    class Kind(models.TextChoices):
        ROSTER = "roster", _("Danh sách")
        RESULTS = "results", _("Kết quả")
        RECONCILE = "reconcile", _("Đối soát")

    kind = models.CharField(max_length=16, choices=Kind.choices)
    school = models.ForeignKey(
        "core.Organisation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    started = models.DateTimeField(default=timezone.now)
    finished = models.DateTimeField(null=True, blank=True)
    report = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("lượt đồng bộ")
        verbose_name_plural = _("lượt đồng bộ")
        ordering: ClassVar[list[str]] = ["-started"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.started:%Y-%m-%d %H:%M}"


class OutboxMessage(models.Model):
    """A transcript waiting for (or past) delivery. Written in the grade-book lock transaction.

    `key` is the OneRoster sourcedId of the line item: the remote upserts by it, so a
    delivery repeated after a lost response changes nothing there.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Chờ gửi")
        DELIVERED = "delivered", _("Đã gửi")
        DEAD = "dead", _("Gửi lỗi (chờ xử lý)")

    key = models.CharField(max_length=200, unique=True)
    school = models.ForeignKey(
        "core.Organisation", on_delete=models.CASCADE, related_name="+", null=True
    )
    school_class_id = models.BigIntegerField(null=True)
    subject_id = models.BigIntegerField(null=True)
    semester = models.PositiveSmallIntegerField(null=True)
    payload = models.JSONField()
    record_count = models.PositiveIntegerField(default=0)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now, db_index=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("bản ghi chờ gửi CSDL ngành")
        verbose_name_plural = _("bản ghi chờ gửi CSDL ngành")
        ordering: ClassVar[list[str]] = ["created", "id"]

    def __str__(self) -> str:
        return self.key
