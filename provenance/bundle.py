"""The self-contained zip bundle: files, manifest, signatures and certificate chain."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from functools import partial
from typing import IO

from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

from . import keys
from .cms import embedded_certificates
from .models import Publication
from .verification import (
    CA_PEM,
    MANIFEST,
    Member,
    Problem,
    Verdict,
    ca_pem,
    cert_member,
    chain_for,
    signature_member,
    verify_members,
)

# A fixed timestamp keeps an exported bundle byte-identical across exports.
_ZIP_TIME = (2020, 1, 1, 0, 0, 0)
MAX_MEMBERS = 10_000


def blob_name(sha256: str) -> str:
    return f"provenance/blobs/{sha256[:2]}/{sha256}"


def _opener(name: str) -> Callable[[], IO[bytes]]:
    return lambda: default_storage.open(name, "rb")


def members_of(publication: Publication) -> dict[str, Member]:
    manifest = bytes(publication.manifest)
    members: dict[str, Member] = {MANIFEST: manifest}
    for f in publication.files.all():
        members[f"files/{f.path}"] = _opener(blob_name(f.sha256))
    chains = []
    current = {s.role: s for s in publication.signatures.filter(superseded_by__isnull=True)}
    for role in ("author", "approver", "seal"):
        sig = current.get(role)
        if sig is None:
            continue
        der = bytes(sig.cms)
        members[signature_member(role)] = der
        signed = embedded_certificates(der)
        if signed is None:
            members[cert_member(role)] = sig.certificate.pem.encode()
            continue
        members[cert_member(role)] = keys.to_pem(signed.signer).encode()
        chains.append(chain_for(signed.signer, signed.certificates))
    members[CA_PEM] = ca_pem(chains)
    return members


def write_zip(members: dict[str, Member], out: IO[bytes]) -> None:
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(members):
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            member = members[name]
            with zf.open(info, "w") as target:
                if isinstance(member, bytes):
                    target.write(member)
                else:
                    with member() as source:
                        while block := source.read(1024 * 1024):
                            target.write(block)


def export(publication: Publication) -> bytes:
    out = io.BytesIO()
    write_zip(members_of(publication), out)
    return out.getvalue()


def verify_zip(source: IO[bytes] | bytes) -> Verdict:
    """Verify a bundle; a file that is not a readable zip is one problem, not an exception."""
    stream = io.BytesIO(source) if isinstance(source, bytes) else source
    try:
        zf = zipfile.ZipFile(stream)
        names = zf.namelist()
        if len(names) > MAX_MEMBERS or len(set(names)) != len(names):
            raise zipfile.BadZipFile
        members: dict[str, Member] = {
            name: partial(zf.open, name) for name in names if not name.endswith("/")
        }
        return verify_members(members)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
        verdict = Verdict()
        verdict.problems.append(
            Problem("bundle.zip", _("Gói không phải tệp zip hợp lệ: %(e)s") % {"e": exc})
        )
        return verdict
