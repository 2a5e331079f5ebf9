"""Signed demo data.

`publish_demo_items` authors a lesson plan and a few questions as the demo teacher and has the
demo subject head approve them through content's and question_bank's own services, which sign
them at publication. `seed` then signs whatever was published before signing was wired in (or
one sample item when nothing is published) and seals every demo publication.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from wagtail.models import Page, Site

from core.api import Membership, Organisation, OrgKind, Role, User

from . import api

LIMIT = 20
SAMPLE_CODE = "HL-MAU-001"
DEMO_AUTHOR = "giaovien"
DEMO_APPROVER = "totruong"
DEMO_SUBJECT = "TOAN"
DEMO_LESSON = "Hàm số bậc hai và đồ thị"
DEMO_BANK = "Ngân hàng mẫu Toán 10"
DEMO_QUESTIONS = [
    ("Nghiệm của phương trình x² − 3x + 2 = 0 là", ["1 và 2", "−1 và −2", "3", "0"], "A"),
    ("Đỉnh của parabol y = x² − 4x + 3 là", ["(2; −1)", "(−2; 15)", "(1; 0)", "(0; 3)"], "A"),
    ("Hàm số y = −x² + 2x đồng biến trên khoảng", ["(−∞; 1)", "(1; +∞)", "(0; 2)", "ℝ"], "A"),
]


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


def _school(org: Organisation | None) -> dict[str, str]:
    return {"code": org.code, "name": org.name} if org else {"code": "SGDDT", "name": "Sở GDĐT"}


def _demo_people() -> tuple[User, Membership] | None:
    author = User.objects.filter(username=DEMO_AUTHOR).first()
    head = (
        Membership.objects.filter(
            user__username=DEMO_APPROVER, role=Role.SUBJECT_HEAD, subject__code=DEMO_SUBJECT
        )
        .select_related("user", "organisation", "subject")
        .first()
    )
    return (author, head) if author is not None and head is not None else None


def _publish_lesson_plan(author: User, head: Membership) -> list[str]:
    from content import api as content_api

    school = head.organisation
    if content_api.published_items().filter(title=DEMO_LESSON, school=school).exists():
        return []
    library = content_api.LibraryPage.objects.filter(school=school).first()
    if library is None:
        site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
        parent = site.root_page if site else Page.get_first_root_node()
        library = content_api.create_library(
            parent, title=f"Thư viện {school.name}", school=school, actor=author
        )
    data = content_api.LessonPlanData(title=DEMO_LESSON)
    data.objectives["knowledge"] = ["Nhận biết hàm số bậc hai và đồ thị parabol."]
    data.objectives["competences"] = ["Vẽ được đồ thị hàm số bậc hai."]
    data.equipment = ["Máy chiếu", "Phiếu học tập"]
    page = content_api.create_lesson_plan(
        library,
        data,
        author=author,
        subject=head.subject,
        grade=10,
        topic="Hàm số bậc hai",
        lesson="Bài 6",
        school=school,
        licence="CC-BY-4.0",
    )
    content_api.submit_for_review(page, user=author)
    content_api.approve_content(page, user=head.user, comment="Đạt yêu cầu.")
    return [content_api.item_code(page)]


def _publish_questions(author: User, head: Membership) -> list[str]:
    from question_bank import api as qb_api

    if qb_api.Item.objects.filter(bank=DEMO_BANK).exists():
        return []
    codes = []
    for stem, choices, key in DEMO_QUESTIONS:
        content = qb_api.ItemContent(
            type=qb_api.ItemType.SINGLE_CHOICE,
            stem_html=f"<p>{stem}</p>",
            choices=[
                qb_api.Choice(label, text) for label, text in zip("ABCD", choices, strict=True)
            ],
            key=key,
        )
        item = qb_api.create_item(
            author,
            content,
            school=head.organisation,
            scope=qb_api.Scope.SCHOOL,
            subject=head.subject,
            grade=10,
            licence="CC-BY-4.0",
            bank=DEMO_BANK,
        )
        qb_api.submit_item(author, item)
        qb_api.approve_item(head.user, item)
        assert item.current_version is not None
        codes.append(qb_api.version_code(item, item.current_version))
    qb_api.publish_item(head.user, item)
    return codes


@transaction.atomic
def publish_demo_items() -> list[str]:
    """The demo teacher's lesson plan and questions, approved by the demo subject head (signed
    at publication) and sealed; returns their codes (none when already there or no demo users).
    """
    people = _demo_people()
    if people is None:
        return []
    codes = _publish_lesson_plan(*people) + _publish_questions(*people)
    for code in codes:
        _seal(code)
    return codes


def _content_items() -> int:
    from content import api as content_api

    signed = 0
    for page in content_api.published_items()[:LIMIT]:
        approver = _approver(page.author)
        if approver is None or api.latest(content_api.item_code(page), "content_item"):
            continue
        _seal(content_api.sign_published(page, approver).code)
        signed += 1
    return signed


def _question_versions() -> int:
    from question_bank import api as qb_api

    signed = 0
    for item in qb_api.approved_items()[:LIMIT]:
        version = item.current_version
        author = item.author or (version.created_by if version else None)
        approver = _approver(author)
        if version is None or author is None or approver is None:
            continue
        if api.latest(qb_api.version_code(item, version), "question_version") is None:
            publication = qb_api.sign_current_version(item, approver)
            if publication is not None:
                _seal(publication.code)
                signed += 1
    return signed


def _sample() -> int:
    teacher = (
        Membership.objects.filter(role=Role.TEACHER).select_related("user").order_by("pk").first()
    )
    if teacher is None:
        return 0
    approver = _approver(teacher.user)
    if approver is None or api.latest(SAMPLE_CODE, "content_item") is not None:
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
    publication = api.sign_publication(subject, api.signer_for_user(teacher.user))
    api.approve_publication(publication, api.signer_for_user(approver))
    _seal(SAMPLE_CODE)
    return 1


def _seal(code: str) -> None:
    publication = api.latest(code)
    if publication is not None:
        api.seal_publication(publication, api.department_seal_signer())


@transaction.atomic
def seed() -> int:
    """Sign the demo items not yet signed; returns how many were signed."""
    api.ensure_department_ca()
    signed = _content_items() + _question_versions()
    if not api.signed_codes():
        signed += _sample()
    return signed
