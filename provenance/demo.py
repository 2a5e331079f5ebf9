"""Signed demo data: the published content items and approved question versions of the demo
(through content.api and question_bank.api), or one sample item when neither has any."""

from __future__ import annotations

import json
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.api import Membership, Organisation, OrgKind, Role, User

from . import api

LIMIT = 20
SAMPLE_CODE = "HL-MAU-001"


def _approver(exclude: Any) -> User | None:
    """A subject head approves; failing one, a department admin."""
    for role in (Role.SUBJECT_HEAD, Role.DEPARTMENT_ADMIN):
        membership = (
            Membership.objects.filter(role=role)
            .exclude(user=exclude)
            .select_related("user")
            .order_by("pk")
            .first()
        )
        if membership is not None:
            return membership.user
    return None


def _publish(subject: api.Subject, author: User) -> bool:
    approver = _approver(author)
    if approver is None or api.latest(subject.code, subject.kind) is not None:
        return False
    with transaction.atomic():
        publication = api.sign_publication(subject, api.signer_for_user(author))
        api.approve_publication(publication, api.signer_for_user(approver))
        api.seal_publication(publication, api.department_seal_signer())
    return True


def _school(org: Organisation | None) -> dict[str, str]:
    return {"code": org.code, "name": org.name} if org else {"code": "SGDDT", "name": "Sở GDĐT"}


def _content_items() -> int:
    from content import api as content_api

    signed = 0
    for page in content_api.published_items()[:LIMIT]:
        files = [(f.path, f.open()) for f in content_api.iter_item_files(page)]
        try:
            subject = api.Subject(
                "content_item",
                f"HL-{page.pk}",
                files,  # type: ignore[arg-type]
                {
                    "title": page.title,
                    "curriculum_codes": [f"GDPT2018.{page.subject.code}.{page.grade}"],
                    "author": {"id": page.author.username, "name": page.author.full_name},
                    "school": _school(page.school),
                    "licence": page.licence or "CC-BY-4.0",
                    "created_at": page.first_published_at or timezone.now(),
                    "published_at": page.last_published_at or timezone.now(),
                },
            )
            signed += _publish(subject, page.author)
        finally:
            for _path, stream in files:
                stream.close()
    return signed


def _question_versions() -> int:
    from question_bank import api as qb_api

    signed = 0
    for item in qb_api.approved_items()[:LIMIT]:
        version = item.current_version
        author = item.author or (version.created_by if version else None)
        if version is None or author is None:
            continue
        body = json.dumps(version.content, ensure_ascii=False, sort_keys=True).encode()
        subject = api.Subject(
            "question_version",
            f"CH-{item.pk}-v{version.number}",
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
                "published_at": version.created,
                "extra": {"content_hash": version.content_hash},
            },
        )
        signed += _publish(subject, author)
    return signed


def _sample() -> int:
    teacher = (
        Membership.objects.filter(role=Role.TEACHER).select_related("user").order_by("pk").first()
    )
    if teacher is None:
        return 0
    school = Organisation.objects.filter(memberships=teacher, kind=OrgKind.SCHOOL).first()
    subject = api.Subject(
        "content_item",
        SAMPLE_CODE,
        [
            ("ke-hoach-bai-day.md", "# Hàm số bậc hai\n\nI. Mục tiêu\n".encode()),
            ("bai-giang/slides.html", "<h1>Hàm số bậc hai</h1>".encode()),
        ],
        {
            "title": "Hàm số bậc hai (học liệu mẫu)",
            "curriculum_codes": ["GDPT2018.TOAN.10"],
            "author": {"id": teacher.user.username, "name": teacher.user.full_name},
            "school": _school(school),
            "licence": "CC-BY-4.0",
            "created_at": timezone.now(),
            "published_at": timezone.now(),
        },
    )
    return int(_publish(subject, teacher.user))


def seed() -> int:
    """Sign the demo items not yet signed; returns how many were signed."""
    api.ensure_department_ca()
    signed = _content_items() + _question_versions()
    if not api.signed_codes():
        signed += _sample()
    return signed
