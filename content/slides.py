"""PPTX slide decks shown as PDF: converted by LibreOffice when the server has it.

LibreOffice is optional (a large install): without it an e-lecture's PPTX is not previewed,
the page says so and offers the PPTX for download instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

PPTX_SUFFIXES = (".pptx", ".ppt", ".odp")
TIMEOUT_SECONDS = 300


def soffice() -> str | None:
    """The soffice executable: SOFFICE_PATH when set (and runnable), else one on PATH."""
    configured = getattr(settings, "SOFFICE_PATH", "")
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    return shutil.which("soffice") or shutil.which("libreoffice")


def is_presentation(document: Any) -> bool:
    return (
        str(getattr(document, "filename", "") or document.file.name).lower().endswith(PPTX_SUFFIXES)
    )


class ConversionFailed(Exception):
    pass


def convert_to_pdf(executable: str, source: Path) -> bytes:
    """The PDF LibreOffice makes of `source`; a private profile so runs do not collide."""
    with tempfile.TemporaryDirectory(prefix="slides-") as work:
        out = Path(work) / "out"
        profile = Path(work) / "profile"
        try:
            result = subprocess.run(  # noqa: S603 - fixed arguments, our own file
                [
                    executable,
                    f"-env:UserInstallation=file://{profile}",
                    "--headless",
                    "--convert-to",
                    "pdf",
                    "--outdir",
                    str(out),
                    str(source),
                ],
                capture_output=True,
                timeout=TIMEOUT_SECONDS,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ConversionFailed(str(exc)) from exc
        pdf = out / (source.stem + ".pdf")
        if result.returncode != 0 or not pdf.is_file():
            detail = (result.stderr or result.stdout).decode("utf-8", "replace").strip()
            raise ConversionFailed(detail[-500:] or _("LibreOffice không tạo ra tệp PDF."))
        return pdf.read_bytes()


@dataclass(frozen=True)
class Preview:
    """What an e-lecture page shows for its slides."""

    state: str  # "pdf" (shown), "pending", "unavailable", "failed"
    pdf_url: str
    download_url: str
    message: str


def preview(document: Any) -> Preview:
    """The slides preview of `document` (a PDF is shown as it is)."""
    from .models import SlidesPdf

    download = document.url
    if not is_presentation(document):
        return Preview("pdf", download, download, "")
    converted = SlidesPdf.objects.filter(source=document).first()
    if converted is not None and converted.status == SlidesPdf.Status.READY and converted.pdf:
        return Preview("pdf", converted.pdf.url, download, "")
    if converted is not None and converted.status == SlidesPdf.Status.PENDING:
        return Preview(
            "pending", "", download, _("Đang chuyển trình chiếu sang PDF, hãy tải lại trang sau.")
        )
    if converted is not None and converted.status == SlidesPdf.Status.FAILED:
        return Preview(
            "failed",
            "",
            download,
            _("Không chuyển được trình chiếu sang PDF để xem trước: hãy tải tệp PPTX về."),
        )
    return Preview(
        "unavailable",
        "",
        download,
        _("Chưa xem trước được trình chiếu PPTX (máy chủ chưa cài LibreOffice): hãy tải tệp về."),
    )
