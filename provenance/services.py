"""Every write of the provenance app: certificates, signing, revocation, re-signing, flags."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from cryptography import x509
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.api import Membership, Role, audit, notify_user

from . import keys, manifest, translog
from .bundle import blob_name
from .cms import verify_detached
from .models import (
    Certificate,
    CertKind,
    Publication,
    PublicationFile,
    Signature,
    SignatureRole,
)
from .signers import LocalKeySigner, PKCS12Signer, Signer
from .verification import Verdict, chain_for


def _ca_name() -> str:
    return getattr(settings, "PROVENANCE_CA_NAME", "") or "CA Học liệu số — Sở GDĐT"


def _store(cert: x509.Certificate, kind: str, *, key: Any = None, user: Any = None) -> Certificate:
    row, _created = Certificate.objects.get_or_create(
        fingerprint=keys.fingerprint(cert),
        defaults={
            "kind": kind,
            "subject": cert.subject.rfc4514_string()[:500],
            "pem": keys.to_pem(cert),
            "encrypted_key": keys.encrypt_key(key) if key is not None else None,
            "user": user,
            "not_before": cert.not_valid_before_utc,
            "not_after": cert.not_valid_after_utc,
        },
    )
    return row


@transaction.atomic
def ensure_department_ca(actor: Any = None) -> Certificate:
    """The built-in department CA used by the embedded default and the demo."""
    existing = Certificate.objects.filter(kind=CertKind.ROOT, encrypted_key__isnull=False).first()
    if existing is not None:
        return existing
    key = keys.new_key()
    cert = keys.self_signed_ca(keys.name(_ca_name(), organisation="Sở GDĐT"), key)
    row = _store(cert, CertKind.ROOT, key=key)
    audit.record("provenance.create_ca", row, actor=actor, after={"subject": row.subject})
    return row


@transaction.atomic
def issue_certificate(
    user: Any = None,
    *,
    kind: str = CertKind.PERSONAL,
    organisation: str = "",
    common_name: str = "",
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
    actor: Any = None,
) -> Certificate:
    """A certificate from the department CA, with its key stored encrypted.

    A personal certificate names the user (CN = full name, UID = username); a seal names the
    organisation.
    """
    ca = ensure_department_ca(actor)
    ca_key = keys.decrypt_key(bytes(ca.encrypted_key or b""))
    if kind == CertKind.PERSONAL:
        if user is None:
            raise ValidationError(_("Chứng thư cá nhân phải gắn với một người dùng."))
        if not user.full_name.strip():
            raise ValidationError(
                _("Người dùng %(username)s chưa có họ tên để cấp chứng thư ký số.")
                % {"username": user.username}
            )
        subject = keys.name(user.full_name, uid=user.username, organisation=organisation)
    else:
        subject = keys.name(common_name or organisation, organisation=organisation)
    start = not_before or timezone.now() - dt.timedelta(minutes=5)
    key = keys.new_key()
    cert = keys.issue(
        subject,
        key.public_key(),
        keys.from_pem(ca.pem),
        ca_key,
        not_before=start,
        not_after=not_after or start + dt.timedelta(days=730),
    )
    row = _store(cert, kind, key=key, user=user)
    audit.record("provenance.issue_certificate", row, actor=actor, after={"subject": row.subject})
    return row


@transaction.atomic
def import_trusted_root(data: bytes, *, actor: Any = None) -> Certificate:
    """Trust an outside CA (e.g. a national digital-signature CA) as a root."""
    try:
        cert = keys.load_certificate(data)
    except ValueError as exc:
        raise ValidationError(_("Không đọc được chứng thư (PEM hoặc DER).")) from exc
    row = _store(cert, CertKind.ROOT)
    audit.record("provenance.import_root", row, actor=actor, after={"subject": row.subject})
    return row


def _require_trusted(cert: x509.Certificate, extra: list[x509.Certificate]) -> None:
    chain = chain_for(cert, extra)
    roots = set(
        Certificate.objects.filter(kind=CertKind.ROOT).values_list("fingerprint", flat=True)
    )
    if not chain or keys.fingerprint(chain[-1]) not in roots:
        raise ValidationError(
            _("Chứng thư %(name)s không do CA tin cậy cấp; hãy nhập CA gốc trước.")
            % {"name": keys.common_name_of(cert)}
        )


@transaction.atomic
def import_certificate(
    data: bytes, *, user: Any = None, kind: str = CertKind.PERSONAL, actor: Any = None
) -> Certificate:
    """Register an externally issued signing certificate (its key stays with the holder)."""
    try:
        cert = keys.load_certificate(data)
    except ValueError as exc:
        raise ValidationError(_("Không đọc được chứng thư (PEM hoặc DER).")) from exc
    _require_trusted(cert, [])
    row = _store(cert, kind, user=user)
    audit.record("provenance.import_certificate", row, actor=actor, after={"subject": row.subject})
    return row


@transaction.atomic
def import_pkcs12(
    data: bytes, password: str | None, *, user: Any = None, actor: Any = None
) -> Certificate:
    """Import a PKCS#12 file: its certificate, and its key re-encrypted at rest."""
    try:
        signer = PKCS12Signer(data, password)
    except RuntimeError as exc:
        raise ValidationError(str(exc)) from exc
    _require_trusted(signer.certificate, list(signer.chain))
    row = _store(signer.certificate, CertKind.PERSONAL, key=signer.key, user=user)
    audit.record("provenance.import_pkcs12", row, actor=actor, after={"subject": row.subject})
    return row


