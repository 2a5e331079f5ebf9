"""Browser tests: Playwright drives Debian's Chromium against a real platform process.

A pytest plugin (registered in tests/conftest.py), so every app's tests can use these fixtures.

Fixtures:
- `db_templates`: `db_templates.copy(name, demo=True)` gives a fresh migrated SQLite file.
- `demo_server`: one platform process with the demo data for the whole session (read-mostly
  tests share it). For tests that kill or restart the server, make your own `Server`.
- `browser` / `page`: Playwright Chromium and a fresh page (new context) per test.
Every test that uses them is marked `e2e` and put in one xdist group, so one worker runs them all
and the session fixtures (migrated databases, the demo server, the browser) are made once.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.server import DatabaseTemplates, Server

# Playwright's sync API runs an event loop in this thread; Django refuses DB access from a
# thread with a running loop unless told it is safe (the test process itself touches no DB).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


BROWSER_FIXTURES = {"browser", "page", "demo_server", "db_templates"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        uses_browser = BROWSER_FIXTURES & set(getattr(item, "fixturenames", ()))
        if uses_browser or item.get_closest_marker("e2e"):
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.xdist_group("e2e"))


@pytest.fixture(scope="session")
def db_templates(tmp_path_factory: pytest.TempPathFactory) -> DatabaseTemplates:
    return DatabaseTemplates(tmp_path_factory.mktemp("e2e-db"))


@pytest.fixture(scope="session")
def demo_server(db_templates: DatabaseTemplates) -> Iterator[Server]:
    server = Server(db_templates.copy("demo", demo=True)).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `./dev test` installs it (apt-get install chromium).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def login(page: Any, base_url: str, username: str, password: str = "hoclieu2025") -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
