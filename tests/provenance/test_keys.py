"""Keys at rest, the department CA, external certificates, PKCS#12 and remote signing."""

from __future__ import annotations

import base64
import datetime as dt
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography import x509
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils
from cryptography.hazmat.primitives.serialization import pkcs12
from django.core.exceptions import ValidationError
from django.utils import timezone

from provenance import api, keys
from provenance.cms import verify_detached

from .conftest import make_signed, subject


def outside_ca() -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """A stand-in for a national public CA: an issuer the platform does not know."""
    key = keys.new_key()
    return keys.self_signed_ca(
        keys.name("CA công cộng thử nghiệm", organisation="Nhà cung cấp"), key
    ), key


def outside_cert(ca, ca_key, username: str, full_name: str):
    key = keys.new_key()
    now = timezone.now()
    cert = keys.issue(
        keys.name(full_name, uid=username),
        key.public_key(),
        ca,
        ca_key,
        not_before=now - dt.timedelta(minutes=1),
        not_after=now + dt.timedelta(days=30),
    )
    return cert, key


def test_private_keys_are_stored_encrypted(world):
    cert = api.issue_certificate(world.a.teacher)
    stored = bytes(cert.encrypted_key)
    assert b"PRIVATE KEY" not in stored
    plain = keys.decrypt_key(stored).private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    assert plain not in stored
    assert keys.decrypt_key(stored).public_key() == keys.from_pem(cert.pem).public_key()


def test_the_encryption_key_comes_from_provenance_key_when_set(world, monkeypatch):
    monkeypatch.setenv("PROVENANCE_KEY", Fernet.generate_key().decode())
    cert = api.issue_certificate(world.a.teacher)
    stored = bytes(cert.encrypted_key)
    assert keys.decrypt_key(stored).public_key() == keys.from_pem(cert.pem).public_key()
    # Neither another PROVENANCE_KEY nor the SECRET_KEY-derived key opens it.
    monkeypatch.setenv("PROVENANCE_KEY", Fernet.generate_key().decode())
    with pytest.raises(InvalidToken):
        keys.decrypt_key(stored)
    monkeypatch.delenv("PROVENANCE_KEY")
    with pytest.raises(InvalidToken):
        keys.decrypt_key(stored)


def test_department_ca_issues_user_certificates(world):
    ca = api.ensure_department_ca()
    assert api.ensure_department_ca() == ca
    cert = keys.from_pem(api.issue_certificate(world.a.teacher).pem)
    cert.verify_directly_issued_by(keys.from_pem(ca.pem))
    assert keys.uid_of(cert) == world.a.teacher.username
    assert keys.common_name_of(cert) == world.a.teacher.full_name
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False


