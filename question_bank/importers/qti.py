"""IMS QTI 2.1, 2.2 and 3.0 items and content packages (zip with imsmanifest.xml).

QTI 3.0 names (`qti-choice-interaction`, `response-identifier`) are rewritten to the 2.x names
(`choiceInteraction`, `responseIdentifier`) so one reader handles every version. Interactions we
cannot represent (hotspot, slider, upload, ...) are reported by name, never dropped silently.
Malformed packages are rejected as a whole with the reason.
"""

from __future__ import annotations

import mimetypes
import posixpath
import re
import zipfile
from collections.abc import Callable
from io import BytesIO
from pathlib import Path
from typing import Any

from defusedxml import ElementTree as SafeET
from django.utils.translation import gettext as _
from lxml import etree

from core.api import zip_problem

from ..interchange import (
    Asset,
    Choice,
    Gap,
    ImportProblem,
    ItemContent,
    ItemMeta,
    ItemType,
    ParsedItem,
    ParseResult,
)
from .common import UnreadableFile, esc, problem, unsupported

_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True
)
INLINE_GAPS = {"textEntryInteraction", "inlineChoiceInteraction"}
BLOCK = {
    "choiceInteraction",
    "extendedTextInteraction",
    "orderInteraction",
    "matchInteraction",
    "gapMatchInteraction",
}
KNOWN_INTERACTIONS = INLINE_GAPS | BLOCK
# Interactions that can each become one gap of a cloze when an item has several of them.
GAP_LIKE = INLINE_GAPS | {"choiceInteraction"}
DROP = {"modalFeedback", "feedbackBlock", "feedbackInline", "rubricBlock", "templateBlock"}


def _camel(name: str) -> str:
    if name.startswith("qti-"):
        name = name[4:]
    head, *rest = name.split("-")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def load_xml(data: bytes, location: str) -> Any:
    """Parse safely (no entities, no network) and normalise to QTI 2.x names without namespaces."""
    try:
        SafeET.fromstring(data)  # rejects entity expansion and external references
        root = etree.fromstring(data, _PARSER)
    except (SafeET.ParseError, etree.XMLSyntaxError, ValueError) as exc:
        raise UnreadableFile(
            _("%(loc)s: XML không hợp lệ (%(e)s).") % {"loc": location, "e": exc}
        ) from exc
    except Exception as exc:  # defusedxml's refusals (DTDForbidden, EntitiesForbidden, ...)
        raise UnreadableFile(
            _("%(loc)s: XML bị từ chối vì lí do an toàn (%(e)s).")
            % {"loc": location, "e": type(exc).__name__}
        ) from exc
    v3 = "imsqtiasi_v3p0" in (etree.QName(root).namespace or "")
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        qname = etree.QName(el)
        local = qname.localname
        xhtml_or_qti = qname.namespace is None or "imsqti" in qname.namespace
        el.tag = _camel(local) if v3 and xhtml_or_qti else local
        if v3:
            for attr in [str(a) for a in el.attrib]:
                if "-" in attr and not attr.startswith(("data-", "aria-")) and "}" not in attr:
                    el.attrib[_camel(attr)] = el.attrib.pop(attr)
    for attr in [str(a) for a in root.attrib if str(a).startswith("{")]:
        del root.attrib[attr]  # xsi:schemaLocation and the like; they would leak into HTML
    etree.cleanup_namespaces(root)
    return root


def _values(decl: Any, path: str) -> list[str]:
    node = decl.find(path) if decl is not None else None
    return [(v.text or "").strip() for v in node.findall("value")] if node is not None else []


def _mapped(decl: Any) -> list[str]:
    if decl is None:
        return []
    entries = decl.findall("mapping/mapEntry")
    return [e.get("mapKey", "") for e in entries if float(e.get("mappedValue", "0")) > 0]


def _html(el: Any) -> str:
    """Inner HTML of an element (text, children, tails)."""
    parts = [esc(el.text or "")]
    for child in el:
        parts.append(etree.tostring(child, method="html", encoding="unicode", with_tail=True))
    return "".join(parts).strip()


def _outer(el: Any) -> str:
    if el.tag == "prompt":
        el.tag = "p"
    return etree.tostring(el, method="html", encoding="unicode", with_tail=False)


def _remove(el: Any) -> None:
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail or ""
    prev = el.getprevious()
    if prev is not None:
        prev.tail = (prev.tail or "") + tail
    else:
        parent.text = (parent.text or "") + tail
    parent.remove(el)


