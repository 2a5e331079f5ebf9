"""SCORM 1.2 / 2004 content packages: imsmanifest.xml."""

from __future__ import annotations

import posixpath
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element

from django.utils.translation import gettext as _

from . import xml
from .report import PackageKind, Report

MANIFEST = "imsmanifest.xml"
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"


def inspect(data: bytes, names: set[str] | None, report: Report) -> None:
    """Check the manifest; `names` is the set of files in the package (None: manifest alone)."""
    root = xml.parse(data, MANIFEST, report)
    if root is None:
        return
    if xml.local(root.tag) != "manifest":
        report.add(MANIFEST, _("Phần tử gốc phải là <manifest>."))
        return
    report.kind = _version(root, data)
    if report.kind is None:
        report.add(MANIFEST, _("Không xác định được phiên bản SCORM (1.2 hay 2004)."))
    organizations = xml.child(root, "organizations")
    orgs = xml.children(organizations, "organization") if organizations is not None else []
    if not orgs:
        report.add(MANIFEST, _("Thiếu <organization>: gói không có cấu trúc bài học để mở."))
        return
    default_id = organizations.get("default", "") if organizations is not None else ""
    org = next((o for o in orgs if o.get("identifier") == default_id), orgs[0])
    resources = _resources(root)
    report.title = xml.text(xml.child(org, "title")) or _metadata_title(root)
    launch = ""
    for item in xml.descendants(org, "item"):
        ref = item.get("identifierref")
        if not ref:
            continue
        where = _('mục "%(item)s"') % {"item": item.get("identifier", "")}
        if ref not in resources:
            report.add(
                MANIFEST,
                _('%(where)s tham chiếu tài nguyên "%(ref)s" không có trong <resources>.')
                % {"where": where, "ref": ref},
            )
            continue
        href = resources[ref]
        if not href:
            report.add(MANIFEST, _('Tài nguyên "%(ref)s" không có href.') % {"ref": ref})
            continue
        _check_file(href, names, report)
        launch = launch or href + (item.get("parameters") or "")
    if not launch:
        report.add(MANIFEST, _("Không có mục nào trỏ tới tài nguyên để khởi chạy."))
    report.launch = launch


def _version(root: Element, data: bytes) -> str | None:
    schemaversion = xml.text(xml.child(xml.child(root, "metadata"), "schemaversion"))
    if schemaversion == "1.2":
        return PackageKind.SCORM12
    if "2004" in schemaversion or "1.3" in schemaversion:
        return PackageKind.SCORM2004
    if b"adlcp_v1p3" in data:
        return PackageKind.SCORM2004
    if b"adlcp_rootv1p2" in data:
        return PackageKind.SCORM12
    return None


def _metadata_title(root: Element) -> str:
    for node in xml.descendants(root, "title"):
        value = xml.text(node)
        if value:
            return value
    return ""


def _resources(root: Element) -> dict[str, str]:
    """identifier → launch href (xml:base applied) of every resource."""
    found: dict[str, str] = {}
    resources = xml.child(root, "resources")
    if resources is None:
        return found
    base = resources.get(XML_BASE, "")
    for resource in xml.children(resources, "resource"):
        href = resource.get("href", "")
        if href:
            href = posixpath.join(base, resource.get(XML_BASE, ""), href)
        found[resource.get("identifier", "")] = href
    return found


def _check_file(href: str, names: set[str] | None, report: Report) -> None:
    parts = urlsplit(href)
    if parts.scheme or parts.netloc:
        return  # an external resource: nothing to find inside the package
    target = posixpath.normpath(parts.path)
    if target.startswith("../") or target.startswith("/"):
        report.add(href, _("Đường dẫn khởi chạy trỏ ra ngoài gói."))
    elif names is not None and target not in names:
        report.add(href, _("Tệp khởi chạy không có trong gói."))
