"""Regrade 10,000 submitted attempts × 40 items in the database after a key correction.

The pure-scoring figure (bench_grading.py) leaves out the database. Here a 40-item test in the
2025 mix has 10,000 submitted attempts with their 400,000 answers stored and scored; then one
question's key is corrected through `assessment.services.correct_item`, which reads every
attempt and answer, rescores all 40 items of each, writes the changed scores and totals, and
logs each change (Regrade row + audit event). Goal (issue 4): ≤ 10 s. Run on PostgreSQL:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/benchregrade \\
        .venv/bin/pytest -q -s bench/assessment/test_bench_regrade.py -p no:cacheprovider
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import random
import time
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from assessment import services
from assessment.models import Answer, Attempt, Regrade
from bench.assessment.bench_grading import items, response
from core.models import User
from tests import factories
from tests.assessment.bank import make_item, new_version

ATTEMPTS = int(os.environ.get("BENCH_ATTEMPTS", "10000"))


@pytest.mark.django_db
def test_regrade_ten_thousand_attempts() -> None:
    school = factories.SchoolFactory.create()
    school_class = factories.SchoolClassFactory.create(school=school)
    teacher = factories.UserFactory.create()
    factories.TeachingAssignmentFactory.create(school_class=school_class, teacher=teacher)
    maths = factories.SubjectFactory.create(code="TOAN", name="Toán")
    test = services.create_test(teacher, title="Bench", subject=maths, grade=10, parts=["PHẦN I"])
    part = test.parts.get()
    contents = items()
    test_items = [
        services.add_item(teacher, part, make_item(c, subject=maths), points=p) for c, p in contents
    ]
    now = timezone.now()
    assignment = services.assign_test(
        teacher,
        test,
        school_class,
        opens=now - dt.timedelta(hours=2),
        closes=now + dt.timedelta(hours=1),
        time_limit_minutes=45,
        result_policy="never",
        show_correct_answers=False,
    )
    layout = [
        {"position": n, "test_item": ti.pk, "item_version": ti.item_version_id, "points": str(p)}
        for n, (ti, (_c, p)) in enumerate(zip(test_items, contents, strict=True), start=1)
    ]
    began = time.perf_counter()
    students = User.objects.bulk_create(
        [User(username=f"bench-hs{i:05d}", full_name=f"Học sinh {i}") for i in range(ATTEMPTS)],
        batch_size=2000,
    )
    attempts = Attempt.objects.bulk_create(
        [
            Attempt(
                assignment=assignment,
                student=s,
                deadline=now,
                submitted=now,
                state=Attempt.State.SUBMITTED,
                layout=layout,
            )
            for s in students
        ],
        batch_size=2000,
    )
    rng = random.Random(4)
    Answer.objects.bulk_create(
        [
            Answer(attempt=a, position=n, response=response(c, rng), seq=1)
            for a in attempts
            for n, (c, _p) in enumerate(contents, start=1)
        ],
        batch_size=5000,
    )
    # Score everything once as each submission would have (the same scoring; not timed).
    by_version = {ti.item_version_id: c for ti, (c, _p) in zip(test_items, contents, strict=True)}
    policy = services._policy(test)
    stored: dict[int, dict[int, Answer]] = {a.pk: {} for a in attempts}
    for answer in Answer.objects.filter(attempt__assignment=assignment):
        stored[answer.attempt_id][answer.position] = answer
    scored: list[Answer] = []
    for attempt in attempts:
        scored += services._score(attempt, stored[attempt.pk], by_version, policy)[1]
    Answer.objects.bulk_update(scored, ["score"], batch_size=5000)
    Attempt.objects.bulk_update(attempts, ["score", "needs_manual"], batch_size=2000)
    print(
        f"\n{ATTEMPTS} attempts × {len(contents)} answers stored and scored in "
        f"{time.perf_counter() - began:.1f} s ({connection.vendor})"
    )

    first = contents[0][0]
    corrected = new_version(test_items[0].item_version, dataclasses.replace(first, key="B"))
    began = time.perf_counter()
    log = services.correct_item(teacher, test_items[0], corrected)
    elapsed = time.perf_counter() - began
    changed = len(log)
    print(
        f"regraded {ATTEMPTS} attempts × {len(contents)} items after a key correction in "
        f"{elapsed:.2f} s ({changed} scores changed and logged; goal ≤ 10 s)"
    )
    assert Regrade.objects.count() == changed
    assert changed > ATTEMPTS // 10
    # The stored totals are the sums of the stored answer scores.
    sample = Attempt.objects.get(pk=attempts[0].pk)
    scores = Answer.objects.filter(attempt=sample).values_list("score", flat=True)
    assert sample.score == sum((s or Decimal(0) for s in scores), Decimal(0))
