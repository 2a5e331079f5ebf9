"""The neutral form of a question: what importers produce, exporters read, item versions store
(as JSON) and the assessment engine scores.

Key encodings (shared with the `import_questions` and `make_versions` CLI contracts):
- single_choice: the option id, "B"
- multiple_response: list of option ids in source order, ["A", "C"]
- true_false_cluster: {"a": True, "b": False, "c": True, "d": False}
- short_numeric: the answer string as written, "-1,5"
- short_text: list of accepted answers, ["Hà Nội", "Thủ đô Hà Nội"]
- essay: None
- matching: {source id: target id}, {"1": "B", "2": "A"}
- ordering: option ids in the correct order, ["C", "A", "B"]
- cloze: {gap id: key of that gap in the encoding of its own kind}, {"g1": "B", "g2": "3,5"}
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any


class ItemType(StrEnum):
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_RESPONSE = "multiple_response"
    TRUE_FALSE_CLUSTER = "true_false_cluster"
    SHORT_NUMERIC = "short_numeric"
    SHORT_TEXT = "short_text"
    ESSAY = "essay"
    MATCHING = "matching"
    ORDERING = "ordering"
    CLOZE = "cloze"


class Part(StrEnum):
    """Parts of the 2025 national exam format."""

    I = "I"  # noqa: E741 - the part's real name
    II = "II"
    III = "III"


@dataclass
class Choice:
    """An option (A-D), a statement of a true/false cluster (a-d), or a matching target."""

    id: str
    html: str
    fixed: bool = False  # "do not shuffle" (e.g. "All of the above")


@dataclass
class Gap:
    """One gap of a cloze item: a choice list, a text box or a number box."""

    id: str
    kind: str  # "choice" | "text" | "numeric"
    choices: list[Choice] = field(default_factory=list)
    key: Any = None
    points: Decimal | None = None
    case_sensitive: bool = False
    diacritics_sensitive: bool = True


@dataclass
class Asset:
    """A file an item refers to (an image, a formula rendering). `name` is how the HTML cites it."""

    name: str
    mime: str
    data: bytes


@dataclass
class ItemContent:
    type: ItemType
    stem_html: str
    choices: list[Choice] = field(default_factory=list)
    # Matching: `choices` are the prompts (sources), `targets` what they match to.
    targets: list[Choice] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    key: Any = None
    solution_html: str = ""
    points: Decimal | None = None
    # short_text options
    case_sensitive: bool = False
    diacritics_sensitive: bool = True
    # essay
    rubric_html: str = ""
    # short_numeric: accepted distance from the key (Moodle/GIFT "3.14:0.01"); None = exact
    tolerance: Decimal | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["type"] = self.type.value
        return _decimals_to_str(data)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ItemContent:
        data = dict(data)
        data["type"] = ItemType(data["type"])
        data["choices"] = [Choice(**c) for c in data.get("choices", [])]
        data["targets"] = [Choice(**c) for c in data.get("targets", [])]
        data["gaps"] = [
            Gap(
                **{
                    **g,
                    "choices": [Choice(**c) for c in g.get("choices", [])],
                    "points": Decimal(g["points"]) if g.get("points") is not None else None,
                }
            )
            for g in data.get("gaps", [])
        ]
        for name in ("points", "tolerance"):
            if data.get(name) is not None:
                data[name] = Decimal(data[name])
        return cls(**data)


@dataclass
class ItemMeta:
    subject: str = ""  # subject code, e.g. "TOAN"
    grade: int | None = None
    topic: str = ""  # curriculum topic/lesson code or title
    level: str = ""  # cognitive level: "biet" | "hieu" | "van_dung" | "van_dung_cao"
    difficulty: Decimal | None = None
    tags: list[str] = field(default_factory=list)
    source: str = ""
    licence: str = ""


@dataclass
class ParsedItem:
    """One question read from a file, with where it came from for error reports."""

    content: ItemContent
    meta: ItemMeta = field(default_factory=ItemMeta)
    number: str | None = None  # as numbered in the source, "1" for "Câu 1"
    part: Part | None = None
    stimulus_ref: str | None = None  # items sharing a stimulus share this reference
    assets: list[Asset] = field(default_factory=list)
    location: str = ""  # "đề.docx, Câu 12" / "items.xml, line 40"


@dataclass
class Stimulus:
    ref: str
    html: str
    assets: list[Asset] = field(default_factory=list)


@dataclass
class ImportProblem:
    location: str
    message: str  # in Vietnamese, through gettext

    def as_dict(self) -> dict[str, str]:
        return {"location": self.location, "message": self.message}


@dataclass
class ParseResult:
    items: list[ParsedItem] = field(default_factory=list)
    stimuli: list[Stimulus] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)


def _decimals_to_str(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _decimals_to_str(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decimals_to_str(v) for v in value]
    if isinstance(value, bytes):
        raise TypeError("assets are stored as files, not inside item JSON")
    return value