def _replace_with_text(el: Any, text: str) -> None:
    el.tail = text + (el.tail or "")
    _remove(el)


def parse_item(
    root: Any, location: str, read_asset: Callable[[str], bytes | None] | None = None
) -> tuple[ParsedItem | None, ImportProblem | None]:
    if root.tag != "assessmentItem":
        return None, problem(
            location, _("Không phải câu hỏi QTI (thẻ gốc là <%(t)s>).") % {"t": root.tag}
        )
    body = root.find("itemBody")
    if body is None:
        return None, problem(location, _("Câu hỏi QTI thiếu phần itemBody."))
    decls = {d.get("identifier"): d for d in root.findall("responseDeclaration")}
    interactions = [el for el in body.iter() if str(el.tag).endswith("Interaction")]
    names = sorted({str(el.tag) for el in interactions})
    foreign = [n for n in names if n not in KNOWN_INTERACTIONS]
    if foreign:
        return None, unsupported(location, ", ".join(foreign))
    if not interactions:
        return None, problem(location, _("Câu hỏi QTI không có tương tác nào để trả lời."))
    for el in list(body.iter()):
        if el.tag in DROP:
            _remove(el)
    title = root.get("title", "")
    blocks = [el for el in interactions if el.tag in BLOCK]
    try:
        several = len(interactions) > 1
        if several and all(el.tag in GAP_LIKE for el in interactions):
            content = _gaps(interactions, decls, body)
        elif blocks and several and blocks[0].tag != "gapMatchInteraction":
            return None, unsupported(
                location, _("nhiều tương tác trong một câu: %(n)s") % {"n": ", ".join(names)}
            )
        elif blocks:
            content = _block(blocks[0], decls, body)
        else:
            content = _gaps(interactions, decls, body)
    except KeyError as exc:
        return None, problem(
            location, _("Thiếu khai báo đáp án (responseDeclaration) %(id)s.") % {"id": exc}
        )
    except ValueError as exc:
        return None, problem(location, str(exc))
    _tidy(content)
    assets: list[Asset] = []
    if read_asset is not None:
        for img in re.findall(r'<img[^>]+src="([^"]+)"', _all_html(content)):
            data = read_asset(img)
            if data is not None:
                mime = mimetypes.guess_type(img)[0] or "application/octet-stream"
                assets.append(Asset(name=img, mime=mime, data=data))
    return ParsedItem(
        content=content,
        meta=ItemMeta(source=title),
        number=root.get("identifier"),
        assets=assets,
        location=location,
    ), None


