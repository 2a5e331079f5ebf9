"""PAdES PDFs validated by pyHanko, and the download/launch hook."""

from __future__ import annotations

import io

from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.serialization import Encoding
from django.core.files.storage import default_storage
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from core.models import AuditEvent
from provenance import api, keys
from provenance.bundle import blob_name
from tests import factories

from .conftest import Signed


def minimal_pdf() -> bytes:
    """A one-page PDF with a correct cross-reference table."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def department_root() -> asn1_x509.Certificate:
    pem = api.ensure_department_ca().pem
    return asn1_x509.Certificate.load(keys.from_pem(pem).public_bytes(Encoding.DER))


def test_sign_pdf_makes_a_pades_signature_pyhanko_validates(world):
    signer = api.signer_for_user(world.a.teacher)
    signed = api.sign_pdf(minimal_pdf(), signer, reason="Chứng nhận bồi dưỡng")
    reader = PdfFileReader(io.BytesIO(signed))
    [embedded] = reader.embedded_signatures
    assert embedded.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    ca = department_root()
    status = validate_pdf_signature(embedded, ValidationContext(trust_roots=[ca]))
    assert status.intact
    assert status.valid
    assert status.trusted
    assert status.signing_cert.subject.native["common_name"] == world.a.teacher.full_name
    assert status.bottom_line is True


def test_a_changed_pdf_no_longer_validates(world):
    signed = api.sign_pdf(minimal_pdf(), api.signer_for_user(world.a.teacher))
    position = signed.index(b"/MediaBox [0 0 595 842]")
    changed = signed[:position] + b"/MediaBox [0 0 595 843]" + signed[position + 23 :]
    [embedded] = PdfFileReader(io.BytesIO(changed)).embedded_signatures
    ca = department_root()
    status = validate_pdf_signature(embedded, ValidationContext(trust_roots=[ca]))
    assert status.intact is False


def test_delivery_passes_an_intact_item(signed: Signed):
    verdict = api.verify_for_delivery("content_item", "HL-TOAN10-001")
    assert verdict.valid
    signed.publication.refresh_from_db()
    assert signed.publication.flagged_at is None


def test_delivery_refuses_flags_and_reports_a_tampered_item(
    signed: Signed, world, django_capture_on_commit_callbacks
):
    # Someone edits the stored file behind the platform's back.
    sha = signed.publication.files.get(path="bai-giang/notes.txt").sha256
    with default_storage.open(blob_name(sha), "wb") as f:
        f.write(b"Ghi chu da bi sua\n")
    other_school_admin = factories.UserFactory()
    factories.MembershipFactory(
        user=other_school_admin, organisation=world.b.school, role="school_admin"
    )
    with django_capture_on_commit_callbacks() as callbacks:
        verdict = api.verify_for_delivery("content_item", "HL-TOAN10-001", actor=world.a.student)
    assert not verdict.valid
    assert [p.file for p in verdict.problems] == ["files/bai-giang/notes.txt"]
    signed.publication.refresh_from_db()
    assert signed.publication.flagged_at is not None
    assert signed.publication.flag_reason.startswith("files/bai-giang/notes.txt: ")
    event = AuditEvent.objects.get(action="provenance.flag_tampered")
    assert event.object_id == str(signed.publication.pk)
    # One live notification each for the department admin and the item's school admin; the
    # other school's admins are not told.
    assert len(callbacks) == 2


def test_an_unsigned_item_is_refused(db):
    verdict = api.verify_for_delivery("content_item", "CHUA-KY")
    assert not verdict.valid
    assert verdict.problems[0].reason == "Học liệu chưa được ký."