def signer_for(certificate: Certificate) -> LocalKeySigner:
    """A signer for a certificate whose key we hold."""
    if not certificate.encrypted_key:
        raise ValidationError(_("Không lưu khoá bí mật của chứng thư này."))
    cert = keys.from_pem(certificate.pem)
    return LocalKeySigner(
        cert, keys.decrypt_key(bytes(certificate.encrypted_key)), chain_for(cert, [])
    )


def _signing_certificate(signer: Signer) -> Certificate:
    cert = signer.certificate
    now = timezone.now()
    if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
        raise ValidationError(
            _("Chứng thư %(name)s đã hết hạn hoặc chưa có hiệu lực.")
            % {"name": keys.common_name_of(cert)}
        )
    _require_trusted(cert, list(signer.chain))
    row = Certificate.objects.filter(fingerprint=keys.fingerprint(cert)).first()
    if row is None:
        row = _store(cert, CertKind.PERSONAL)
    if row.revoked_at is not None:
        raise ValidationError(_("Chứng thư %(name)s đã bị thu hồi.") % {"name": row.subject})
    return row


def _sign(publication: Publication, role: str, signer: Signer, actor: Any) -> Signature:
    row = _signing_certificate(signer)
    if role == SignatureRole.SEAL and row.kind != CertKind.SEAL:
        raise ValidationError(_("Chỉ chứng thư con dấu của Sở được đóng dấu."))
    der = signer.sign_detached(bytes(publication.manifest))
    verify_detached(der, bytes(publication.manifest))
    cms_sha = hashlib.sha256(der).hexdigest()
    entry = translog.append(
        "sign",
        {
            "kind": publication.kind,
            "code": publication.code,
            "manifest_sha256": publication.manifest_sha256,
            "role": role,
            "certificate": row.fingerprint,
            "cms_sha256": cms_sha,
        },
    )
    sig = Signature.objects.create(
        publication=publication,
        role=role,
        certificate=row,
        cms=der,
        cms_sha256=cms_sha,
        signed_at=entry.at,
        log_seq=entry.seq,
    )
    audit.record(
        f"provenance.sign_{role}",
        publication,
        actor=actor,
        after={"role": role, "certificate": row.fingerprint, "log_seq": entry.seq},
    )
    return sig


@transaction.atomic
def sign_publication(
    subject: manifest.Subject, author: Signer, *, actor: Any = None
) -> Publication:
    """Store the files, write the canonical manifest and sign it as the author."""
    if not subject.files:
        raise ValidationError(_("Bản công bố phải có ít nhất một tệp."))
    digests: list[tuple[str, str, int]] = []
    seen: set[str] = set()
    for path, source in subject.files:
        clean = manifest.clean_path(path)
        if clean in seen:
            raise ValidationError(_("Tệp %(path)s bị lặp.") % {"path": clean})
        seen.add(clean)
        data = b"".join(manifest.chunks(source))
        if not isinstance(source, bytes):
            source.close()
        sha = hashlib.sha256(data).hexdigest()
        if not default_storage.exists(blob_name(sha)):
            default_storage.save(blob_name(sha), ContentFile(data))
        digests.append((clean, sha, len(data)))
    body = manifest.build(subject, digests)
    if keys.uid_of(author.certificate) != body["author"]["id"]:
        raise ValidationError(_("Chứng thư ký không phải của tác giả ghi trong bản kê khai."))
    canonical = manifest.canonical(body)
    sha = manifest.sha256(canonical)
    if Publication.objects.filter(manifest_sha256=sha).exists():
        raise ValidationError(_("Bản công bố này đã được ký."))
    publication = Publication.objects.create(
        kind=subject.kind,
        code=subject.code,
        title=body["title"][:500],
        manifest=canonical,
        manifest_sha256=sha,
    )
    PublicationFile.objects.bulk_create(
        PublicationFile(publication=publication, path=p, sha256=h, size=n) for p, h, n in digests
    )
    _sign(publication, SignatureRole.AUTHOR, author, actor)
    return publication


