"""Kept for imports: the browser fixtures live in tests/e2e/fixtures.py (a plugin)."""

from tests.e2e.fixtures import login

__all__ = ["login"]
