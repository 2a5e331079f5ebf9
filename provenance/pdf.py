"""PAdES signatures on PDFs (PD certificates, transcripts) with pyHanko."""

from __future__ import annotations

import io

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.fields import SigSeedSubFilter

from .signers import Signer


def sign_pdf(
    pdf_bytes: bytes,
    signer: Signer,
    *,
    field_name: str = "ChuKySo",
    reason: str = "",
    location: str = "",
) -> bytes:
    """The PDF with a PAdES (ETSI.CAdES.detached) signature appended as an incremental update."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf_bytes), strict=False)
    out = signers.sign_pdf(
        writer,
        signers.PdfSignatureMetadata(
            field_name=field_name,
            md_algorithm="sha256",
            subfilter=SigSeedSubFilter.PADES,
            reason=reason or None,
            location=location or None,
        ),
        signer=signer.pdf_signer(),
        new_field_spec=fields.SigFieldSpec(sig_field_name=field_name),
    )
    return out.getvalue()
