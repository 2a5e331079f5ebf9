"""A candidate loses the network mid-exam in Debian's Chromium, keeps answering, reconnects, and
every answer arrives (issue 5: "a network loss loses no answer").

The exam is seeded with `manage.py seed_exam` in the server's own database; the candidate signs
in at /thi/ with the printed number and password, enters the room's access code and answers.
While the browser is offline (Playwright's context.set_offline) the answers stay queued in the
player and are shown as not saved; back online they are resent and acknowledged, and the database
holds every one with its final value.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.server import PostgresDatabases, Server, manage

pytestmark = pytest.mark.e2e

READ_ANSWERS = r"""
import json
from exams.models import Answer
rows = Answer.objects.filter(attempt_id=%d).order_by("position")
print(json.dumps([[a.position, a.response, a.seq] for a in rows]))
"""


@pytest.fixture(scope="module")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresDatabases]:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")) or not os.environ.get("REDIS_URL"):
        pytest.skip("the production stack needs PostgreSQL and Redis (the CI's PostgreSQL leg)")
    databases = PostgresDatabases(url, os.environ["REDIS_URL"], tmp_path_factory.mktemp("e2e-pg"))
    yield databases
    databases.close()


@pytest.fixture(
    params=[
        # the dev server (SQLite, every request through Django)
        "django",
        # production's stack (PostgreSQL, Redis, config.asgi under uvicorn): saves, the start
        # and the submit go through exams.fastpath, saves in shared transactions
        pytest.param("production", marks=pytest.mark.postgres_e2e),
    ]
)
def exam(request: pytest.FixtureRequest, db_templates: Any) -> Any:
    env: dict[str, str] = {}
    if request.param == "django":
        db = db_templates.copy("exam-network")
    else:
        db, env = request.getfixturevalue("postgres").copy("exam_network")
    out = manage(
        db,
        "seed_exam",
        "--candidates",
        "1",
        "--questions",
        "5",
        "--versions",
        "1",
        "--code",
        "MANG1",
        "--csv",
        "-",
        env=env,
    )
    row = next(csv.DictReader(io.StringIO(out)))
    server = Server(db, env, asgi=request.param == "production").start()
    yield server, row
    server.stop()


def stored(server: Server, attempt: int) -> dict[int, tuple[Any, int]]:
    out = manage(server.db, "shell", "-c", READ_ANSWERS % attempt, env=server.env)
    return {p: (r, s) for p, r, s in json.loads(out.strip().splitlines()[-1])}


def state(page: Any, position: int) -> str:
    return page.locator(f'[data-question="{position}"] [data-saved]').get_attribute("data-state")


def choose(page: Any, position: int, index: int) -> str:
    """Pick the index-th option of a single-choice question; returns the value sent."""
    option = page.locator(f'[data-question="{position}"] input[type=radio]').nth(index)
    option.check()
    return str(option.get_attribute("value"))


def wait_state(page: Any, position: int, wanted: str) -> None:
    page.wait_for_selector(f'[data-question="{position}"] [data-saved][data-state="{wanted}"]')


def test_answers_made_offline_arrive_after_reconnecting(exam: Any, page: Any) -> None:
    server, row = exam
    saves: list[Any] = []
    page.on(
        "response",
        lambda r: saves.append(r) if r.request.method == "PUT" and "/answers" in r.url else None,
    )
    page.goto(f"{server.url}/thi/")
    form = page.locator("[data-testid=exam-sign-in]")
    form.locator("input[name=exam]").fill(row["exam"])
    form.locator("input[name=number]").fill(row["number"])
    form.locator("input[name=password]").fill(row["password"])
    form.locator("button[type=submit]").click()
    enter = page.locator("[data-testid=exam-enter]")
    enter.locator("input[name=access_code]").fill(row["access_code"])
    enter.locator("button[type=submit]").click()
    page.wait_for_selector("[data-question]")
    assert page.locator("[data-question]").count() == 5

    # Online: the first answer is acknowledged by the server.
    final = {1: choose(page, 1, 1)}
    wait_state(page, 1, "saved")

    # The network goes away; the candidate keeps answering and changes an earlier answer.
    page.context.set_offline(True)
    final[2] = choose(page, 2, 0)
    final[3] = choose(page, 3, 3)
    final[1] = choose(page, 1, 2)
    final[4] = choose(page, 4, 1)
    for position in (1, 2, 3, 4):
        wait_state(page, position, "pending")
    page.wait_for_function(
        "() => document.querySelector('[data-status]').textContent.startsWith('Mất kết nối')"
    )
    # Nothing of that reached the server: it still holds only the first answer.
    before = stored(server, int(row["attempt"]))
    assert set(before) == {1}
    assert before[1][0] != final[1]
    assert state(page, 5) == "empty"

    # Back online: the queued answers are resent and acknowledged, with no reload.
    page.context.set_offline(False)
    for position in (1, 2, 3, 4):
        wait_state(page, position, "saved")
    after = stored(server, int(row["attempt"]))
    assert {p: r for p, (r, _seq) in after.items()} == final
    assert after[1][1] == 2  # the change made offline superseded the first save

    # A reload shows the server's copy: every answer there, saved.
    page.reload()
    page.wait_for_selector("[data-question]")
    for position, value in final.items():
        wait_state(page, position, "saved")
        assert page.locator(
            f'[data-question="{position}"] input[type=radio][value="{value}"]'
        ).is_checked()

    # The saves were answered by the path under test: on the production stack by
    # exams.fastpath, which (unlike Django's SecurityMiddleware) sets no Cross-Origin-Opener-Policy.
    assert saves
    by_django = ["cross-origin-opener-policy" in r.headers for r in saves]
    assert by_django == [not server.asgi] * len(saves)
