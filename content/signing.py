"""Signed provenance of published materials: signed at approval, checked on every launch."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils import timezone

from provenance import api as provenance

from .files import iter_item_files
from .models import ContentPage, DocumentPage, ELecturePage

KIND = "content_item"


def code_for(page: ContentPage) -> str:
    return f"HL-{page.pk}"


def _school(org: Any) -> dict[str, str]:
    return {"code": org.code, "name": org.name} if org else {"code": "SGDDT", "name": "Sở GDĐT"}


def subject_for(page: ContentPage) -> provenance.Subject:
    """The manifest subject of the live item: every file of it (see content.files)."""
    page = page.specific
    now = timezone.now()
    return provenance.Subject(
        KIND,
        code_for(page),
        [(f.path, f.open()) for f in iter_item_files(page)],
        {
            "title": page.title,
            "curriculum_codes": [f"GDPT2018.{page.subject.code}.{page.grade}"],
            "author": {"id": page.author.username, "name": page.author.full_name},
            "school": _school(page.school),
            "licence": page.licence or "CC-BY-4.0",
            "created_at": page.first_published_at or now,
            "published_at": page.last_published_at or now,
        },
    )


def sign_published(page: ContentPage, approver: Any) -> provenance.Publication:
    """The author signs the published item and the approving subject head countersigns."""
    subject = subject_for(page)
    try:
        publication = provenance.sign_publication(
            subject, provenance.signer_for_user(page.author), actor=approver
        )
    finally:
        for _path, source in subject.files:
            if not isinstance(source, bytes):
                source.close()
    provenance.approve_publication(
        publication, provenance.signer_for_user(approver), actor=approver
    )
    return publication


def check_delivery(page: ContentPage, actor: Any = None) -> provenance.Verdict:
    """Verify the files about to be delivered against the item's signed manifest."""
    page = page.specific
    files = [(f.path, f.open) for f in iter_item_files(page)]
    return provenance.verify_for_delivery(KIND, code_for(page), files=files, actor=actor)


def live_pages_with(document: Any) -> list[ContentPage]:
    """The published items a (Wagtail) document belongs to."""
    return [
        *DocumentPage.objects.live().filter(document=document),
        *ELecturePage.objects.live().filter(
            Q(slides=document) | Q(video=document) | Q(captions=document)
        ),
    ]