@transaction.atomic
def approve_publication(
    publication: Publication, approver: Signer, *, actor: Any = None
) -> Signature:
    """The approver's countersignature: a second detached signature over the same manifest."""
    author = publication.signatures.filter(
        role=SignatureRole.AUTHOR, superseded_by__isnull=True
    ).first()
    if author is None:
        raise ValidationError(_("Tác giả chưa ký bản công bố."))
    if keys.fingerprint(approver.certificate) == author.certificate.fingerprint:
        raise ValidationError(_("Tác giả không tự phê duyệt được."))
    if publication.signatures.filter(
        role=SignatureRole.APPROVER, superseded_by__isnull=True
    ).exists():
        raise ValidationError(_("Bản công bố đã được phê duyệt."))
    return _sign(publication, SignatureRole.APPROVER, approver, actor)


@transaction.atomic
def seal_publication(publication: Publication, seal: Signer, *, actor: Any = None) -> Signature:
    if publication.signatures.filter(role=SignatureRole.SEAL, superseded_by__isnull=True).exists():
        raise ValidationError(_("Bản công bố đã được đóng dấu."))
    return _sign(publication, SignatureRole.SEAL, seal, actor)


@transaction.atomic
def revoke_certificate(
    certificate: Certificate, *, at: dt.datetime | None = None, reason: str = "", actor: Any = None
) -> Certificate:
    """Revoke from `at` (default now; earlier when a key was compromised before it was reported).

    Signatures made at or after `at` stop verifying; earlier ones stay valid.
    """
    if certificate.revoked_at is not None:
        raise ValidationError(_("Chứng thư đã bị thu hồi."))
    before = audit.snapshot(certificate, ["revoked_at", "revocation_reason"])
    certificate.revoked_at = at or timezone.now()
    certificate.revocation_reason = reason[:255]
    certificate.save(update_fields=["revoked_at", "revocation_reason"])
    translog.append(
        "revoke",
        {
            "certificate": certificate.fingerprint,
            "revoked_at": certificate.revoked_at.astimezone(dt.UTC).isoformat(),
            "reason": certificate.revocation_reason,
        },
    )
    audit.record(
        "provenance.revoke_certificate",
        certificate,
        actor=actor,
        before=before,
        after=audit.snapshot(certificate, ["revoked_at", "revocation_reason"]),
    )
    return certificate


def signatures_to_resign(certificate: Certificate) -> QuerySet[Signature]:
    """Current signatures by a revoked certificate: all of them should be re-signed."""
    return Signature.objects.filter(certificate=certificate, superseded_by__isnull=True)


@transaction.atomic
def resign(signature: Signature, signer: Signer, *, actor: Any = None) -> Signature:
    """Replace a signature (e.g. by a revoked certificate) with one by a new certificate."""
    if signature.superseded_by_id is not None:
        raise ValidationError(_("Chữ ký này đã được ký lại."))
    old_uid = keys.uid_of(keys.from_pem(signature.certificate.pem))
    if keys.uid_of(signer.certificate) != old_uid:
        raise ValidationError(_("Chỉ chính người đã ký mới ký lại được."))
    publication = signature.publication
    # Free the (publication, role) slot first: one current signature per role.
    placeholder = Signature.objects.filter(pk=signature.pk)
    placeholder.update(superseded_by=signature)
    new = _sign(publication, signature.role, signer, actor)
    placeholder.update(superseded_by=new)
    return new


def flag_tampered(publication: Publication, verdict: Verdict, *, actor: Any = None) -> None:
    """Mark a publication as tampered and tell the department and school admins."""
    reason = "; ".join(f"{p.file}: {p.reason}" for p in verdict.problems)[:5000]
    first = publication.flagged_at is None
    Publication.objects.filter(pk=publication.pk).update(
        flagged_at=publication.flagged_at or timezone.now(), flag_reason=reason
    )
    audit.record("provenance.flag_tampered", publication, actor=actor, after={"problems": reason})
    if first:
        message = _("Học liệu %(code)s đã bị thay đổi sau khi ký và bị chặn.") % {
            "code": publication.code
        }
        school = json.loads(bytes(publication.manifest))["school"]["code"]
        admins = Membership.objects.filter(
            Q(role=Role.DEPARTMENT_ADMIN) | Q(role=Role.SCHOOL_ADMIN, organisation__code=school)
        ).values_list("user_id", flat=True)
        for user_id in set(admins):
            notify_user(user_id, message, level="error")
