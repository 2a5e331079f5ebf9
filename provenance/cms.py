"""Checking a detached CMS (PKCS#7) signature the way `openssl cms -verify -binary` does.

cryptography can create CMS but not verify it, so the structure is read with asn1crypto (a
pyHanko dependency) and the signature checked with cryptography.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from asn1crypto import cms as asn1_cms
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from django.utils.translation import gettext as _


class CmsError(ValueError):
    pass


@dataclass
class CmsSignature:
    signer: x509.Certificate
    certificates: list[x509.Certificate] = field(default_factory=list)
    signing_time: dt.datetime | None = None


_BROKEN = (ValueError, TypeError, KeyError, IndexError, OverflowError, UnsupportedAlgorithm)


def _load(
    der: bytes,
) -> tuple[asn1_cms.SignedData, asn1_cms.SignerInfo, x509.Certificate, list[x509.Certificate]]:
    info = asn1_cms.ContentInfo.load(der, strict=True)
    if info["content_type"].native != "signed_data":
        raise CmsError(_("Không phải chữ ký CMS SignedData."))
    signed = info["content"]
    certs = [
        x509.load_der_x509_certificate(c.chosen.dump())
        for c in signed["certificates"] or []
        if c.name == "certificate"
    ]
    infos = list(signed["signer_infos"])
    if len(infos) != 1:
        raise CmsError(_("Chữ ký phải có đúng một người ký."))
    return signed, infos[0], _signer_certificate(infos[0], certs), certs


def embedded_certificates(der: bytes) -> CmsSignature | None:
    """The signer and certificates carried by a signature, without checking what it signs."""
    try:
        _signed, _info, signer, certs = _load(der)
        signer.public_key()
    except (CmsError, *_BROKEN):
        return None
    return CmsSignature(signer=signer, certificates=certs)


def verify_detached(der: bytes, content: bytes) -> CmsSignature:
    """The signer of `der` over `content`, or CmsError saying what is wrong."""
    try:
        signed, signer_info, signer, certs = _load(der)
        if signed["encap_content_info"]["content"].native is not None:
            raise CmsError(_("Chữ ký không ở dạng tách rời (detached)."))
        if signer_info["digest_algorithm"]["algorithm"].native != "sha256":
            raise CmsError(_("Chữ ký phải dùng SHA-256."))
        attrs = signer_info["signed_attrs"]
        if not attrs:
            raise CmsError(_("Chữ ký thiếu thuộc tính được ký."))
        values = {a["type"].native: a["values"] for a in attrs}
        digest = values.get("message_digest")
        if digest is None or digest[0].native != hashlib.sha256(content).digest():
            raise CmsError(_("Mã băm trong chữ ký không khớp nội dung."))
        content_type = values.get("content_type")
        if content_type is None or content_type[0].native != "data":
            raise CmsError(_("Loại nội dung trong chữ ký không hợp lệ."))
        signing_time = values["signing_time"][0].native if "signing_time" in values else None
        # The signature covers the attributes DER-encoded as a SET OF, not as [0] IMPLICIT.
        signed_bytes = b"\x31" + attrs.dump()[1:]
        _check_signature(signer, signer_info, signed_bytes)
    except CmsError:
        raise
    except _BROKEN as exc:
        raise CmsError(_("Chữ ký CMS hỏng, không đọc được.")) from exc
    return CmsSignature(signer=signer, certificates=certs, signing_time=signing_time)


def _signer_certificate(
    signer_info: asn1_cms.SignerInfo, certs: list[x509.Certificate]
) -> x509.Certificate:
    sid = signer_info["sid"]
    if sid.name != "issuer_and_serial_number":
        raise CmsError(_("Không xác định được chứng thư của người ký."))
    serial = sid.chosen["serial_number"].native
    issuer = sid.chosen["issuer"].dump()
    for cert in certs:
        if cert.serial_number == serial and cert.issuer.public_bytes() == issuer:
            return cert
    raise CmsError(_("Chữ ký không kèm chứng thư của người ký."))


def _check_signature(
    cert: x509.Certificate, signer_info: asn1_cms.SignerInfo, signed_bytes: bytes
) -> None:
    key = cert.public_key()
    signature = signer_info["signature"].native
    algorithm = signer_info["signature_algorithm"]["algorithm"].native
    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, signed_bytes, ec.ECDSA(hashes.SHA256()))
        elif isinstance(key, rsa.RSAPublicKey):
            pad: padding.AsymmetricPadding = (
                padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
                if algorithm == "rsassa_pss"
                else padding.PKCS1v15()
            )
            key.verify(signature, signed_bytes, pad, hashes.SHA256())
        else:
            raise CmsError(_("Loại khoá của người ký không được hỗ trợ."))
    except InvalidSignature as exc:
        raise CmsError(_("Chữ ký không đúng.")) from exc
