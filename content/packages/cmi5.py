"""cmi5 course packages: cmi5.xml, checked against the cmi5 CourseStructure.xsd."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element

from django.utils.translation import gettext as _
from lxml import etree

from . import xml
from .report import PackageKind, Report

MANIFEST = "cmi5.xml"
SCHEMA = Path(__file__).resolve().parent.parent / "schemas" / "cmi5_CourseStructure.xsd"


@cache
def _schema() -> etree.XMLSchema:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.XMLSchema(etree.parse(str(SCHEMA), parser))


def inspect(data: bytes, names: set[str] | None, report: Report) -> None:
    root = xml.parse(data, MANIFEST, report)  # defusedxml first: rejects entity tricks
    if root is None:
        return
    if xml.local(root.tag) != "courseStructure":
        report.add(MANIFEST, _("Phần tử gốc phải là <courseStructure>."))
        return
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    schema = _schema()
    if not schema.validate(etree.fromstring(data, parser)):
        for error in list(schema.error_log):  # type: ignore[call-overload]
            report.add(
                MANIFEST,
                _("Dòng %(line)d: sai cấu trúc cmi5 (%(error)s).")
                % {"line": error.line, "error": error.message},
            )
    report.kind = PackageKind.CMI5
    report.title = _langstring(xml.child(xml.child(root, "course"), "title"))
    _check_ids(root, report)
    for au in xml.descendants(root, "au"):
        url = xml.text(xml.child(au, "url"))
        report.launch = report.launch or url
        _check_url(url, au.get("id", ""), names, report)


def _langstring(node: Element | None) -> str:
    if node is None:
        return ""
    strings = {s.get("lang", ""): xml.text(s) for s in xml.children(node, "langstring")}
    for lang in ("vi", "vi-VN", "en", "en-US"):
        if strings.get(lang):
            return strings[lang]
    return next(iter(strings.values()), "")


def _check_ids(root: Element, report: Report) -> None:
    seen: set[str] = set()
    for node in root.iter():
        if xml.local(node.tag) not in {"course", "block", "au", "objective"}:
            continue
        ident = node.get("id")
        if not ident:
            continue  # objective references carry idref, not id
        if ident in seen:
            report.add(
                MANIFEST,
                _('Mã định danh "%(id)s" bị trùng (mỗi khối, AU, mục tiêu phải có id riêng).')
                % {"id": ident},
            )
        seen.add(ident)


def _check_url(url: str, au_id: str, names: set[str] | None, report: Report) -> None:
    where = _('AU "%(id)s"') % {"id": au_id}
    if not url or any(c.isspace() for c in url):
        report.add(
            MANIFEST,
            _('%(where)s: URL khởi chạy "%(url)s" không hợp lệ.') % {"where": where, "url": url},
        )
        return
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            report.add(
                MANIFEST,
                _('%(where)s: URL khởi chạy "%(url)s" không hợp lệ.')
                % {"where": where, "url": url},
            )
        return
    target = posixpath.normpath(parts.path)
    if target.startswith("../") or target.startswith("/"):
        report.add(url, _("%(where)s: đường dẫn khởi chạy trỏ ra ngoài gói.") % {"where": where})
    elif names is not None and target not in names:
        report.add(url, _("%(where)s: tệp khởi chạy không có trong gói.") % {"where": where})


# --- the course structure, for launching ----------------------------------------------------

MOVE_ON = ("Passed", "Completed", "CompletedAndPassed", "CompletedOrPassed", "NotApplicable")


@dataclass(frozen=True)
class AssignableUnit:
    id: str
    title: str
    url: str
    move_on: str = "NotApplicable"
    mastery_score: float | None = None
    launch_method: str = "AnyWindow"
    launch_parameters: str = ""
    entitlement_key: str = ""


@dataclass(frozen=True)
class CourseStructure:
    id: str
    title: str
    aus: tuple[AssignableUnit, ...]

    def au(self, au_id: str) -> AssignableUnit | None:
        return next((au for au in self.aus if au.id == au_id), None)


def course_structure(data: bytes) -> CourseStructure:
    """The course and its AUs (in document order) from a cmi5.xml already validated at import."""
    root = xml.parse(data, MANIFEST, Report())
    if root is None:
        raise ValueError(MANIFEST)
    course = xml.child(root, "course")
    aus = []
    for node in xml.descendants(root, "au"):
        mastery = node.get("masteryScore")
        aus.append(
            AssignableUnit(
                id=node.get("id", ""),
                title=_langstring(xml.child(node, "title")),
                url=xml.text(xml.child(node, "url")),
                move_on=node.get("moveOn") or "NotApplicable",
                mastery_score=float(mastery) if mastery else None,
                launch_method=node.get("launchMethod") or "AnyWindow",
                launch_parameters=xml.text(xml.child(node, "launchParameters")),
                entitlement_key=xml.text(xml.child(node, "entitlementKey")),
            )
        )
    return CourseStructure(
        id=course.get("id", "") if course is not None else "",
        title=_langstring(xml.child(course, "title")),
        aus=tuple(aus),
    )
