"""The public surface of `provenance` for other apps. Other apps import only this module.

Typical use at publication:

    pub = sign_publication(Subject(kind, code, files, metadata), signer_for_user(author))
    approve_publication(pub, signer_for_user(approver))
    verdict = verify_for_delivery(kind, code)   # on every download and launch
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from . import services
from .bundle import export, members_of, verify_zip
from .manifest import Subject, canonical
from .manifest import sha256 as manifest_sha256
from .models import Certificate, CertKind, Publication, SignatureRole
from .pdf import sign_pdf
from .services import (
    approve_publication,
    ensure_department_ca,
    import_certificate,
    import_pkcs12,
    import_trusted_root,
    issue_certificate,
    resign,
    revoke_certificate,
    seal_publication,
    sign_publication,
    signatures_to_resign,
    signer_for,
)
from .signers import LocalKeySigner, PKCS12Signer, RemoteSigner, Signer, SigningError
from .translog import check as check_log
from .verification import Problem, Verdict, verify_members


def latest(code: str, kind: str | None = None) -> Publication | None:
    qs = Publication.objects.filter(code=code)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-created", "-pk").first()


def signer_for_user(user: Any, *, kind: str = CertKind.PERSONAL) -> LocalKeySigner:
    """The user's current stored-key certificate, issuing one from the department CA if none."""
    cert = (
        Certificate.objects.filter(
            user=user, kind=kind, revoked_at__isnull=True, encrypted_key__isnull=False
        )
        .order_by("-not_after")
        .first()
    )
    if cert is None or cert.not_after <= services.timezone.now():
        cert = issue_certificate(user, kind=kind)
    return signer_for(cert)


def department_seal_signer() -> LocalKeySigner:
    cert = Certificate.objects.filter(
        kind=CertKind.SEAL, revoked_at__isnull=True, encrypted_key__isnull=False
    ).first()
    if cert is None:
        cert = issue_certificate(
            kind=CertKind.SEAL, organisation="Sở GDĐT", common_name="Con dấu Sở GDĐT"
        )
    return signer_for(cert)


def verify(target: str | Path | bytes | IO[bytes]) -> Verdict:
    """Verify a bundle (bytes, stream, or path of a .zip) or the latest signed version of a code."""
    if isinstance(target, bytes) or hasattr(target, "read"):
        return verify_zip(target)  # type: ignore[arg-type]
    path = Path(target)
    if path.suffix == ".zip" and path.is_file():
        with path.open("rb") as stream:
            return verify_zip(stream)
    publication = latest(str(target))
    if publication is None:
        verdict = Verdict(code=str(target))
        verdict.problems.append(
            Problem(str(target), _("Không tìm thấy học liệu đã ký với mã này."))
        )
        return verdict
    return verify_members(members_of(publication))


def verify_for_delivery(
    kind: str,
    code: str,
    *,
    files: Iterable[tuple[str, Callable[[], IO[bytes]]]] | None = None,
    actor: Any = None,
) -> Verdict:
    """Call on every download and launch: refuse (valid is False) a tampered or unsigned item.

    `files` are the bytes about to be delivered (path, opener), checked against the signed
    manifest in place of the copies stored at signing, so a change to the delivered files is
    caught. A tampered item is flagged and the department and school admins are notified.
    """
    publication = latest(code, kind)
    if publication is None:
        verdict = Verdict(code=code)
        verdict.problems.append(Problem(code, _("Học liệu chưa được ký.")))
        return verdict
    members = members_of(publication)
    if files is not None:
        members = {k: v for k, v in members.items() if not k.startswith("files/")}
        members.update({f"files/{path}": opener for path, opener in files})
    verdict = verify_members(members)
    if not verdict.valid:
        with transaction.atomic():
            services.flag_tampered(publication, verdict, actor=actor)
    return verdict


def export_bundle(code: str) -> bytes:
    publication = latest(code)
    if publication is None:
        raise ValidationError(_("Không tìm thấy học liệu đã ký với mã %(code)s.") % {"code": code})
    return export(publication)


def signed_codes() -> list[str]:
    return sorted(set(Publication.objects.values_list("code", flat=True)))


__all__ = [
    "CertKind",
    "Certificate",
    "LocalKeySigner",
    "PKCS12Signer",
    "Problem",
    "Publication",
    "RemoteSigner",
    "SignatureRole",
    "Signer",
    "SigningError",
    "Subject",
    "Verdict",
    "approve_publication",
    "canonical",
    "check_log",
    "department_seal_signer",
    "ensure_department_ca",
    "export_bundle",
    "import_certificate",
    "import_pkcs12",
    "import_trusted_root",
    "issue_certificate",
    "latest",
    "manifest_sha256",
    "resign",
    "revoke_certificate",
    "seal_publication",
    "sign_pdf",
    "sign_publication",
    "signatures_to_resign",
    "signed_codes",
    "signer_for",
    "signer_for_user",
    "verify",
    "verify_for_delivery",
]