def _squash(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", html)).strip()


def _tidy(content: ItemContent) -> None:
    """Source indentation is not content."""
    content.stem_html = _squash(content.stem_html)
    for choice in [
        *content.choices,
        *content.targets,
        *(c for g in content.gaps for c in g.choices),
    ]:
        choice.html = _squash(choice.html)


def _all_html(content: ItemContent) -> str:
    return content.stem_html + "".join(c.html for c in [*content.choices, *content.targets])


def _correct(decls: dict[str, Any], interaction: Any) -> list[str]:
    decl = decls[interaction.get("responseIdentifier")]
    return _values(decl, "correctResponse") or _mapped(decl)


def _choices(interaction: Any, tag: str) -> list[Choice]:
    out = []
    for c in interaction.findall(tag):
        out.append(
            Choice(
                id=c.get("identifier", ""),
                html=_html(c),
                fixed=c.get("fixed") == "true",
            )
        )
    return out


def _block(interaction: Any, decls: dict[str, Any], body: Any) -> ItemContent:
    tag = interaction.tag
    prompt_el = interaction.find("prompt")
    prompt = _outer(prompt_el) if prompt_el is not None else ""
    if tag == "gapMatchInteraction":
        return _gap_match(interaction, decls, prompt)
    for extra in ("prompt",):
        for p in interaction.findall(extra):
            _remove(p)
    if tag == "choiceInteraction":
        choices = _choices(interaction, "simpleChoice")
        _remove(interaction)
        stem = _html(body) + prompt
        decl = decls[interaction.get("responseIdentifier")]
        correct = _correct(decls, interaction)
        if not correct:
            raise ValueError(_("Không có đáp án đúng (correctResponse)."))
        if decl.get("cardinality") == "single":
            return ItemContent(ItemType.SINGLE_CHOICE, stem, choices=choices, key=correct[0])
        order = [c.id for c in choices]
        return ItemContent(
            ItemType.MULTIPLE_RESPONSE,
            stem,
            choices=choices,
            key=sorted(correct, key=lambda k: order.index(k) if k in order else len(order)),
        )
    if tag == "extendedTextInteraction":
        _remove(interaction)
        return ItemContent(ItemType.ESSAY, _html(body) + prompt)
    if tag == "orderInteraction":
        choices = _choices(interaction, "simpleChoice")
        _remove(interaction)
        correct = _correct(decls, interaction)
        if not correct:
            raise ValueError(_("Không có thứ tự đúng (correctResponse)."))
        return ItemContent(ItemType.ORDERING, _html(body) + prompt, choices=choices, key=correct)
    # matchInteraction: two simpleMatchSets, key from directedPair "source target"
    sets = interaction.findall("simpleMatchSet")
    if len(sets) != 2:
        raise ValueError(_("Câu ghép đôi cần đúng hai cột."))
    sources = _choices(sets[0], "simpleAssociableChoice")
    targets = _choices(sets[1], "simpleAssociableChoice")
    _remove(interaction)
    pairs = [v.split() for v in _correct(decls, interaction)]
    return ItemContent(
        ItemType.MATCHING,
        _html(body) + prompt,
        choices=sources,
        targets=targets,
        key={p[0]: p[1] for p in pairs if len(p) == 2},
    )


def _gap_match(interaction: Any, decls: dict[str, Any], prompt: str) -> ItemContent:
    words = _choices(interaction, "gapText") or _choices(interaction, "gapImg")
    pairs = [v.split() for v in _correct(decls, interaction)]
    answer_for = {p[1]: p[0] for p in pairs if len(p) == 2}  # gap -> gapText
    gaps: list[Gap] = []
    for el in list(interaction.iter("gap")):
        gap_id = el.get("identifier", "")
        if gap_id not in answer_for:
            raise ValueError(_("Chỗ trống %(g)s không có đáp án.") % {"g": gap_id})
        gaps.append(Gap(gap_id, "choice", choices=words, key=answer_for[gap_id]))
        _replace_with_text(el, f"[[{gap_id}]]")
    for tag in ("gapText", "gapImg", "prompt"):
        for el in interaction.findall(tag):
            _remove(el)
    return ItemContent(ItemType.CLOZE, _html(interaction), gaps=gaps)


def _gaps(interactions: list[Any], decls: dict[str, Any], body: Any) -> ItemContent:
    """Text entries and inline choices: one number/text box alone is a short answer item;
    otherwise a cloze with a gap for each."""
    if len(interactions) == 1 and interactions[0].tag == "textEntryInteraction":
        el = interactions[0]
        decl = decls[el.get("responseIdentifier")]
        correct = _correct(decls, el)
        if not correct:
            raise ValueError(_("Không có đáp án đúng (correctResponse)."))
        _replace_with_text(el, "_____")
        stem = _html(body)
        if decl.get("baseType") in ("float", "integer"):
            return ItemContent(ItemType.SHORT_NUMERIC, stem, key=correct[0])
        accepted = list(dict.fromkeys([*correct, *_mapped(decl)]))
        mapping = decl.find("mapping")
        case = mapping is not None and any(
            e.get("caseSensitive") == "true" for e in mapping.findall("mapEntry")
        )
        return ItemContent(ItemType.SHORT_TEXT, stem, key=accepted, case_sensitive=case)
    gaps: list[Gap] = []
    for el in interactions:
        gap_id = el.get("responseIdentifier", f"g{len(gaps) + 1}")
        decl = decls[gap_id]
        correct = _correct(decls, el)
        if not correct:
            raise ValueError(_("Chỗ trống %(g)s không có đáp án.") % {"g": gap_id})
        if el.tag == "inlineChoiceInteraction":
            gaps.append(Gap(gap_id, "choice", choices=_choices(el, "inlineChoice"), key=correct[0]))
        elif el.tag == "choiceInteraction":
            single = decl.get("cardinality") == "single"
            prompt = el.find("prompt")
            label = _outer(prompt) if prompt is not None else ""
            gaps.append(
                Gap(
                    gap_id,
                    "choice",
                    choices=_choices(el, "simpleChoice"),
                    key=correct[0] if single else correct,
                )
            )
            el.tail = label + (el.tail or "")
        elif decl.get("baseType") in ("float", "integer"):
            gaps.append(Gap(gap_id, "numeric", key=correct[0]))
        else:
            gaps.append(Gap(gap_id, "text", key=list(dict.fromkeys([*correct, *_mapped(decl)]))))
        _replace_with_text(el, f"[[{gap_id}]]")
    return ItemContent(ItemType.CLOZE, _html(body), gaps=gaps)


def _zip_reader(archive: zipfile.ZipFile, base: str) -> Callable[[str], bytes | None]:
    names = set(archive.namelist())

    def read(src: str) -> bytes | None:
        path = posixpath.normpath(posixpath.join(posixpath.dirname(base), src))
        return archive.read(path) if path in names else None

    return read


ITEM_TYPES = re.compile(r"^imsqti_item_xmlv(2p0|2p1|2p2|3p0)")
TEST_TYPES = re.compile(r"^imsqti_test_xmlv(2p1|2p2|3p0)")


def _require(names: list[str], href: str, filename: str) -> None:
    if href not in names:
        raise UnreadableFile(
            _("%(f)s: gói trỏ tới %(h)s nhưng không có tệp này.") % {"f": filename, "h": href}
        )


def parse_package(data: bytes, filename: str) -> ParseResult:
    try:
        archive = zipfile.ZipFile(BytesIO(data))
        names = archive.namelist()
    except zipfile.BadZipFile as exc:
        raise UnreadableFile(
            _("%(f)s: không phải gói zip hợp lệ (%(e)s).") % {"f": filename, "e": exc}
        ) from exc
    refused = zip_problem(archive)
    if refused:
        raise UnreadableFile(f"{filename}: {refused}")
    if "imsmanifest.xml" not in names:
        nested = [n for n in names if n.endswith("/imsmanifest.xml")]
        reason = (
            _("imsmanifest.xml nằm trong thư mục con %(d)s, phải ở gốc gói.") % {"d": nested[0]}
            if nested
            else _("thiếu imsmanifest.xml ở gốc gói.")
        )
        raise UnreadableFile(f"{filename}: {reason}")
    manifest = load_xml(archive.read("imsmanifest.xml"), f"{filename}/imsmanifest.xml")
    items: list[ParsedItem] = []
    problems: list[ImportProblem] = []
    hrefs = [
        r.get("href", "") for r in manifest.iter("resource") if ITEM_TYPES.match(r.get("type", ""))
    ]
    for resource in manifest.iter("resource"):
        if not TEST_TYPES.match(resource.get("type", "")) or hrefs:
            continue
        test_href = resource.get("href", "")
        _require(names, test_href, filename)
        test = load_xml(archive.read(test_href), f"{filename}/{test_href}")
        for ref in test.iter("assessmentItemRef"):
            path = posixpath.normpath(
                posixpath.join(posixpath.dirname(test_href), ref.get("href", ""))
            )
            hrefs.append(path)
    if not hrefs:
        raise UnreadableFile(
            _("%(f)s: imsmanifest.xml không khai báo câu hỏi QTI nào.") % {"f": filename}
        )
    for href in hrefs:
        location = f"{filename}/{href}"
        _require(names, href, filename)
        root = load_xml(archive.read(href), location)
        item, issue = parse_item(root, location, _zip_reader(archive, href))
        if item is not None:
            items.append(item)
        if issue is not None:
            problems.append(issue)
    return ParseResult(items=items, problems=problems)


def _dir_reader(base: Path) -> Callable[[str], bytes | None]:
    """Files beside the item (or in a sibling folder, as "../img/x.png"), never further out."""
    allowed = base.resolve().parent

    def read(src: str) -> bytes | None:
        path = (base / src).resolve()
        return path.read_bytes() if path.is_file() and allowed in path.parents else None

    return read


def parse_qti_file(data: bytes, filename: str, base_dir: str | None = None) -> ParseResult:
    """A single item file; images next to it are read from `base_dir` when given."""
    root = load_xml(data, filename)
    if root.tag == "questestinterop":
        raise UnreadableFile(
            _("%(f)s: QTI 1.2 chưa được hỗ trợ; hãy xuất lại dưới dạng QTI 2.1 hoặc 3.0.")
            % {"f": filename}
        )
    reader = _dir_reader(Path(base_dir)) if base_dir is not None else None
    item, issue = parse_item(root, filename, reader)
    return ParseResult(items=[item] if item else [], problems=[issue] if issue else [])
