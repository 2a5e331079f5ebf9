"""Word (.docx) tests in the format Vietnamese teachers use (see docs/question-bank-docx.md).

"Câu 1:" / "Câu 1." starts a question; "A." to "D." are options (several may share a line);
the correct option is marked by a leading "*", underline, red colour, highlight or bold (a
mark counts only when it singles out some options, not all), or given by an "Đáp án:" line,
"Chọn B" in the solution, or a "BẢNG ĐÁP ÁN" table. "PHẦN I/II/III" select the 2025 types:
single choice, true/false clusters (statements "a)" to "d)", keys Đ/S), short numeric answers.
"Lời giải" / "Hướng dẫn giải" start the solution. Images become assets; Word equations
(OMML) become LaTeX for KaTeX.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

import docx
from django.utils.translation import gettext as _
from docx.document import Document as DocumentObject
from docx.oxml.ns import qn

from core.api import fold

from ..interchange import (
    Asset,
    Choice,
    ImportProblem,
    ItemContent,
    ItemType,
    ParsedItem,
    ParseResult,
    Part,
    Stimulus,
)
from .common import UnreadableFile, esc, problem
from .omml import M, omml_to_latex

QUESTION_RE = re.compile(r"^\s*Câu\s+(\d+)\s*[:.)]\s*", re.IGNORECASE)
PART_RE = re.compile(r"^\s*phan\s+(iii|ii|i|3|2|1)\b", re.IGNORECASE)  # on folded text
OPTION_RE = re.compile(r"(?:^|(?<=\s))(\*?)([A-D])[.)](?=\s|$|\S)")
OPTION_START_RE = re.compile(r"^\s*\*?[A-D][.)]")
STATEMENT_RE = re.compile(r"(?:^|(?<=\s))(\*?)([a-d])\)")
STATEMENT_START_RE = re.compile(r"^\s*\*?[a-d]\)")
KEY_LINE_RE = re.compile(r"^\s*(?:Đáp\s*án|ĐÁP\s*ÁN)\s*(?:đúng)?\s*[:.]\s*(.*)$", re.IGNORECASE)
SOLUTION_RE = re.compile(
    r"^\s*(Lời\s+giải|Hướng\s+dẫn\s+giải|Giải)\s*(?:chi\s+tiết)?\s*[:.]?\s*", re.IGNORECASE
)
CHOOSE_RE = re.compile(r"\bChọn\s+(?:đáp\s+án\s+|phương\s+án\s+)?([A-D])\b")
TABLE_HEADING_RE = re.compile(r"^\s*bang\s+dap\s+an\b")  # on folded text
STIMULUS_RE = re.compile(
    r"(?:dùng|sử dụng|đọc|dựa vào).*?câu\s*(\d+)\s*(?:đến|và|-|–|tới)\s*(?:câu\s*)?(\d+)",
    re.IGNORECASE,
)
TF_PAIR_RE = re.compile(r"([a-d])\s*[).:\-]?\s*(Đúng|Sai|Đ|S)(?![A-Za-zÀ-ỹ])", re.IGNORECASE)
LETTERS_RE = re.compile(r"^\s*([A-D](?:\s*[,;và ]\s*[A-D])*)\s*[.;]?\s*$")
PARTS = {"i": Part.I, "1": Part.I, "ii": Part.II, "2": Part.II, "iii": Part.III, "3": Part.III}
MARKS = ("underline", "red", "highlight", "bold")
# Elements that hold runs of the paragraph (links, tracked insertions, content controls).
CONTAINERS = {qn("w:hyperlink"), qn("w:ins"), qn("w:smartTag"), qn("w:sdt"), qn("w:sdtContent")}


@dataclass
class Token:
    text: str
    html: str
    bold: bool = False
    underline: bool = False
    red: bool = False
    highlight: bool = False


@dataclass
class Para:
    tokens: list[Token]
    index: int  # paragraph number in the document, for error locations

    @property
    def text(self) -> str:
        return "".join(t.text for t in self.tokens)


@dataclass
class Marked:
    """An option or statement: its id, HTML and which marks its label or whole text carries."""

    id: str
    html: str
    marks: set[str] = field(default_factory=set)


@dataclass
class Draft:
    number: str
    part: Part | None
    para: int
    stem: list[str] = field(default_factory=list)
    options: list[Marked] = field(default_factory=list)
    statements: list[Marked] = field(default_factory=list)
    solution: list[str] = field(default_factory=list)
    key_text: str | None = None
    in_solution: bool = False
    stimulus_ref: str | None = None


def _is_red(run: Any) -> bool:
    color = run.find(qn("w:rPr") + "/" + qn("w:color"))
    if color is None:
        return False
    value = (color.get(qn("w:val")) or "").upper()
    if len(value) != 6 or value == "AUTO":
        return False
    r, g, b = (int(value[i : i + 2], 16) for i in (0, 2, 4))
    return r >= 0xC0 and g < 0x70 and b < 0x70


def _flag(run: Any, name: str) -> bool:
    el = run.find(qn("w:rPr") + "/" + qn(name))
    if el is None:
        return False
    val = el.get(qn("w:val"))
    return val not in {"0", "false", "none"}


class _Reader:
    def __init__(self, document: DocumentObject, filename: str) -> None:
        self.doc = document
        self.filename = filename
        self.assets: list[Asset] = []
        self._asset_names: dict[str, str] = {}

    def _image(self, rid: str) -> str:
        if rid not in self._asset_names:
            part = self.doc.part.related_parts.get(rid)
            if part is None:
                return ""
            ext = part.partname.split(".")[-1].lower()
            name = f"image{len(self.assets) + 1}.{ext}"
            self.assets.append(Asset(name=name, mime=part.content_type, data=part.blob))
            self._asset_names[rid] = name
        return f'<img src="{self._asset_names[rid]}" alt="">'

    def _run(self, r: Any) -> Token:
        text_parts: list[str] = []
        html_parts: list[str] = []
        for child in r:
            if child.tag == qn("w:t"):
                text_parts.append(child.text or "")
                html_parts.append(esc(child.text or ""))
            elif child.tag == qn("w:tab"):
                text_parts.append("\t")
                html_parts.append(" ")
            elif child.tag in (qn("w:br"), qn("w:cr")):
                text_parts.append(" ")
                html_parts.append("<br>")
            elif child.tag in (qn("w:drawing"), qn("w:pict"), qn("w:object")):
                for blip in child.iter(qn("a:blip"), "{urn:schemas-microsoft-com:vml}imagedata"):
                    rid = blip.get(qn("r:embed")) or blip.get(qn("r:id"))
                    if rid:
                        html_parts.append(self._image(rid))
                        text_parts.append(" ")
        html = "".join(html_parts)
        vert = r.find(qn("w:rPr") + "/" + qn("w:vertAlign"))
        if vert is not None and html:
            tag = {"superscript": "sup", "subscript": "sub"}.get(vert.get(qn("w:val")) or "")
            if tag:
                html = f"<{tag}>{html}</{tag}>"
        underline = r.find(qn("w:rPr") + "/" + qn("w:u"))
        return Token(
            text="".join(text_parts),
            html=html,
            bold=_flag(r, "w:b"),
            underline=underline is not None and underline.get(qn("w:val")) not in {"none", "0"},
            red=_is_red(r),
            highlight=r.find(qn("w:rPr") + "/" + qn("w:highlight")) is not None
            or r.find(qn("w:rPr") + "/" + qn("w:shd")) is not None,
        )

    def _tokens(self, el: Any) -> list[Token]:
        tokens: list[Token] = []
        for child in el:
            if child.tag == qn("w:r"):
                tokens.append(self._run(child))
            elif child.tag in (f"{{{M}}}oMath", f"{{{M}}}oMathPara"):
                latex = omml_to_latex(child)
                tokens.append(Token(text=latex, html=esc(latex)))
            elif child.tag in CONTAINERS:
                tokens.extend(self._tokens(child))
        return tokens

    def paragraph(self, p: Any, index: int) -> Para:
        return Para(self._tokens(p), index)

    def table(self, tbl: Any) -> tuple[list[list[str]], str]:
        """Cell texts, and the table as HTML (for tables inside a question)."""
        rows: list[list[str]] = []
        html_rows: list[str] = []
        for tr in tbl.iter(qn("w:tr")):
            cells: list[str] = []
            html_cells: list[str] = []
            for tc in tr.iter(qn("w:tc")):
                paras = [self.paragraph(p, 0) for p in tc.iter(qn("w:p"))]
                cells.append(" ".join(p.text for p in paras).strip())
                html_cells.append(
                    "<td>" + "<br>".join("".join(t.html for t in p.tokens) for p in paras) + "</td>"
                )
            rows.append(cells)
            html_rows.append("<tr>" + "".join(html_cells) + "</tr>")
        return rows, "<table><tbody>" + "".join(html_rows) + "</tbody></table>"


def _slice_html(tokens: list[Token], start: int, end: int) -> tuple[str, set[str], set[str]]:
    """HTML of characters [start, end) of the paragraph, the marks on every visible character
    (the whole text marked) and the marks on any character (used for the label)."""
    pos = 0
    html: list[str] = []
    all_marks = set(MARKS)
    any_marks: set[str] = set()
    for tok in tokens:
        tok_start, tok_end = pos, pos + len(tok.text)
        pos = tok_end
        if tok_end <= start or tok_start >= end:
            if not tok.text and start <= tok_start < end:
                html.append(tok.html)  # an image
            continue
        if tok_start >= start and tok_end <= end:
            html.append(tok.html)
            piece = tok.text
        else:
            piece = tok.text[max(start - tok_start, 0) : end - tok_start]
            html.append(esc(piece))
        if piece.strip():
            marks = {m for m in MARKS if getattr(tok, m)}
            all_marks &= marks
            any_marks |= marks
    if not any_marks:
        all_marks = set()
    return "".join(html).strip(), all_marks, any_marks


def _split_labelled(para: Para, pattern: re.Pattern[str]) -> list[Marked]:
    text = para.text
    found = list(pattern.finditer(text))
    out: list[Marked] = []
    for i, m in enumerate(found):
        end = found[i + 1].start() if i + 1 < len(found) else len(text)
        body_html, whole_marks, _ = _slice_html(para.tokens, m.end(), end)
        _h, _w, label_marks = _slice_html(para.tokens, m.start(2), m.end())
        marks = label_marks | whole_marks
        if m.group(1):
            marks.add("asterisk")
        out.append(Marked(id=m.group(2), html=body_html, marks=marks))
    return out


def _marked_key(options: list[Marked]) -> list[str] | None:
    """Options singled out by a mark: asterisk first, then underline, red, highlight, bold."""
    for mark in ("asterisk", *MARKS):
        chosen = [o.id for o in options if mark in o.marks]
        if chosen and len(chosen) < len(options):
            return chosen
    return None


def _parse_key_text(text: str) -> dict[str, Any]:
    pairs = TF_PAIR_RE.findall(text)
    out: dict[str, Any] = {"raw": text.strip()}
    if pairs:
        out["tf"] = {k.lower(): v.upper().startswith("Đ") for k, v in pairs}
    compact = text.strip().replace(" ", "")
    if re.fullmatch(r"[ĐS]{2,4}", compact, re.IGNORECASE):
        out["tf"] = {"abcd"[i]: ch.upper() == "Đ" for i, ch in enumerate(compact)}
    letters = LETTERS_RE.match(text)
    if letters:
        out["letters"] = re.findall(r"[A-D]", letters.group(1))
    return out


def _answer_table(rows: list[list[str]]) -> list[tuple[str, str]]:
    """(question number, answer) pairs from a "BẢNG ĐÁP ÁN" table in any usual layout."""
    pairs: list[tuple[str, str]] = []
    cell_re = re.compile(r"^(?:Câu\s*)?(\d+)\s*[.\-:)]?\s*(\S.*)$", re.IGNORECASE)

    def numbers(row: list[str]) -> list[str] | None:
        cells = [c for c in row if c]
        if cells and not cells[0].isdigit():
            cells = cells[1:]
        return cells if cells and all(c.isdigit() for c in cells) else None

    i = 0
    while i < len(rows):
        row = rows[i]
        nums = numbers(row)
        if nums is not None and i + 1 < len(rows):
            answers = [c for c in rows[i + 1] if c]
            if len(answers) == len(nums) + 1:
                answers = answers[1:]
            pairs += list(zip(nums, answers, strict=False))
            i += 2
            continue
        cells = [c for c in row if c]
        if len(cells) >= 2 and all(cells[j].isdigit() for j in range(0, len(cells) - 1, 2)):
            pairs += [(cells[j], cells[j + 1]) for j in range(0, len(cells) - 1, 2)]
        else:
            for cell in cells:
                m = cell_re.match(cell)
                if m:
                    pairs.append((m.group(1), m.group(2).strip()))
        i += 1
    return pairs


def _body_elements(document: DocumentObject) -> list[Any]:
    return [el for el in document.element.body if el.tag in (qn("w:p"), qn("w:tbl"))]


def parse_docx(data: bytes, filename: str) -> ParseResult:
    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise UnreadableFile(
            _("%(f)s: không phải tệp Word .docx đọc được (%(e)s).") % {"f": filename, "e": exc}
        ) from exc
    reader = _Reader(document, filename)
    problems: list[ImportProblem] = []
    drafts: list[Draft] = []
    stimuli: list[Stimulus] = []
    table_keys: dict[tuple[Part | None, str], str] = {}
    part: Part | None = None
    current: Draft | None = None
    in_key_table = False
    stimulus: tuple[Stimulus, set[str]] | None = None
    pending_stimulus: dict[str, str] = {}

    for index, el in enumerate(_body_elements(document), start=1):
        if el.tag == qn("w:tbl"):
            rows, table_html = reader.table(el)
            if in_key_table:
                for number, answer in _answer_table(rows):
                    table_keys[(part, number)] = answer
            elif current is not None:
                (current.solution if current.in_solution else current.stem).append(table_html)
            elif stimulus is not None:
                stimulus[0].html += table_html
            continue
        para = reader.paragraph(el, index)
        text = para.text.strip()
        html = "".join(t.html for t in para.tokens).strip()
        if not text and "<img" not in html:
            continue
        folded = fold(text)
        if TABLE_HEADING_RE.match(folded):
            in_key_table, current, stimulus = True, None, None
            continue
        part_match = PART_RE.match(folded)
        if part_match and len(text) < 200 and not QUESTION_RE.match(text):
            part = PARTS[part_match.group(1).lower()]
            current, stimulus = None, None
            continue
        if in_key_table:
            m = QUESTION_RE.match(text)
            if m:
                table_keys[(part, m.group(1))] = text[m.end() :].strip()
            continue
        q = QUESTION_RE.match(text)
        if q:
            current = Draft(number=q.group(1), part=part, para=index)
            if current.number in pending_stimulus:
                current.stimulus_ref = pending_stimulus[current.number]
            drafts.append(current)
            stimulus = None
            rest_html, _all, _any = _slice_html(para.tokens, q.end(), len(para.text))
            if rest_html:
                current.stem.append(f"<p>{rest_html}</p>")
            continue
        if current is None:
            s = STIMULUS_RE.search(text)
            if s:
                ref = f"s{len(stimuli) + 1}"
                stim = Stimulus(ref=ref, html=f"<p>{html}</p>")
                stimuli.append(stim)
                first, last = int(s.group(1)), int(s.group(2))
                for n in range(first, last + 1):
                    pending_stimulus[str(n)] = ref
                stimulus = (stim, {str(n) for n in range(first, last + 1)})
            elif stimulus is not None:
                stimulus[0].html += f"<p>{html}</p>"
            continue
        key_line = KEY_LINE_RE.match(text)
        if key_line:
            current.key_text = key_line.group(1)
            continue
        sol = SOLUTION_RE.match(text)
        if sol and (sol.group(1).lower() != "giải" or text.strip().lower().startswith("giải")):
            current.in_solution = True
            rest_html, _all, _any = _slice_html(para.tokens, sol.end(), len(para.text))
            if rest_html:
                current.solution.append(f"<p>{rest_html}</p>")
            continue
        if current.in_solution:
            current.solution.append(f"<p>{html}</p>")
        elif OPTION_START_RE.match(text) and current.part not in (Part.II, Part.III):
            current.options += _split_labelled(para, OPTION_RE)
        elif STATEMENT_START_RE.match(text) and current.part not in (Part.I, Part.III):
            current.statements += _split_labelled(para, STATEMENT_RE)
        else:
            current.stem.append(f"<p>{html}</p>")

    items: list[ParsedItem] = []
    seen: set[tuple[Part | None, str]] = set()
    for draft in drafts:
        location = _location(filename, draft)
        if (draft.part, draft.number) in seen:
            problems.append(problem(location, _("Số câu bị trùng trong cùng một phần.")))
            continue
        seen.add((draft.part, draft.number))
        table_key = table_keys.get((draft.part, draft.number)) or table_keys.get(
            (None, draft.number)
        )
        content, error = _build(draft, table_key)
        if error:
            problems.append(problem(location, error))
            continue
        assert content is not None
        items.append(
            ParsedItem(
                content=content,
                number=draft.number,
                part=draft.part,
                stimulus_ref=draft.stimulus_ref,
                location=location,
            )
        )
    if not drafts:
        problems.append(
            problem(filename, _("Không tìm thấy câu hỏi nào (mỗi câu bắt đầu bằng “Câu 1:”).")),
        )
    # Every item carries all of the document's assets; the importer stores each file once.
    for item in items:
        item.assets = [a for a in reader.assets if a.name in _html_of(item.content)]
    for stim in stimuli:
        stim.assets = [a for a in reader.assets if a.name in stim.html]
    return ParseResult(items=items, stimuli=stimuli, problems=problems)


def _html_of(content: ItemContent) -> str:
    return content.stem_html + content.solution_html + "".join(c.html for c in content.choices)


def _location(filename: str, draft: Draft) -> str:
    part = f"Phần {draft.part.value}, " if draft.part else ""
    return f"{filename}, {part}Câu {draft.number} (đoạn {draft.para})"


def _build(draft: Draft, table_key: str | None) -> tuple[ItemContent | None, str | None]:
    stem = "".join(draft.stem)
    solution = "".join(draft.solution)
    key_sources = [k for k in (draft.key_text, table_key) if k]
    parsed = [_parse_key_text(k) for k in key_sources]
    if draft.options:
        choices = [Choice(id=o.id, html=o.html) for o in draft.options]
        ids = [o.id for o in draft.options]
        if len(set(ids)) != len(ids):
            return None, _("Phương án bị trùng nhãn (%(ids)s).") % {"ids": ", ".join(ids)}
        letters: list[str] | None = next((p["letters"] for p in parsed if "letters" in p), None)
        if letters is None:
            letters = _marked_key(draft.options)
        if letters is None:
            chosen = CHOOSE_RE.findall(solution)
            letters = chosen[-1:] if chosen else None
        if not letters:
            return None, _(
                "Không xác định được đáp án đúng (gạch chân, in đậm, tô đỏ, dấu *, "
                "dòng “Đáp án:” hoặc bảng đáp án)."
            )
        missing = [k for k in letters if k not in ids]
        if missing:
            return None, _("Đáp án %(k)s không có trong các phương án.") % {"k": ", ".join(missing)}
        if len(letters) == 1:
            return ItemContent(
                type=ItemType.SINGLE_CHOICE,
                stem_html=stem,
                choices=choices,
                key=letters[0],
                solution_html=solution,
            ), None
        return ItemContent(
            type=ItemType.MULTIPLE_RESPONSE,
            stem_html=stem,
            choices=choices,
            key=[i for i in ids if i in letters],
            solution_html=solution,
        ), None
    if draft.statements or draft.part == Part.II:
        if not draft.statements:
            return None, _("Câu đúng/sai chưa có các ý a), b), c), d).")
        ids = [s.id for s in draft.statements]
        tf: dict[str, bool] | None = next((p["tf"] for p in parsed if "tf" in p), None)
        if tf is None:
            marked = _marked_key(draft.statements)
            if marked is not None:
                tf = {i: i in marked for i in ids}
        if tf is None:
            return None, _("Chưa có đáp án Đúng/Sai (Đ/S) cho các ý.")
        missing = [i for i in ids if i not in tf]
        if missing:
            return None, _("Chưa có đáp án Đúng/Sai cho ý: %(ids)s.") % {"ids": ", ".join(missing)}
        return ItemContent(
            type=ItemType.TRUE_FALSE_CLUSTER,
            stem_html=stem,
            choices=[Choice(id=s.id, html=s.html) for s in draft.statements],
            key={i: tf[i] for i in ids},
            solution_html=solution,
        ), None
    raw = next((p["raw"] for p in parsed if p["raw"]), None)
    if draft.part == Part.III or (raw and re.fullmatch(r"-?[\d,.]+", raw.replace(" ", ""))):
        if not raw:
            return None, _("Câu trả lời ngắn chưa có dòng “Đáp án: …”.")
        return ItemContent(
            type=ItemType.SHORT_NUMERIC,
            stem_html=stem,
            key=raw.replace(" ", "").rstrip("."),
            solution_html=solution,
        ), None
    if raw:
        return ItemContent(
            type=ItemType.SHORT_TEXT,
            stem_html=stem,
            key=[a.strip() for a in raw.split(";") if a.strip()],
            solution_html=solution,
        ), None
    return ItemContent(type=ItemType.ESSAY, stem_html=stem, solution_html=solution), None
