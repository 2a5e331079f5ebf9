"""Run a coroutine to completion from a test, whatever the test's thread is doing.

The browser tests' Playwright (sync API) keeps an event loop running in the main thread for the
session, and asyncio.run() refuses to start inside a running loop: so each call gets a thread
of its own with a fresh loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
