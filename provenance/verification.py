"""Checking a publication, from a bundle or from storage: files, manifest, signatures, chain.

Both paths build the same {member name: bytes or opener} mapping as the zip bundle, so the
CLI, the page and delivery checks all run the one verifier below.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import IO, Any

import rfc8785
from cryptography import x509
from django.utils.translation import gettext as _

from . import keys
from .cms import CmsError, CmsSignature, embedded_certificates, verify_detached
from .manifest import FORMAT, chunks
from .models import Certificate, CertKind, Publication, Signature, SignatureRole

Member = bytes | Callable[[], IO[bytes]]
MANIFEST = "manifest.json"
CA_PEM = "certs/ca.pem"
ROLES = (SignatureRole.AUTHOR, SignatureRole.APPROVER, SignatureRole.SEAL)
REQUIRED_ROLES = (SignatureRole.AUTHOR, SignatureRole.APPROVER)


def signature_member(role: str) -> str:
    return f"signatures/{role}.p7s"


def cert_member(role: str) -> str:
    return f"certs/{role}.pem"


@dataclass
class Problem:
    file: str
    reason: str


@dataclass
class SignerReport:
    role: str
    name: str
    id: str
    organisation: str
    fingerprint: str
    signed_at: str | None
    valid: bool


@dataclass
class Verdict:
    code: str = ""
    title: str = ""
    manifest: dict[str, Any] | None = None
    signers: list[SignerReport] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.problems

    def as_json(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "code": self.code,
            "signers": [asdict(s) for s in self.signers],
            "problems": [asdict(p) for p in self.problems],
        }


def _digest(member: Member) -> tuple[str, int]:
    h, size = hashlib.sha256(), 0
    if isinstance(member, bytes):
        return hashlib.sha256(member).hexdigest(), len(member)
    with member() as stream:
        for block in chunks(stream):
            h.update(block)
            size += len(block)
    return h.hexdigest(), size


def _read(member: Member) -> bytes:
    if isinstance(member, bytes):
        return member
    with member() as stream:
        return stream.read()


def chain_for(signer: x509.Certificate, extra: list[x509.Certificate]) -> list[x509.Certificate]:
    """Issuers of `signer` up to a trusted root: CMS-embedded intermediates, then our roots."""
    roots = [keys.from_pem(c.pem) for c in Certificate.objects.filter(kind=CertKind.ROOT)]
    chain: list[x509.Certificate] = []
    current = signer
    for _depth in range(6):
        issuer = next(
            (
                c
                for c in [*extra, *roots]
                if c.subject == current.issuer and c != current and _issued_by(current, c)
            ),
            None,
        )
        if issuer is None:
            return chain
        chain.append(issuer)
        if issuer in roots:
            return chain
        current = issuer
    return chain


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, Exception):
        return False
    return True


def ca_pem(chains: list[list[x509.Certificate]]) -> bytes:
    """certs/ca.pem: every issuer of every signer, each once, in signing-role order."""
    seen: list[x509.Certificate] = []
    for chain in chains:
        seen.extend(c for c in chain if c not in seen)
    return "".join(keys.to_pem(c) for c in seen).encode()


def verify_members(members: Mapping[str, Member]) -> Verdict:
    verdict = Verdict()
    raw = members.get(MANIFEST)
    if raw is None:
        verdict.problems.append(Problem(MANIFEST, _("Thiếu bản kê khai.")))
        return verdict
    manifest_bytes = _read(raw)
    manifest = _parse_manifest(manifest_bytes, verdict)
    if manifest is None:
        return verdict
    verdict.manifest, verdict.code, verdict.title = manifest, manifest["code"], manifest["title"]
    expected = {MANIFEST, CA_PEM}
    for entry in manifest["files"]:
        name = f"files/{entry['path']}"
        expected.add(name)
        member = members.get(name)
        if member is None:
            verdict.problems.append(Problem(name, _("Thiếu tệp có trong bản kê khai.")))
            continue
        digest, size = _digest(member)
        if digest != entry["sha256"] or size != entry["size"]:
            verdict.problems.append(
                Problem(name, _("Nội dung tệp đã thay đổi: SHA-256 không khớp bản kê khai."))
            )
    manifest_sha = hashlib.sha256(manifest_bytes).hexdigest()
    if not Publication.objects.filter(manifest_sha256=manifest_sha).exists():
        verdict.problems.append(
            Problem(MANIFEST, _("Bản kê khai không khớp bản nào đã được ký và công bố."))
        )
    chains: list[list[x509.Certificate]] = []
    author_fp = ""
    for role in ROLES:
        name = signature_member(role)
        expected.update({name, cert_member(role)})
        member = members.get(name)
        if member is None:
            if role in REQUIRED_ROLES:
                verdict.problems.append(Problem(name, _("Thiếu chữ ký bắt buộc.")))
            continue
        der = _read(member)
        checked = _check_signature(role, der, manifest_bytes, manifest, verdict)
        if checked is None:
            # Still compare the enclosed certificates, so only the broken file is named.
            signed_or_none = embedded_certificates(der)
            if signed_or_none is None:
                continue
            signed, chain = (
                signed_or_none,
                chain_for(signed_or_none.signer, signed_or_none.certificates),
            )
        else:
            signed, chain = checked
        chains.append(chain)
        fp = keys.fingerprint(signed.signer)
        if role == SignatureRole.AUTHOR:
            author_fp = fp
        elif role == SignatureRole.APPROVER and fp == author_fp:
            verdict.problems.append(Problem(name, _("Người phê duyệt trùng với tác giả.")))
        pem = members.get(cert_member(role))
        if pem is None or _read(pem) != keys.to_pem(signed.signer).encode():
            verdict.problems.append(
                Problem(
                    cert_member(role), _("Chứng thư kèm theo không khớp chứng thư trong chữ ký.")
                )
            )
    ca = members.get(CA_PEM)
    if ca is None or _read(ca) != ca_pem(chains):
        verdict.problems.append(Problem(CA_PEM, _("Chuỗi chứng thư kèm theo không khớp.")))
    for extra in sorted(set(members) - expected):
        verdict.problems.append(Problem(extra, _("Tệp không có trong bản kê khai.")))
    return verdict


def _parse_manifest(data: bytes, verdict: Verdict) -> dict[str, Any] | None:
    try:
        manifest = json.loads(data)
        canonical = rfc8785.dumps(manifest)
    except (ValueError, rfc8785.CanonicalizationError):
        verdict.problems.append(Problem(MANIFEST, _("Bản kê khai hỏng, không đọc được JSON.")))
        return None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        verdict.problems.append(Problem(MANIFEST, _("Bản kê khai không đúng định dạng.")))
        return None
    if canonical != data:
        verdict.problems.append(
            Problem(MANIFEST, _("Bản kê khai không ở dạng JSON chuẩn hoá RFC 8785."))
        )
    if not _well_formed(manifest):
        verdict.problems.append(Problem(MANIFEST, _("Bản kê khai thiếu hoặc sai trường bắt buộc.")))
        return None
    return manifest


def _well_formed(manifest: dict[str, Any]) -> bool:
    files = manifest.get("files")
    author = manifest.get("author")
    return (
        isinstance(manifest.get("code"), str)
        and isinstance(manifest.get("title"), str)
        and isinstance(author, dict)
        and isinstance(author.get("id"), str)
        and isinstance(files, list)
        and all(
            isinstance(f, dict)
            and set(f) == {"path", "sha256", "size"}
            and isinstance(f["path"], str)
            and isinstance(f["sha256"], str)
            and isinstance(f["size"], int)
            for f in files
        )
    )


def _check_signature(
    role: str,
    der: bytes,
    manifest_bytes: bytes,
    manifest: dict[str, Any],
    verdict: Verdict,
) -> tuple[CmsSignature, list[x509.Certificate]] | None:
    name = signature_member(role)
    logged = (
        Signature.objects.select_related("publication", "certificate")
        .filter(cms_sha256=hashlib.sha256(der).hexdigest())
        .first()
    )
    try:
        signed = verify_detached(der, manifest_bytes)
    except CmsError as exc:
        if logged is not None and logged.role == role:
            # The signature is the one we logged: what changed is the manifest it covers.
            verdict.problems.append(
                Problem(
                    MANIFEST, _("Bản kê khai không phải bản mà chữ ký đã ký: %(e)s") % {"e": exc}
                )
            )
        else:
            verdict.problems.append(Problem(name, str(exc)))
        return None
    problems: list[str] = []
    if logged is None or logged.role != role:
        problems.append(_("Chữ ký không có trong nhật ký minh bạch của Sở."))
    signed_at = logged.signed_at if logged is not None else signed.signing_time
    cert = signed.signer
    chain = chain_for(cert, signed.certificates)
    root_fps = set(
        Certificate.objects.filter(kind=CertKind.ROOT).values_list("fingerprint", flat=True)
    )
    if not chain or keys.fingerprint(chain[-1]) not in root_fps:
        problems.append(_("Chứng thư không do CA tin cậy cấp."))
    if signed_at is None:
        problems.append(_("Chữ ký không có thời điểm ký."))
    else:
        for link in [cert, *chain]:
            if not link.not_valid_before_utc <= signed_at <= link.not_valid_after_utc:
                problems.append(
                    _("Chứng thư %(name)s hết hạn hoặc chưa có hiệu lực lúc ký (%(at)s).")
                    % {"name": keys.common_name_of(link), "at": _fmt(signed_at)}
                )
        fps = [keys.fingerprint(c) for c in [cert, *chain]]
        for row in Certificate.objects.filter(fingerprint__in=fps, revoked_at__isnull=False):
            if row.revoked_at is not None and row.revoked_at <= signed_at:
                problems.append(
                    _("Chứng thư %(name)s đã bị thu hồi lúc %(rev)s, trước khi ký (%(at)s).")
                    % {"name": row.subject, "rev": _fmt(row.revoked_at), "at": _fmt(signed_at)}
                )
    if role == SignatureRole.AUTHOR and keys.uid_of(cert) != manifest["author"]["id"]:
        problems.append(_("Người ký không phải tác giả ghi trong bản kê khai."))
    if (
        role == SignatureRole.SEAL
        and not Certificate.objects.filter(
            fingerprint=keys.fingerprint(cert), kind=CertKind.SEAL
        ).exists()
    ):
        problems.append(_("Chứng thư không phải con dấu của Sở."))
    verdict.problems.extend(Problem(name, p) for p in problems)
    org = cert.subject.get_attributes_for_oid(x509.oid.NameOID.ORGANIZATION_NAME)
    verdict.signers.append(
        SignerReport(
            role=role,
            name=keys.common_name_of(cert),
            id=keys.uid_of(cert),
            organisation=str(org[0].value) if org else "",
            fingerprint=keys.fingerprint(cert),
            signed_at=_fmt(signed_at) if signed_at else None,
            valid=not problems,
        )
    )
    return signed, chain


def _fmt(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
