"""Tampering with any byte of a bundle, swapping manifests, expired and revoked certificates."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from provenance import api
from tests import factories

from .conftest import Signed, make_signed, subject


def unzip(bundle: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(bundle)) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def rezip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out.getvalue()


def positions(size: int) -> list[int]:
    """Every byte of a small file; 32 spread positions (first and last included) of a big one."""
    if size <= 48:
        return list(range(size))
    return sorted({round(i * (size - 1) / 31) for i in range(32)})


def test_bundle_holds_files_manifest_signatures_and_chain(signed: Signed):
    members = unzip(signed.bundle)
    assert sorted(members) == [
        "certs/approver.pem",
        "certs/author.pem",
        "certs/ca.pem",
        "certs/seal.pem",
        "files/bai-giang/notes.txt",
        "files/bai-giang/slides.html",
        "files/ke-hoach-bai-day.md",
        "manifest.json",
        "signatures/approver.p7s",
        "signatures/author.p7s",
        "signatures/seal.p7s",
    ]
    assert members["files/ke-hoach-bai-day.md"] == "# Kế hoạch bài dạy\nI. Mục tiêu".encode()
    verdict = api.verify(signed.bundle)
    assert verdict.as_json()["valid"] is True
    assert verdict.problems == []
    assert [(s.role, s.name, s.id) for s in verdict.signers] == [
        ("author", signed.author.full_name, signed.author.username),
        ("approver", "Trần Thị Bình", signed.approver.username),
        ("seal", "Con dấu Sở GDĐT", ""),
    ]
    # Exporting twice gives the same bytes: the bundle is reproducible.
    assert api.export_bundle("HL-TOAN10-001") == signed.bundle


def test_flipping_any_byte_of_any_file_fails_naming_that_file(signed: Signed):
    members = unzip(signed.bundle)
    checked = 0
    for name, data in members.items():
        for pos in positions(len(data)):
            tampered = dict(members)
            tampered[name] = data[:pos] + bytes([data[pos] ^ 0x01]) + data[pos + 1 :]
            verdict = api.verify(rezip(tampered))
            assert not verdict.valid, (name, pos)
            assert name in {p.file for p in verdict.problems}, (name, pos, verdict.problems)
            checked += 1
    assert checked > 300


def test_a_missing_or_extra_file_fails_naming_it(signed: Signed):
    members = unzip(signed.bundle)
    del members["files/bai-giang/notes.txt"]
    members["files/virus.exe"] = b"MZ"
    verdict = api.verify(rezip(members))
    assert {(p.file, p.reason) for p in verdict.problems} == {
        ("files/bai-giang/notes.txt", "Thiếu tệp có trong bản kê khai."),
        ("files/virus.exe", "Tệp không có trong bản kê khai."),
    }


def test_an_edited_manifest_fails_even_when_files_are_changed_to_match(signed: Signed):
    members = unzip(signed.bundle)
    manifest = json.loads(members["manifest.json"])
    manifest["files"][1]["sha256"] = api.manifest_sha256(b"<h1>Sai</h1>")
    manifest["files"][1]["size"] = 12
    members["files/bai-giang/slides.html"] = b"<h1>Sai</h1>"
    members["manifest.json"] = api.canonical(manifest)
    verdict = api.verify(rezip(members))
    files = {p.file for p in verdict.problems}
    assert files == {"manifest.json"}
    assert not verdict.valid


def test_a_manifest_swapped_with_another_signed_item_fails(signed: Signed, world):
    other = make_signed(world, code="HL-TOAN10-002")
    mine, theirs = unzip(signed.bundle), unzip(other.bundle)
    mine["manifest.json"] = theirs["manifest.json"]
    verdict = api.verify(rezip(mine))
    assert not verdict.valid
    assert "manifest.json" in {p.file for p in verdict.problems}


def test_a_bundle_without_the_approver_signature_is_not_valid(signed: Signed):
    members = unzip(signed.bundle)
    del members["signatures/approver.p7s"]
    del members["certs/approver.pem"]
    verdict = api.verify(rezip(members))
    assert ("signatures/approver.p7s", "Thiếu chữ ký bắt buộc.") in {
        (p.file, p.reason) for p in verdict.problems
    }


def test_not_a_zip_is_one_clear_problem(db):
    verdict = api.verify(b"PK\x03\x04 broken")
    assert not verdict.valid
    assert [p.file for p in verdict.problems] == ["bundle.zip"]


def test_signing_with_an_expired_certificate_is_refused(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    author = world.a.teacher
    cert = api.issue_certificate(
        author,
        not_before=timezone.now() - dt.timedelta(days=800),
        not_after=timezone.now() - dt.timedelta(days=1),
    )
    with pytest.raises(ValidationError, match="hết hạn"):
        api.sign_publication(subject(author), api.signer_for(cert))
    assert not api.Publication.objects.exists()


def test_a_signature_made_outside_the_platform_with_an_expired_certificate_fails(signed: Signed):
    expired = api.issue_certificate(
        signed.author,
        not_before=timezone.now() - dt.timedelta(days=800),
        not_after=timezone.now() - dt.timedelta(days=1),
    )
    members = unzip(signed.bundle)
    signer = api.signer_for(expired)
    members["signatures/author.p7s"] = signer.sign_detached(members["manifest.json"])
    members["certs/author.pem"] = expired.pem.encode()
    verdict = api.verify(rezip(members))
    reasons = {p.reason for p in verdict.problems if p.file == "signatures/author.p7s"}
    assert "Chữ ký không có trong nhật ký minh bạch của Sở." in reasons
    assert any("hết hạn hoặc chưa có hiệu lực lúc ký" in r for r in reasons)


def test_revocation_invalidates_only_what_was_signed_after_it_and_resign_restores(
    world, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    before = make_signed(world, code="HL-TRUOC", seal=False)
    cert = api.Certificate.objects.get(
        user=before.author, kind=api.CertKind.PERSONAL, revoked_at__isnull=True
    )
    # The key was compromised a moment ago; the revocation is recorded with that time.
    compromised_at = timezone.now()
    later = api.sign_publication(subject(before.author, code="HL-SAU"), api.signer_for(cert))
    api.approve_publication(later, api.signer_for_user(before.approver))
    api.revoke_certificate(cert, at=compromised_at, reason="Lộ khoá")

    assert api.verify("HL-TRUOC").valid
    after = api.verify("HL-SAU")
    assert not after.valid
    [problem] = after.problems
    assert problem.file == "signatures/author.p7s"
    assert problem.reason.startswith("Chứng thư ")
    assert "đã bị thu hồi lúc" in problem.reason
    # A revoked certificate cannot sign any more.
    with pytest.raises(ValidationError, match="thu hồi"):
        api.sign_publication(subject(before.author, code="HL-MOI"), api.signer_for(cert))

    # Re-sign flow: every current signature of the revoked certificate, with a new certificate.
    pending = api.signatures_to_resign(cert)
    assert sorted(s.publication.code for s in pending) == ["HL-SAU", "HL-TRUOC"]
    new_signer = api.signer_for_user(before.author)
    assert new_signer.certificate.serial_number != api.signer_for(cert).certificate.serial_number
    for sig in list(pending):
        api.resign(sig, new_signer)
    assert api.verify("HL-SAU").valid
    assert api.verify("HL-TRUOC").valid
    assert not api.signatures_to_resign(cert).exists()
    # The bundle exported before the revocation still verifies.
    assert api.verify(before.bundle).valid


def test_only_the_author_can_resign_an_author_signature(signed: Signed):
    sig = signed.publication.signatures.get(role="author")
    with pytest.raises(ValidationError, match="Chỉ chính người đã ký"):
        api.resign(sig, api.signer_for_user(factories.UserFactory()))


def test_the_author_cannot_approve_their_own_item(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    author = world.a.teacher
    signer = api.signer_for_user(author)
    pub = api.sign_publication(subject(author), signer)
    with pytest.raises(ValidationError, match="không tự phê duyệt"):
        api.approve_publication(pub, signer)


def test_a_signer_who_is_not_the_manifest_author_is_refused(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with pytest.raises(ValidationError, match="không phải của tác giả"):
        api.sign_publication(subject(world.a.teacher), api.signer_for_user(world.b.teacher))
