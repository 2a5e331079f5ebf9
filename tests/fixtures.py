"""Where the shared third-party sample files are: ../shared/fixtures beside the repository."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def fixtures_root() -> Path:
    configured = os.environ.get("SHARED_FIXTURES")
    candidates = [Path(configured)] if configured else []
    candidates += [REPO.parent / "shared" / "fixtures", REPO / ".." / ".." / "shared" / "fixtures"]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate.resolve()
    raise FileNotFoundError(
        "The shared fixtures were not found; set SHARED_FIXTURES to the shared/fixtures folder."
    )


def fixture_path(*parts: str) -> Path:
    path = fixtures_root().joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(path)
    return path
