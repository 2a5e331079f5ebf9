"""Where the shared third-party sample files are: ../shared/fixtures beside the repository."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def fixtures_root() -> Path:
    configured = os.environ.get("SHARED_FIXTURES")
    candidates = [Path(configured)] if configured else []
    candidates += [REPO.parent / "shared" / "fixtures", REPO / ".." / ".." / "shared" / "fixtures"]
    candidates += [origin.parent / "shared" / "fixtures" for origin in _local_origin()]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate.resolve()
    raise FileNotFoundError(
        "The shared fixtures were not found; set SHARED_FIXTURES to the shared/fixtures folder."
    )


def _local_origin() -> list[Path]:
    """A throwaway clone (CI's) has no shared/ beside it, but the checkout it came from may."""
    try:
        url = subprocess.run(
            ["git", "-C", str(REPO), "config", "--get", "remote.origin.url"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        return []
    return [Path(url).resolve()] if url.startswith("/") else []


def fixture_path(*parts: str) -> Path:
    path = fixtures_root().joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(path)
    return path
