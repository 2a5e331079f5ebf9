"""QTI 2.1 and 3.0 items and content packages from ItemContent.

True/false clusters have no QTI interaction of their own; they are written as a
matchInteraction of the statements against "Đúng"/"Sai", which QTI players can run, and come
back from our importer as matching items (documented in docs/question-bank.md).
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

from lxml import etree
from lxml import html as lxml_html

from ..interchange import ItemContent, ItemType

NS = {
    "2.1": "http://www.imsglobal.org/xsd/imsqti_v2p1",
    "3.0": "http://www.imsglobal.org/xsd/imsqtiasi_v3p0",
}
RESOURCE = {"2.1": "imsqti_item_xmlv2p1", "3.0": "imsqti_item_xmlv3p0"}
MANIFEST_NS = {
    "2.1": "http://www.imsglobal.org/xsd/imscp_v1p1",
    "3.0": "http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1",
}
RP = {
    "2.1": "http://www.imsglobal.org/question/qti_v2p1/rptemplates/match_correct",
    "3.0": "https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/match_correct",
}
QTI_NAMES = {
    "assessmentItem",
    "responseDeclaration",
    "correctResponse",
    "value",
    "outcomeDeclaration",
    "defaultValue",
    "itemBody",
    "choiceInteraction",
    "simpleChoice",
    "prompt",
    "orderInteraction",
    "matchInteraction",
    "simpleMatchSet",
    "simpleAssociableChoice",
    "extendedTextInteraction",
    "textEntryInteraction",
    "inlineChoiceInteraction",
    "inlineChoice",
    "responseProcessing",
    "mapping",
    "mapEntry",
}


def _dash(match: re.Match[str]) -> str:
    return "-" + match.group(1).lower()


def _kebab(name: str) -> str:
    return "qti-" + re.sub(r"([A-Z])", _dash, name)


def _fragment(parent: Any, html_text: str) -> None:
    """Append HTML (as XHTML elements) to `parent`."""
    if not html_text:
        return
    wrapper = lxml_html.fragment_fromstring(html_text, create_parent="div")
    if wrapper.text:
        if len(parent):
            parent[-1].tail = (parent[-1].tail or "") + wrapper.text
        else:
            parent.text = (parent.text or "") + wrapper.text
    for child in wrapper:
        parent.append(child)


def _decl(root: Any, ident: str, cardinality: str, base: str, values: list[str]) -> Any:
    decl = etree.SubElement(
        root, "responseDeclaration", identifier=ident, cardinality=cardinality, baseType=base
    )
    if values:
        correct = etree.SubElement(decl, "correctResponse")
        for v in values:
            etree.SubElement(correct, "value").text = v
    return decl


def item_tree(content: ItemContent, identifier: str, title: str = "") -> Any:
    """The item as a QTI 2.1 element tree (no namespace yet)."""
    root = etree.Element(
        "assessmentItem",
        identifier=identifier,
        title=title or identifier,
        adaptive="false",
        timeDependent="false",
    )
    t = content.type
    if t in (ItemType.SINGLE_CHOICE, ItemType.MULTIPLE_RESPONSE):
        single = t == ItemType.SINGLE_CHOICE
        _decl(
            root,
            "RESPONSE",
            "single" if single else "multiple",
            "identifier",
            [content.key] if single else list(content.key),
        )
    elif t == ItemType.ORDERING:
        _decl(root, "RESPONSE", "ordered", "identifier", list(content.key))
    elif t == ItemType.MATCHING:
        _decl(
            root,
            "RESPONSE",
            "multiple",
            "directedPair",
            [f"{s} {d}" for s, d in content.key.items()],
        )
    elif t == ItemType.TRUE_FALSE_CLUSTER:
        _decl(
            root,
            "RESPONSE",
            "multiple",
            "directedPair",
            [f"{s} {'T' if v else 'F'}" for s, v in content.key.items()],
        )
    elif t == ItemType.SHORT_NUMERIC:
        _decl(root, "RESPONSE", "single", "float", [content.key.replace(",", ".")])
    elif t == ItemType.SHORT_TEXT:
        decl = _decl(root, "RESPONSE", "single", "string", list(content.key[:1]))
        mapping = etree.SubElement(decl, "mapping", defaultValue="0")
        for answer in content.key:
            etree.SubElement(
                mapping,
                "mapEntry",
                mapKey=answer,
                mappedValue="1",
                caseSensitive="true" if content.case_sensitive else "false",
            )
    elif t == ItemType.ESSAY:
        _decl(root, "RESPONSE", "single", "string", [])
    elif t == ItemType.CLOZE:
        for gap in content.gaps:
            if gap.kind == "choice":
                multiple = isinstance(gap.key, list)
                _decl(
                    root,
                    gap.id,
                    "multiple" if multiple else "single",
                    "identifier",
                    list(gap.key) if multiple else [gap.key],
                )
            elif gap.kind == "numeric":
                _decl(root, gap.id, "single", "float", [str(gap.key)])
            else:
                decl = _decl(root, gap.id, "single", "string", list(gap.key[:1]))
                mapping = etree.SubElement(decl, "mapping", defaultValue="0")
                for answer in gap.key:
                    etree.SubElement(mapping, "mapEntry", mapKey=answer, mappedValue="1")
    outcome = etree.SubElement(
        root, "outcomeDeclaration", identifier="SCORE", cardinality="single", baseType="float"
    )
    etree.SubElement(etree.SubElement(outcome, "defaultValue"), "value").text = "0"
    body = etree.SubElement(root, "itemBody")
    if t == ItemType.CLOZE:
        html_text = content.stem_html
        pieces = re.split(r"\[\[([^\]]+)\]\]", html_text)
        rebuilt = []
        for i, piece in enumerate(pieces):
            rebuilt.append(piece if i % 2 == 0 else f'<span data-gap="{piece}"></span>')
        wrapper = etree.SubElement(body, "div")
        _fragment(wrapper, "".join(rebuilt))
        gaps = {g.id: g for g in content.gaps}
        for span in list(wrapper.iter("span")):
            found = gaps.get(span.get("data-gap", ""))
            if found is None:
                continue
            gap = found
            span.attrib.clear()
            if gap.kind == "choice" and isinstance(gap.key, list):
                span.tag = "choiceInteraction"
                span.set("responseIdentifier", gap.id)
                span.set("shuffle", "false")
                span.set("maxChoices", "0")
                for c in gap.choices:
                    choice = etree.SubElement(span, "simpleChoice", identifier=c.id)
                    _fragment(choice, c.html)
            elif gap.kind == "choice":
                span.tag = "inlineChoiceInteraction"
                span.set("responseIdentifier", gap.id)
                span.set("shuffle", "false")
                for c in gap.choices:
                    choice = etree.SubElement(span, "inlineChoice", identifier=c.id)
                    choice.text = re.sub(r"<[^>]+>", "", c.html)
            else:
                span.tag = "textEntryInteraction"
                span.set("responseIdentifier", gap.id)
    else:
        stem_html = content.stem_html.replace("_____", '<span data-blank="1"></span>')
        _fragment(body, stem_html)
        blank = next(body.iter("span"), None) if "data-blank" in stem_html else None
        if t in (ItemType.SINGLE_CHOICE, ItemType.MULTIPLE_RESPONSE, ItemType.ORDERING):
            tag = "choiceInteraction" if t != ItemType.ORDERING else "orderInteraction"
            inter = etree.SubElement(body, tag, responseIdentifier="RESPONSE", shuffle="false")
            if t == ItemType.SINGLE_CHOICE:
                inter.set("maxChoices", "1")
            elif t == ItemType.MULTIPLE_RESPONSE:
                inter.set("maxChoices", "0")
            for c in content.choices:
                choice = etree.SubElement(
                    inter, "simpleChoice", identifier=c.id, fixed="true" if c.fixed else "false"
                )
                _fragment(choice, c.html)
        elif t in (ItemType.MATCHING, ItemType.TRUE_FALSE_CLUSTER):
            inter = etree.SubElement(
                body,
                "matchInteraction",
                responseIdentifier="RESPONSE",
                shuffle="false",
                maxAssociations=str(len(content.choices)),
            )
            sources = etree.SubElement(inter, "simpleMatchSet")
            for c in content.choices:
                choice = etree.SubElement(
                    sources, "simpleAssociableChoice", identifier=c.id, matchMax="1"
                )
                _fragment(choice, c.html)
            targets = etree.SubElement(inter, "simpleMatchSet")
            target_list = content.targets if t == ItemType.MATCHING else []
            if t == ItemType.TRUE_FALSE_CLUSTER:
                from ..interchange import Choice

                target_list = [Choice("T", "Đúng"), Choice("F", "Sai")]
            for c in target_list:
                choice = etree.SubElement(
                    targets, "simpleAssociableChoice", identifier=c.id, matchMax="0"
                )
                _fragment(choice, c.html)
        elif t == ItemType.ESSAY:
            etree.SubElement(body, "extendedTextInteraction", responseIdentifier="RESPONSE")
        elif t in (ItemType.SHORT_NUMERIC, ItemType.SHORT_TEXT):
            entry = etree.Element("textEntryInteraction", responseIdentifier="RESPONSE")
            holder = blank.getparent() if blank is not None else None
            if blank is not None and holder is not None:
                holder.replace(blank, entry)
            else:
                etree.SubElement(body, "p").append(entry)
    etree.SubElement(root, "responseProcessing", template=RP["2.1"])
    return root


def to_xml(content: ItemContent, identifier: str, version: str = "2.1", title: str = "") -> bytes:
    root = item_tree(content, identifier, title)
    ns = NS[version]
    if version == "3.0":
        root.find("responseProcessing").set("template", RP["3.0"])
        for el in root.iter():
            if el.tag in QTI_NAMES:
                el.tag = _kebab(el.tag)
                for attr in list(el.attrib):
                    if re.search(r"[A-Z]", attr):
                        el.attrib[re.sub(r"([A-Z])", _dash, attr)] = el.attrib.pop(attr)
    for el in root.iter():
        if isinstance(el.tag, str):
            el.tag = f"{{{ns}}}{el.tag}"
    top = etree.Element(root.tag, attrib=dict(root.attrib), nsmap={None: ns})  # type: ignore[dict-item]
    top.extend(list(root))
    return etree.tostring(top, xml_declaration=True, encoding="UTF-8")


def package(items: list[tuple[str, ItemContent]], version: str = "2.1") -> bytes:
    """A content package: imsmanifest.xml and one item file per (identifier, content)."""
    buffer = io.BytesIO()
    manifest = etree.Element(
        f"{{{MANIFEST_NS[version]}}}manifest",
        nsmap={None: MANIFEST_NS[version]},  # type: ignore[dict-item]
        identifier="MANIFEST-question-bank",
    )
    resources = etree.SubElement(manifest, f"{{{MANIFEST_NS[version]}}}resources")
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for identifier, content in items:
            href = f"items/{identifier}.xml"
            archive.writestr(href, to_xml(content, identifier, version))
            resource = etree.SubElement(
                resources,
                f"{{{MANIFEST_NS[version]}}}resource",
                identifier=identifier,
                type=RESOURCE[version],
                href=href,
            )
            etree.SubElement(resource, f"{{{MANIFEST_NS[version]}}}file", href=href)
        archive.writestr(
            "imsmanifest.xml", etree.tostring(manifest, xml_declaration=True, encoding="UTF-8")
        )
    return buffer.getvalue()
