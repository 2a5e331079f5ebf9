"""`.env.example` documents exactly the environment variables the settings read."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = [
    ROOT / "config" / "settings" / "base.py",
    ROOT / "config" / "settings" / "production.py",
]
# os.environ.get("X"...), os.environ["X"], env_bool("X"...), env_list("X"...)
READ = re.compile(
    r"""(?:os\.environ\.get|os\.getenv|env_bool|env_list|env_int)\(\s*["']([A-Z0-9_]+)["']|os\.environ\[\s*["']([A-Z0-9_]+)["']"""
)
DOCUMENTED = re.compile(r"^#?\s?([A-Z][A-Z0-9_]+)=", re.MULTILINE)
# Read by Django itself rather than by our settings modules.
READ_ELSEWHERE = {"DJANGO_SETTINGS_MODULE"}


def _read_by_settings() -> set[str]:
    names: set[str] = set()
    for path in SETTINGS:
        for match in READ.finditer(path.read_text(encoding="utf-8")):
            names.add(match.group(1) or match.group(2))
    return names


def _documented() -> set[str]:
    return set(DOCUMENTED.findall((ROOT / ".env.example").read_text(encoding="utf-8")))


def test_every_variable_the_settings_read_is_documented():
    read = _read_by_settings()
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS"} <= read
    assert sorted(read - _documented()) == []


def test_env_example_documents_nothing_the_settings_ignore():
    assert sorted(_documented() - _read_by_settings() - READ_ELSEWHERE) == []
