"""A signed, approved and sealed publication to verify, export and tamper with."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from core.models import User
from provenance import api
from tests import factories
from tests.conftest import World

# The content and question-bank worlds, for the publication wiring tests (test_integration.py).
from tests.content.conftest import content_world  # noqa: F401
from tests.question_bank.conftest import bank  # noqa: F401

FILES = [
    ("bai-giang/slides.html", "<h1>Hàm số bậc hai</h1>".encode()),
    ("bai-giang/notes.txt", b"Ghi chu: y = ax^2 + bx + c\n"),
    ("ke-hoach-bai-day.md", "# Kế hoạch bài dạy\nI. Mục tiêu".encode()),
]


def subject(author: User, code: str = "HL-TOAN10-001", files=FILES, **meta) -> api.Subject:
    metadata = {
        "title": "Hàm số bậc hai",
        "curriculum_codes": ["GDPT2018.TOAN.10.C3"],
        "author": {"id": author.username, "name": author.full_name},
        "school": {"code": "TRUONG001", "name": "Trường THPT Lê Lợi"},
        "licence": "CC-BY-4.0",
        "created_at": dt.datetime(2026, 9, 1, 8, 0, tzinfo=dt.UTC),
        "published_at": dt.datetime(2026, 11, 1, 8, 0, tzinfo=dt.UTC),
    } | meta
    return api.Subject("content_item", code, list(files), metadata)


@dataclass
class Signed:
    author: User
    approver: User
    publication: api.Publication
    bundle: bytes


def make_signed(world: World, code: str = "HL-TOAN10-001", seal: bool = True) -> Signed:
    author = world.a.teacher
    approver = factories.UserFactory(full_name="Trần Thị Bình")
    school = {"code": world.a.school.code, "name": world.a.school.name}
    pub = api.sign_publication(subject(author, code, school=school), api.signer_for_user(author))
    api.approve_publication(pub, api.signer_for_user(approver))
    if seal:
        api.seal_publication(pub, api.department_seal_signer())
    return Signed(author, approver, pub, api.export_bundle(code))


@pytest.fixture
def signed(world: World, settings, tmp_path) -> Signed:
    settings.MEDIA_ROOT = tmp_path / "media"
    return make_signed(world)
