"""An exam seeded through exams.seeding for every exams test that asks for it."""

from __future__ import annotations

import pytest

from exams.seeding import SeededExam, seed_exam


@pytest.fixture
def seeded(db: None) -> SeededExam:
    return seed_exam(candidates=6, room_size=3, questions=5, versions=2, code="GK1")
