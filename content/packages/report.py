"""The outcome of inspecting a package: what it is, how it starts and every problem found."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class PackageKind:
    SCORM12 = "scorm12"
    SCORM2004 = "scorm2004"
    H5P = "h5p"
    CMI5 = "cmi5"

    CHOICES = ((SCORM12, "SCORM 1.2"), (SCORM2004, "SCORM 2004"), (H5P, "H5P"), (CMI5, "cmi5"))


class UnreadablePackage(Exception):
    """The file itself cannot be opened (missing, no permission, a directory)."""


@dataclass(frozen=True)
class Problem:
    path: str
    reason: str


@dataclass
class Report:
    kind: str | None = None
    title: str = ""
    launch: str = ""
    problems: list[Problem] = field(default_factory=list)
    # Relative paths of the regular files to extract (empty for a bare manifest).
    files: list[str] = field(default_factory=list)
    # Normalised relative path → the entry's name inside the zip.
    sources: dict[str, str] = field(default_factory=dict)
    total_bytes: int = 0

    @property
    def valid(self) -> bool:
        return not self.problems and self.kind is not None

    def add(self, path: str, reason: str) -> None:
        self.problems.append(Problem(path, str(reason)))

    def as_json(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "kind": self.kind,
            "title": self.title,
            "launch": self.launch,
            "problems": [{"path": p.path, "reason": p.reason} for p in self.problems],
        }
