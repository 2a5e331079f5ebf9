"""Safe XML parsing for manifests (defusedxml: no entity expansion, no external references)."""

from __future__ import annotations

from xml.etree.ElementTree import Element, ParseError

import defusedxml
from defusedxml import ElementTree
from django.utils.translation import gettext as _

from .report import Report


def parse(data: bytes, path: str, report: Report) -> Element | None:
    try:
        return ElementTree.fromstring(data, forbid_dtd=True)
    except ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else 0
        report.add(
            path,
            _("Dòng %(line)d: XML không hợp lệ (%(error)s).") % {"line": line, "error": exc.msg},
        )
    except defusedxml.DefusedXmlException:
        report.add(path, _("XML chứa DTD hoặc thực thể, không được phép vì lý do an toàn."))
    return None


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def children(node: Element, name: str) -> list[Element]:
    return [child for child in node if local(child.tag) == name]


def child(node: Element | None, name: str) -> Element | None:
    if node is None:
        return None
    found = children(node, name)
    return found[0] if found else None


def descendants(node: Element, name: str) -> list[Element]:
    return [el for el in node.iter() if local(el.tag) == name]


def text(node: Element | None) -> str:
    return " ".join("".join(node.itertext()).split()) if node is not None else ""
