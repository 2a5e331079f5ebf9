"""Verifying the detached CMS (PKCS #7) signatures that travel with transcripts.

The remote side checks each signature against the canonical JSON (RFC 8785) of the transcript
document it received, using the certificate embedded in the CMS structure.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import rfc8785
from asn1crypto import cms
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

HASHES: dict[str, hashes.HashAlgorithm] = {
    "sha256": hashes.SHA256(),
    "sha384": hashes.SHA384(),
    "sha512": hashes.SHA512(),
}


def verify_detached(content: bytes, cms_b64: str) -> dict[str, Any]:
    """Return {"valid", "subject", "issuer", "reason"} for one signature over `content`."""
    try:
        info = cms.ContentInfo.load(base64.b64decode(cms_b64))
        signed = info["content"]
        signer = signed["signer_infos"][0]
        sid = signer["sid"].chosen  # issuer and serial number of the signing certificate
        chosen_cert = next(
            c.chosen
            for c in signed["certificates"]
            if c.chosen.serial_number == sid["serial_number"].native
            and c.chosen.issuer == sid["issuer"]
        )
        certificate = x509.load_der_x509_certificate(chosen_cert.dump())
        algo = signer["digest_algorithm"]["algorithm"].native
        digest = hashlib.new(algo, content).digest()
        attrs = signer["signed_attrs"]
        message_digest = next(
            a["values"][0].native for a in attrs if a["type"].native == "message_digest"
        )
        if message_digest != digest:
            return {
                "valid": False,
                "subject": certificate.subject.rfc4514_string(),
                "reason": "digest mismatch",
            }
        # The signature covers the DER of the signed attributes as an explicit SET OF.
        to_verify = attrs.untag().dump()
        signature = signer["signature"].native
        key = certificate.public_key()
        chosen = HASHES[algo]
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, to_verify, ec.ECDSA(chosen))
        elif isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, to_verify, padding.PKCS1v15(), chosen)
        else:
            return {"valid": False, "subject": "", "reason": "unsupported key"}
    except InvalidSignature:
        return {"valid": False, "subject": "", "reason": "bad signature"}
    except (ValueError, KeyError, IndexError, StopIteration, TypeError) as exc:
        return {"valid": False, "subject": "", "reason": f"malformed: {exc}"}
    return {
        "valid": True,
        "subject": certificate.subject.rfc4514_string(),
        "issuer": certificate.issuer.rfc4514_string(),
        "reason": "",
    }


def verify_line_item(item: dict[str, Any]) -> list[dict[str, Any]]:
    """Check every signature on a transcript line item; [] if it carries none."""
    metadata = item.get("metadata") or {}
    content = rfc8785.dumps(metadata.get("vn.transcript"))
    results = []
    for entry in metadata.get("vn.signatures", []):
        outcome = verify_detached(content, entry.get("cms", ""))
        results.append({"role": entry.get("role", ""), **outcome})
    return results
