"""Signed provenance of question versions: each approved version is signed once."""

from __future__ import annotations

import json
from typing import Any

from django.utils import timezone

from provenance import api as provenance

from .models import Item, ItemVersion

KIND = "question_version"


def code_for(item: Item, version: ItemVersion) -> str:
    return f"CH-{item.pk}-v{version.number}"


def _school(org: Any) -> dict[str, str]:
    return {"code": org.code, "name": org.name} if org else {"code": "SGDDT", "name": "Sở GDĐT"}


def subject_for(item: Item, version: ItemVersion, author: Any) -> provenance.Subject:
    body = json.dumps(version.content, ensure_ascii=False, sort_keys=True).encode()
    return provenance.Subject(
        KIND,
        code_for(item, version),
        [("question.json", body)],
        {
            "title": f"Câu hỏi #{item.pk} phiên bản {version.number}",
            "curriculum_codes": [f"GDPT2018.{item.subject.code}.{item.grade}"]
            if item.subject and item.grade
            else [],
            "author": {"id": author.username, "name": author.full_name},
            "school": _school(item.school),
            "licence": item.licence or "CC-BY-4.0",
            "created_at": version.created,
            "published_at": timezone.now(),
            "extra": {"content_hash": version.content_hash},
        },
    )


def sign_current_version(item: Item, approver: Any) -> provenance.Publication | None:
    """The author signs the item's current version, the approver countersigns.

    A version is immutable, so one already signed is left as it is (publishing an approved
    item does not sign it again). An item without an author (an anonymous import) cannot be
    signed and is left unsigned.
    """
    version = item.current_version
    author = item.author or (version.created_by if version else None)
    if version is None or author is None:
        return None
    code = code_for(item, version)
    existing = provenance.latest(code, KIND)
    if existing is not None:
        return existing
    publication = provenance.sign_publication(
        subject_for(item, version, author), provenance.signer_for_user(author), actor=approver
    )
    provenance.approve_publication(
        publication, provenance.signer_for_user(approver), actor=approver
    )
    return publication
