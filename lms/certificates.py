"""PD completion certificates: a PDF (WeasyPrint) with a QR code to the public verification
page, sealed by the department through provenance (PAdES, pyHanko)."""

from __future__ import annotations

import base64
import io
from typing import Any

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.core.files.base import ContentFile
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from .models import Certificate


def verification_url(certificate: Certificate) -> str:
    base = getattr(settings, "LMS_PUBLIC_BASE_URL", "https://hoclieu.example.vn")
    return base.rstrip("/") + reverse("lms:certificate_verify", args=[certificate.pk])


def _qr_data_uri(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def render_pdf(certificate: Certificate) -> bytes:
    from weasyprint import HTML  # heavy import; only the certificate task needs it

    enrolment = certificate.enrolment
    url = verification_url(certificate)
    html = render_to_string(
        "lms/certificate_pdf.html",
        {
            "certificate": certificate,
            "teacher": enrolment.user,
            "course": enrolment.course,
            "url": url,
            "qr": _qr_data_uri(url),
        },
    )
    return HTML(string=html).write_pdf()


def seal(pdf: bytes) -> tuple[bytes, bool]:
    """The PDF sealed by the department (True), or unchanged (False) when provenance is absent."""
    try:
        from provenance import api as provenance_api
    except ImportError:
        return pdf, False
    signed = provenance_api.sign_pdf(
        pdf,
        provenance_api.department_seal_signer(),
        reason=_("Chứng nhận hoàn thành bồi dưỡng"),
        location=_("Sở GDĐT"),
    )
    return signed, True


def attach_pdf(certificate: Certificate) -> Certificate:
    pdf, signed = seal(render_pdf(certificate))
    certificate.pdf.save(f"{certificate.pk}.pdf", ContentFile(pdf), save=False)
    certificate.signed = signed
    certificate.save(update_fields=["pdf", "signed"])
    return certificate


def describe(certificate: Certificate) -> dict[str, Any]:
    enrolment = certificate.enrolment
    return {
        "id": str(certificate.pk),
        "teacher": enrolment.user.full_name,
        "course": enrolment.course.title,
        "periods": certificate.periods,
        "issued_at": certificate.issued_at,
        "signed": certificate.signed,
    }
