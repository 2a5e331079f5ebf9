"""The item editor's form: POST fields <-> ItemContent and metadata, with errors per field.

One flat set of field names covers every item type so the page can switch type without losing
what was typed:
- choices (single/multiple choice): `choice_A`..`choice_F`, key `key_single` / `key_multi`;
- true/false cluster: `stmt_a`..`stmt_d` with `tf_a`..`tf_d` ("true"/"false");
- short numeric: `numeric_key` (as written, "-1,5"), optional `tolerance`;
- short text: `text_answers` (one accepted answer a line), `case_sensitive`,
  `diacritics_sensitive`;
- essay: `rubric`;
- matching: `source_1`..`source_6`, `target_A`..`target_F`, `match_1`..`match_6`;
- ordering: `order_items`, one per line, in the correct order;
- cloze: `[[g1]]` in the stem and one line per gap in `gaps`: `g1 chọn: *đỏ; xanh`,
  `g2 chữ: Hà Nội; Hanoi`, `g3 số: 3,5` (a `*` marks the correct choice).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _

from core.api import Subject

from .interchange import Choice, Gap, ItemContent, ItemType
from .models import Item, Level, LevelScheme, Scope, Stimulus, Topic
from .validation import numeric_value, validate_content

CHOICE_IDS = ("A", "B", "C", "D", "E", "F")
TF_IDS = ("a", "b", "c", "d")
SOURCE_IDS = ("1", "2", "3", "4", "5", "6")
GAP_RE = re.compile(r"^\s*(\w+)\s+(chọn|chữ|số)\s*:\s*(.+)$", re.IGNORECASE)
GAP_KINDS = {"chọn": "choice", "chữ": "text", "số": "numeric"}


@dataclass
class EditorForm:
    """What the editor posted, read into content + metadata; `errors` maps a field to messages
    ("form" for problems of the whole item)."""

    data: dict[str, Any]
    content: ItemContent | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    scope: str = Scope.PRIVATE
    new_stimulus: dict[str, str] | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    @property
    def is_valid(self) -> bool:
        return not self.errors


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _choices(post: QueryDict, prefix: str, ids: tuple[str, ...]) -> list[Choice]:
    return [
        Choice(i, post.get(f"{prefix}{i}", "").strip())
        for i in ids
        if post.get(f"{prefix}{i}", "").strip()
    ]


def _gaps(form: EditorForm, text: str, stem: str) -> list[Gap]:
    gaps: list[Gap] = []
    for number, line in enumerate(_lines(text), start=1):
        match = GAP_RE.match(line)
        if not match:
            form.add(
                "gaps",
                _("Dòng %(n)s: cần dạng “g1 chọn: *đúng; sai”, “g2 chữ: …” hoặc “g3 số: …”.")
                % {"n": number},
            )
            continue
        gap_id, kind_word, spec = match.groups()
        kind = GAP_KINDS[kind_word.lower()]
        parts = [p.strip() for p in spec.split(";") if p.strip()]
        if f"[[{gap_id}]]" not in stem:
            form.add(
                "gaps", _("Dòng %(n)s: nội dung chưa có [[%(id)s]].") % {"n": number, "id": gap_id}
            )
        if kind == "choice":
            choices = [Choice(chr(65 + i), p.lstrip("*").strip()) for i, p in enumerate(parts)]
            keys = [chr(65 + i) for i, p in enumerate(parts) if p.startswith("*")]
            if len(keys) != 1:
                form.add(
                    "gaps",
                    _("Dòng %(n)s: đánh dấu đúng một lựa chọn đúng bằng dấu *.") % {"n": number},
                )
            gaps.append(Gap(gap_id, kind, choices=choices, key=keys[0] if keys else None))
        elif kind == "text":
            gaps.append(Gap(gap_id, kind, key=parts))
        else:
            if numeric_value(spec) is None:
                form.add("gaps", _("Dòng %(n)s: đáp án số không hợp lệ.") % {"n": number})
            gaps.append(Gap(gap_id, kind, key=spec.strip()))
    if not gaps and "gaps" not in form.errors:
        form.add("gaps", _("Câu điền khuyết cần ít nhất một chỗ trống."))
    return gaps


def _content(form: EditorForm, post: QueryDict) -> ItemContent | None:
    try:
        kind = ItemType(post.get("type", ""))
    except ValueError:
        form.add("type", _("Chọn dạng câu hỏi."))
        return None
    stem = post.get("stem", "").strip()
    content = ItemContent(kind, stem, solution_html=post.get("solution", "").strip())
    if not stem and kind != ItemType.CLOZE:
        form.add("stem", _("Thiếu nội dung câu hỏi."))
    points = post.get("points", "").strip().replace(",", ".")
    if points:
        try:
            content.points = Decimal(points)
        except InvalidOperation:
            form.add("points", _("Điểm phải là một số."))
    if kind in (ItemType.SINGLE_CHOICE, ItemType.MULTIPLE_RESPONSE):
        content.choices = _choices(post, "choice_", CHOICE_IDS)
        if len(content.choices) < 2:
            form.add("choices", _("Cần ít nhất 2 phương án."))
        ids = {c.id for c in content.choices}
        if kind == ItemType.SINGLE_CHOICE:
            content.key = post.get("key_single") or None
            if content.key not in ids:
                form.add("key", _("Chọn đáp án đúng trong các phương án đã nhập."))
        else:
            content.key = [k for k in post.getlist("key_multi") if k in ids]
            if not content.key:
                form.add("key", _("Chọn ít nhất một đáp án đúng."))
    elif kind == ItemType.TRUE_FALSE_CLUSTER:
        content.choices = _choices(post, "stmt_", TF_IDS)
        if len(content.choices) != len(TF_IDS):
            form.add("statements", _("Câu đúng/sai cần đủ 4 ý a), b), c), d)."))
        key: dict[str, bool] = {}
        for choice in content.choices:
            value = post.get(f"tf_{choice.id}", "")
            if value not in ("true", "false"):
                form.add(
                    "statements",
                    _("Chọn Đúng hoặc Sai cho ý %(id)s).") % {"id": choice.id},
                )
            else:
                key[choice.id] = value == "true"
        content.key = key
    elif kind == ItemType.SHORT_NUMERIC:
        content.key = post.get("numeric_key", "").strip()
        tolerance = post.get("tolerance", "").strip()
        if tolerance:
            content.tolerance = numeric_value(tolerance)
            if content.tolerance is None:
                form.add("tolerance", _("Sai số cho phép phải là một số."))
        if numeric_value(content.key) is None or (
            content.tolerance is None and len(content.key) > 4
        ):
            form.add(
                "numeric_key",
                _("Đáp án phải là số, tối đa 4 kí tự (chữ số, dấu -, dấu phẩy), ví dụ -1,5."),
            )
    elif kind == ItemType.SHORT_TEXT:
        content.key = _lines(post.get("text_answers", ""))
        content.case_sensitive = post.get("case_sensitive") == "on"
        content.diacritics_sensitive = post.get("diacritics_sensitive") == "on"
        if not content.key:
            form.add("text_answers", _("Nhập ít nhất một đáp án được chấp nhận."))
    elif kind == ItemType.ESSAY:
        content.rubric_html = post.get("rubric", "").strip()
    elif kind == ItemType.MATCHING:
        content.choices = _choices(post, "source_", SOURCE_IDS)
        content.targets = _choices(post, "target_", CHOICE_IDS)
        targets = {t.id for t in content.targets}
        content.key = {c.id: post.get(f"match_{c.id}", "") for c in content.choices}
        if not content.choices or not content.targets:
            form.add("matching", _("Nhập các vế trái và vế phải."))
        elif any(v not in targets for v in content.key.values()):
            form.add("matching", _("Chọn vế phải tương ứng cho mỗi vế trái."))
    elif kind == ItemType.ORDERING:
        lines = _lines(post.get("order_items", ""))
        content.choices = [Choice(CHOICE_IDS[i], t) for i, t in enumerate(lines[:6])]
        content.key = [c.id for c in content.choices]
        if len(lines) < 2:
            form.add("order_items", _("Cần ít nhất 2 mục để sắp xếp."))
        elif len(lines) > len(CHOICE_IDS):
            form.add("order_items", _("Tối đa 6 mục."))
    elif kind == ItemType.CLOZE:
        content.gaps = _gaps(form, post.get("gaps", ""), stem)
        if not stem:
            form.add("stem", _("Thiếu nội dung câu hỏi."))
    return content


def _int(value: object) -> int:
    return int(value) if isinstance(value, str) and value.isdigit() else 0


def _meta(form: EditorForm, post: QueryDict, stimuli: Any) -> None:
    meta: dict[str, Any] = {}
    subject = None
    if post.get("subject"):
        subject = Subject.objects.filter(pk=_int(post["subject"])).first()
        if subject is None:
            form.add("subject", _("Môn học không tồn tại."))
    meta["subject"] = subject
    grade = post.get("grade", "").strip()
    meta["grade"] = None
    if grade:
        if not grade.isdigit() or not 1 <= int(grade) <= 12:
            form.add("grade", _("Khối phải từ 1 đến 12."))
        else:
            meta["grade"] = int(grade)
    meta["topic"] = None
    if post.get("topic"):
        topic = Topic.objects.filter(pk=_int(post["topic"])).first()
        if topic is None or (subject is not None and topic.subject_id != subject.pk):
            form.add("topic", _("Chủ đề không thuộc môn học đã chọn."))
        meta["topic"] = topic
    meta["level_scheme"] = post.get("level_scheme") or LevelScheme.THREE
    if meta["level_scheme"] not in LevelScheme.values:
        form.add("level_scheme", _("Thang mức độ không hợp lệ."))
    meta["level"] = post.get("level", "")
    if meta["level"] and meta["level"] not in Level.values:
        form.add("level", _("Mức độ nhận thức không hợp lệ."))
    elif meta["level_scheme"] == LevelScheme.THREE and meta["level"] == Level.VAN_DUNG_CAO:
        form.add("level", _("Thang 3 mức không có mức Vận dụng cao."))
    difficulty = post.get("difficulty", "").strip().replace(",", ".")
    meta["difficulty"] = None
    if difficulty:
        try:
            meta["difficulty"] = Decimal(difficulty)
            if not 0 <= meta["difficulty"] <= 1:
                raise InvalidOperation
        except InvalidOperation:
            form.add("difficulty", _("Độ khó là số từ 0 đến 1 (ví dụ 0,6)."))
    meta["tags"] = [t.strip() for t in post.get("tags", "").split(",") if t.strip()]
    meta["source"] = post.get("source", "").strip()[:255]
    meta["licence"] = post.get("licence", "").strip()[:64]
    meta["stimulus"] = None
    if post.get("stimulus"):
        meta["stimulus"] = stimuli.filter(pk=_int(post["stimulus"])).first()
        if meta["stimulus"] is None:
            form.add("stimulus", _("Ngữ liệu không tồn tại."))
    new_html = post.get("new_stimulus_html", "").strip()
    if new_html:
        form.new_stimulus = {"title": post.get("new_stimulus_title", "").strip(), "html": new_html}
    form.meta = meta
    form.scope = post.get("scope") or Scope.PRIVATE
    if form.scope not in Scope.values:
        form.add("scope", _("Phạm vi chia sẻ không hợp lệ."))


def read_form(post: QueryDict, stimuli: Any = None) -> EditorForm:
    form = EditorForm(data=post.dict() | {"key_multi": post.getlist("key_multi")})
    form.content = _content(form, post)
    _meta(form, post, stimuli if stimuli is not None else Stimulus.objects.all())
    if form.content is not None and not form.errors:
        # whatever the per-field checks did not catch (the same rules imports use)
        for problem in validate_content(form.content):
            form.add("form", problem)
    return form


def initial_data(item: Item | None) -> dict[str, Any]:
    """Form values for an existing item's current version (or a blank single-choice item)."""
    if item is None or item.current_version is None:
        return {
            "type": ItemType.SINGLE_CHOICE.value,
            "level_scheme": LevelScheme.THREE,
            "diacritics_sensitive": "on",
            "scope": Scope.PRIVATE,
            "key_multi": [],
        }
    c = ItemContent.from_json(item.current_version.content)
    data: dict[str, Any] = {
        "type": c.type.value,
        "stem": c.stem_html,
        "solution": c.solution_html,
        "points": str(c.points).replace(".", ",") if c.points is not None else "",
        "rubric": c.rubric_html,
        "subject": item.subject_id or "",
        "grade": item.grade or "",
        "topic": item.topic_id or "",
        "level": item.level,
        "level_scheme": item.level_scheme,
        "difficulty": str(item.difficulty).replace(".", ",") if item.difficulty is not None else "",
        "tags": ", ".join(item.tags),
        "source": item.source,
        "licence": item.licence,
        "scope": item.scope,
        "stimulus": item.stimulus_id or "",
        "key_multi": [],
    }
    if c.type in (ItemType.SINGLE_CHOICE, ItemType.MULTIPLE_RESPONSE):
        data.update({f"choice_{ch.id}": ch.html for ch in c.choices})
        if c.type == ItemType.SINGLE_CHOICE:
            data["key_single"] = c.key
        else:
            data["key_multi"] = list(c.key or [])
    elif c.type == ItemType.TRUE_FALSE_CLUSTER:
        for ch in c.choices:
            data[f"stmt_{ch.id}"] = ch.html
            value = (c.key or {}).get(ch.id)
            data[f"tf_{ch.id}"] = "" if value is None else ("true" if value else "false")
    elif c.type == ItemType.SHORT_NUMERIC:
        data["numeric_key"] = c.key or ""
        data["tolerance"] = str(c.tolerance) if c.tolerance is not None else ""
    elif c.type == ItemType.SHORT_TEXT:
        data["text_answers"] = "\n".join(c.key or [])
        data["case_sensitive"] = "on" if c.case_sensitive else ""
        data["diacritics_sensitive"] = "on" if c.diacritics_sensitive else ""
    elif c.type == ItemType.MATCHING:
        data.update({f"source_{ch.id}": ch.html for ch in c.choices})
        data.update({f"target_{ch.id}": ch.html for ch in c.targets})
        data.update({f"match_{s}": t for s, t in (c.key or {}).items()})
    elif c.type == ItemType.ORDERING:
        by_id = {ch.id: ch.html for ch in c.choices}
        data["order_items"] = "\n".join(by_id[i] for i in (c.key or []) if i in by_id)
    elif c.type == ItemType.CLOZE:
        lines = []
        for gap in c.gaps:
            if gap.kind == "choice":
                spec = "; ".join(("*" if ch.id == gap.key else "") + ch.html for ch in gap.choices)
                lines.append(f"{gap.id} chọn: {spec}")
            elif gap.kind == "text":
                keys = gap.key if isinstance(gap.key, list) else [gap.key]
                lines.append(f"{gap.id} chữ: {'; '.join(str(k) for k in keys)}")
            else:
                lines.append(f"{gap.id} số: {gap.key}")
        data["gaps"] = "\n".join(lines)
    return data