def test_an_external_certificate_needs_its_root_imported_first(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    ca, ca_key = outside_ca()
    cert, key = outside_cert(ca, ca_key, world.a.teacher.username, world.a.teacher.full_name)
    pem = cert.public_bytes(serialization.Encoding.PEM)
    with pytest.raises(ValidationError, match="không do CA tin cậy cấp"):
        api.import_certificate(pem, user=world.a.teacher)
    api.import_trusted_root(ca.public_bytes(serialization.Encoding.DER))
    row = api.import_certificate(pem, user=world.a.teacher)
    assert row.encrypted_key is None
    # The holder signs with their own key; the platform verifies against the imported root.
    pub = api.sign_publication(subject(world.a.teacher), api.LocalKeySigner(cert, key, [ca]))
    api.approve_publication(pub, api.signer_for_user(world.b.teacher))
    assert api.verify(pub.code).valid


def test_pkcs12_import_and_signing(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    ca, ca_key = outside_ca()
    api.import_trusted_root(ca.public_bytes(serialization.Encoding.PEM))
    cert, key = outside_cert(ca, ca_key, world.a.teacher.username, world.a.teacher.full_name)
    p12 = pkcs12.serialize_key_and_certificates(
        b"gv", key, cert, [ca], serialization.BestAvailableEncryption(b"mat-khau")
    )
    with pytest.raises(ValidationError, match="sai mật khẩu"):
        api.import_pkcs12(p12, "sai")
    signer = api.PKCS12Signer(p12, "mat-khau")
    assert signer.certificate == cert
    row = api.import_pkcs12(p12, "mat-khau", user=world.a.teacher)
    assert api.signer_for(row).certificate == cert
    pub = api.sign_publication(subject(world.a.teacher), signer)
    api.approve_publication(pub, api.signer_for_user(world.b.teacher))
    verdict = api.verify(api.export_bundle(pub.code))
    assert verdict.valid, verdict.problems
    assert verdict.signers[0].organisation == ""
    assert verdict.signers[0].id == world.a.teacher.username


class RemoteService:
    """A minimal remote-signing service on loopback: key kept server-side, phone confirmation
    simulated by answering "pending" once before "signed"."""

    def __init__(self, cert: x509.Certificate, chain: list[x509.Certificate], key) -> None:
        self.cert, self.chain, self.key = cert, chain, key
        self.requests: list[dict] = []
        self.polls: dict[str, int] = {}
        service = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def reply(self, body: dict, status: int = 200) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                if self.headers.get("Authorization") != "Bearer tok":
                    return self.reply({"error": "unauthorised"}, 401)
                if self.path == "/credentials/cred-1/certificate":
                    return self.reply(
                        {
                            "certificate": keys.to_pem(service.cert),
                            "chain": [keys.to_pem(c) for c in service.chain],
                        }
                    )
                tid = self.path.rsplit("/", 1)[-1]
                service.polls[tid] = service.polls.get(tid, 0) + 1
                if service.polls[tid] == 1:
                    return self.reply({"status": "pending"})
                digest = base64.b64decode(service.requests[int(tid)]["hash"])
                signature = service.key.sign(digest, ec.ECDSA(utils.Prehashed(hashes.SHA256())))
                return self.reply(
                    {"status": "signed", "signature": base64.b64encode(signature).decode()}
                )

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                service.requests.append(body)
                return self.reply({"transaction_id": str(len(service.requests) - 1)})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def remote_service(world) -> Iterator[RemoteService]:
    ca = api.ensure_department_ca()
    ca_cert, ca_key = keys.from_pem(ca.pem), keys.decrypt_key(bytes(ca.encrypted_key))
    cert, key = outside_cert(ca_cert, ca_key, world.a.teacher.username, world.a.teacher.full_name)
    service = RemoteService(cert, [ca_cert], key)
    thread = threading.Thread(target=service.server.serve_forever, daemon=True)
    thread.start()
    yield service
    service.server.shutdown()
    service.server.server_close()
    thread.join()


def test_remote_signer_signs_through_the_http_service(world, remote_service, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    signer = api.RemoteSigner(remote_service.url, "cred-1", token="tok", poll_interval=0)
    assert signer.certificate == remote_service.cert
    pub = api.sign_publication(subject(world.a.teacher), signer)
    api.approve_publication(pub, api.signer_for_user(world.b.teacher))
    # One hash sent, confirmed after one "pending" poll; the key never left the service.
    [request] = remote_service.requests
    assert request["credential_id"] == "cred-1"
    assert request["hash_algorithm"] == "SHA-256"
    assert len(base64.b64decode(request["hash"])) == 32
    assert remote_service.polls == {"0": 2}
    der = bytes(pub.signatures.get(role="author").cms)
    assert verify_detached(der, bytes(pub.manifest)).signer == remote_service.cert
    verdict = api.verify(api.export_bundle(pub.code))
    assert verdict.valid, verdict.problems


def test_remote_signer_reports_a_refused_credential(world, remote_service):
    with pytest.raises(api.SigningError, match="401"):
        api.RemoteSigner(remote_service.url, "cred-1", token="wrong", poll_interval=0)


def test_a_second_item_signed_by_the_same_people_verifies_independently(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    one = make_signed(world, code="HL-1")
    two = make_signed(world, code="HL-2", seal=False)
    assert api.verify(one.bundle).valid
    assert api.verify(two.bundle).valid
    assert [s.role for s in api.verify(two.bundle).signers] == ["author", "approver"]
