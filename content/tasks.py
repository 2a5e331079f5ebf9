"""Celery tasks of the content repository: they take ids, re-fetch and are idempotent."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def convert_slides_pdf(slides_pdf_id: int) -> str:
    """PPTX → PDF with LibreOffice (content/slides.py); the resulting status."""
    from . import services

    converted = services.convert_slides_pdf(slides_pdf_id)
    return converted.status if converted is not None else ""
