"""IMS Common Cartridge (.imscc): the web content files and web links it carries.

Other resource types (LTI, QTI, discussions, Canvas extras) are listed as skipped; questions
come in through the question bank's own importers.
"""

from __future__ import annotations

import posixpath
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

from . import xml
from .report import Report, UnreadablePackage
from .validate import check_entries

MANIFEST = "imsmanifest.xml"
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"


@dataclass(frozen=True)
class WebLink:
    title: str
    url: str


@dataclass
class Cartridge:
    title: str = ""
    web_content: list[str] = field(default_factory=list)
    links: list[WebLink] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    report: Report = field(default_factory=Report)


def read_cartridge(path: str | Path) -> Cartridge:
    path = Path(path)
    cartridge = Cartridge()
    report = cartridge.report
    try:
        archive = zipfile.ZipFile(path)
    except OSError as exc:
        raise UnreadablePackage(str(exc)) from exc
    except (zipfile.BadZipFile, EOFError, ValueError):
        report.add(path.name, _("Tệp không phải là gói ZIP hợp lệ (không đọc được mục lục ZIP)."))
        return cartridge
    with archive:
        names = check_entries(archive, report)
        if MANIFEST not in names:
            report.add("", _("Không tìm thấy imsmanifest.xml ở thư mục gốc của gói."))
            return cartridge
        root = xml.parse(archive.read(report.sources[MANIFEST]), MANIFEST, report)
        if root is None:
            return cartridge
        titles = [
            xml.text(t) for t in xml.descendants(xml.child(root, "metadata") or root, "title")
        ]
        cartridge.title = next((t for t in titles if t), "")
        for resource in xml.descendants(root, "resource"):
            kind = resource.get("type", "")
            files = [
                posixpath.normpath(posixpath.join(resource.get(XML_BASE, ""), f.get("href", "")))
                for f in xml.children(resource, "file")
            ]
            if kind == "webcontent":
                for name in files:
                    if name in names:
                        cartridge.web_content.append(name)
                    else:
                        report.add(name, _("Tệp nội dung web khai báo trong gói nhưng không có."))
            elif kind.startswith("imswl_xmlv1"):
                for name in files:
                    _read_link(archive, report, names, name, cartridge)
            else:
                cartridge.skipped[kind] = cartridge.skipped.get(kind, 0) + 1
    report.kind = "imscc"
    report.title = cartridge.title
    return cartridge


def _read_link(
    archive: zipfile.ZipFile, report: Report, names: set[str], name: str, cartridge: Cartridge
) -> None:
    if name not in names:
        report.add(name, _("Tệp liên kết web khai báo trong gói nhưng không có."))
        return
    link = xml.parse(archive.read(report.sources[name]), name, report)
    if link is None:
        return
    url_node = xml.child(link, "url")
    url = url_node.get("href", "") if url_node is not None else ""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        report.add(name, _('Liên kết "%(url)s" không phải địa chỉ http(s).') % {"url": url})
        return
    cartridge.links.append(WebLink(title=xml.text(xml.child(link, "title")), url=url))
