"""Who holds the private key: a key we store, a PKCS#12 file, or a remote signing service.

Every signer makes a detached CMS signature over bytes (for manifests) and gives a pyHanko
signer (for PAdES PDFs).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import time
import urllib.request
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

from asn1crypto import algos as asn1_algos
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12
from pyhanko.sign import signers as hanko
from pyhanko_certvalidator.registry import SimpleCertificateStore

from .keys import PrivateKey


class SigningError(RuntimeError):
    pass


def _asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


class Signer(ABC):
    certificate: x509.Certificate
    chain: Sequence[x509.Certificate]  # intermediates and root, embedded in signatures

    @abstractmethod
    def sign_detached(self, data: bytes) -> bytes:
        """A DER detached CMS signature over `data` (SHA-256, with signed attributes)."""

    @abstractmethod
    def pdf_signer(self) -> hanko.Signer:
        """The pyHanko signer for PAdES."""


class LocalKeySigner(Signer):
    def __init__(
        self,
        certificate: x509.Certificate,
        key: PrivateKey,
        chain: Sequence[x509.Certificate] = (),
    ) -> None:
        self.certificate = certificate
        self.key = key
        self.chain = list(chain)

    def sign_detached(self, data: bytes) -> bytes:
        builder = (
            pkcs7.PKCS7SignatureBuilder()
            .set_data(data)
            .add_signer(self.certificate, self.key, hashes.SHA256())
        )
        for cert in self.chain:
            builder = builder.add_certificate(cert)
        return builder.sign(
            serialization.Encoding.DER,
            [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary],
        )

    def pdf_signer(self) -> hanko.Signer:
        key_der = self.key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return hanko.SimpleSigner(
            signing_cert=_asn1(self.certificate),
            signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
            cert_registry=SimpleCertificateStore.from_certs([_asn1(c) for c in self.chain]),
        )


class PKCS12Signer(LocalKeySigner):
    """A key and certificate from a PKCS#12 (.p12/.pfx) file, as issued by public CAs."""

    def __init__(self, data: bytes, password: str | None) -> None:
        try:
            key, cert, extra = pkcs12.load_key_and_certificates(
                data, password.encode() if password else None
            )
        except ValueError as exc:
            raise SigningError("Không mở được tệp PKCS#12 (sai mật khẩu hoặc tệp hỏng).") from exc
        if cert is None or key is None:
            raise SigningError("Tệp PKCS#12 thiếu khoá hoặc chứng thư.")
        if not isinstance(key, PrivateKey):
            raise SigningError("Loại khoá trong tệp PKCS#12 không được hỗ trợ.")
        super().__init__(cert, key, extra or [])


class _RemoteHankoSigner(hanko.Signer):
    def __init__(self, remote: RemoteSigner) -> None:
        self.remote = remote
        mechanism = (
            "sha256_ecdsa"
            if isinstance(remote.certificate.public_key(), ec.EllipticCurvePublicKey)
            else "sha256_rsa"
        )
        super().__init__(
            signing_cert=_asn1(remote.certificate),
            cert_registry=SimpleCertificateStore.from_certs([_asn1(c) for c in remote.chain]),
            signature_mechanism=asn1_algos.SignedDigestAlgorithm({"algorithm": mechanism}),
        )

    async def async_sign_raw(
        self, data: bytes, digest_algorithm: str, dry_run: bool = False
    ) -> bytes:
        if dry_run:
            return bytes(72)
        return self.remote.sign_hash(hashlib.sha256(data).digest())


class RemoteSigner(Signer):
    """A remote signing service (ký số từ xa) as run by Vietnamese CAs.

    The protocol follows their common shape: the key never leaves the service; we send the
    SHA-256 of what must be signed, the holder confirms on their phone, and we poll the
    transaction until it is signed or rejected.

    GET  {base}/credentials/{id}/certificate   → {"certificate": PEM, "chain": [PEM, ...]}
    POST {base}/signatures {credential_id, hash (base64), hash_algorithm, description}
                                               → {"transaction_id": ...}
    GET  {base}/signatures/{transaction_id}    → {"status": "pending"|"signed"|"rejected",
                                                  "signature": base64 raw signature}
    """

    def __init__(
        self,
        base_url: str,
        credential_id: str,
        *,
        token: str = "",
        poll_interval: float = 2.0,
        timeout: float = 120.0,
        description: str = "",
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.credential_id = credential_id
        self.token = token
        self.poll_interval = poll_interval
        self.timeout = timeout
        self.description = description
        answer = self._call("GET", f"/credentials/{credential_id}/certificate")
        self.certificate = x509.load_pem_x509_certificate(answer["certificate"].encode())
        self.chain = [x509.load_pem_x509_certificate(p.encode()) for p in answer.get("chain", [])]

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        request = urllib.request.Request(  # noqa: S310 - the URL is configured by an admin
            self.base_url + path,
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Content-Type": "application/json", "Accept": "application/json"}
            | ({"Authorization": f"Bearer {self.token}"} if self.token else {}),
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return json.loads(response.read())
        except (OSError, ValueError) as exc:
            raise SigningError(f"Dịch vụ ký số từ xa lỗi: {exc}") from exc

    def sign_hash(self, digest: bytes) -> bytes:
        started = time.monotonic()
        answer = self._call(
            "POST",
            "/signatures",
            {
                "credential_id": self.credential_id,
                "hash": base64.b64encode(digest).decode(),
                "hash_algorithm": "SHA-256",
                "description": self.description,
            },
        )
        transaction = answer["transaction_id"]
        while True:
            status = self._call("GET", f"/signatures/{transaction}")
            if status["status"] == "signed":
                return base64.b64decode(status["signature"])
            if status["status"] != "pending":
                raise SigningError("Người ký đã từ chối yêu cầu ký.")
            if time.monotonic() - started > self.timeout:
                raise SigningError("Hết thời gian chờ xác nhận ký từ xa.")
            time.sleep(self.poll_interval)

    def sign_detached(self, data: bytes) -> bytes:
        content_info = asyncio.run(
            self.pdf_signer().async_sign_general_data(data, "sha256", detached=True)
        )
        return bytes(content_info.dump())

    def pdf_signer(self) -> hanko.Signer:
        return _RemoteHankoSigner(self)
