"""Certificates, signed publications, their signatures and the transparency log."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CertKind(models.TextChoices):
    ROOT = "root", _("CA gốc tin cậy")
    PERSONAL = "personal", _("Chứng thư cá nhân")
    SEAL = "seal", _("Con dấu cơ quan")


class Certificate(models.Model):
    """An X.509 certificate we trust (a root) or sign with (personal, seal).

    The private key, when we hold it, is stored encrypted (see keys.py); externally issued
    certificates used through a PKCS#12 file or a remote signing service have none here.
    """

    kind = models.CharField(_("loại"), max_length=16, choices=CertKind.choices)
    subject = models.CharField(_("chủ thể"), max_length=500)
    fingerprint = models.CharField(_("dấu vân tay SHA-256"), max_length=64, unique=True)
    pem = models.TextField(_("chứng thư (PEM)"))
    encrypted_key = models.BinaryField(_("khoá bí mật (mã hoá)"), null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="provenance_certificates",
    )
    not_before = models.DateTimeField(_("hiệu lực từ"))
    not_after = models.DateTimeField(_("hiệu lực đến"))
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True)
    revocation_reason = models.CharField(_("lý do thu hồi"), max_length=255, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("chứng thư số")
        verbose_name_plural = _("chứng thư số")
        ordering: ClassVar[list[str]] = ["-created"]

    def __str__(self) -> str:
        return self.subject


class Publication(models.Model):
    """One signed version of a content item or question version: its canonical manifest."""

    kind = models.CharField(_("loại"), max_length=32)
    code = models.CharField(_("mã"), max_length=128, db_index=True)
    title = models.CharField(_("tiêu đề"), max_length=500)
    manifest = models.BinaryField(_("bản kê khai (JSON chuẩn RFC 8785)"))
    manifest_sha256 = models.CharField(max_length=64, unique=True)
    created = models.DateTimeField(default=timezone.now, db_index=True)
    flagged_at = models.DateTimeField(_("phát hiện sai lệch lúc"), null=True, blank=True)
    flag_reason = models.TextField(_("sai lệch"), blank=True)

    class Meta:
        verbose_name = _("bản công bố đã ký")
        verbose_name_plural = _("bản công bố đã ký")
        ordering: ClassVar[list[str]] = ["code", "-created"]

    def __str__(self) -> str:
        return f"{self.code} ({self.manifest_sha256[:12]})"


class PublicationFile(models.Model):
    """A file listed in a manifest; its bytes live in storage, addressed by their hash."""

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="files")
    path = models.CharField(max_length=500)
    sha256 = models.CharField(max_length=64)
    size = models.BigIntegerField()

    class Meta:
        ordering: ClassVar[list[str]] = ["path"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["publication", "path"], name="unique_publication_path")
        ]

    def __str__(self) -> str:
        return self.path


class SignatureRole(models.TextChoices):
    AUTHOR = "author", _("Tác giả")
    APPROVER = "approver", _("Người phê duyệt")
    SEAL = "seal", _("Con dấu Sở")


class Signature(models.Model):
    """A detached CMS signature over a publication's manifest.

    A re-signed signature replaces the old one, which stays with `superseded_by` set.
    """

    publication = models.ForeignKey(
        Publication, on_delete=models.CASCADE, related_name="signatures"
    )
    role = models.CharField(_("vai trò"), max_length=16, choices=SignatureRole.choices)
    certificate = models.ForeignKey(
        Certificate, on_delete=models.PROTECT, related_name="signatures"
    )
    cms = models.BinaryField(_("chữ ký CMS (DER)"))
    cms_sha256 = models.CharField(max_length=64, unique=True)
    signed_at = models.DateTimeField(_("ký lúc"))
    log_seq = models.BigIntegerField()
    superseded_by = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("chữ ký")
        verbose_name_plural = _("chữ ký")
        ordering: ClassVar[list[str]] = ["publication", "signed_at"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["publication", "role"],
                condition=models.Q(superseded_by__isnull=True),
                name="one_current_signature_per_role",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} — {self.publication}"


class LogEntry(models.Model):
    """One event of the append-only, hash-chained transparency log.

    entry_hash = SHA-256(prev_hash ‖ canonical JSON of seq, at, event, payload).
    """

    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField()
    event = models.CharField(max_length=32)
    payload = models.JSONField()
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("mục nhật ký minh bạch")
        verbose_name_plural = _("nhật ký minh bạch")
        ordering: ClassVar[list[str]] = ["seq"]

    def __str__(self) -> str:
        return f"#{self.seq} {self.event}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("The transparency log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValueError("The transparency log is append-only.")


class LogHead(models.Model):
    """A single row locked while appending, so concurrent signers get consecutive numbers."""

    seq = models.BigIntegerField(default=0)
    entry_hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"#{self.seq}"
