"""H5P packages: h5p.json, content/content.json and the bundled libraries."""

from __future__ import annotations

import json
import zipfile
from typing import Any

import jsonschema
from django.utils.translation import gettext as _

from .limits import limit
from .report import PackageKind, Report

MANIFEST = "h5p.json"
CONTENT = "content/content.json"

_DEPENDENCY = {
    "type": "object",
    "required": ["machineName", "majorVersion", "minorVersion"],
    "properties": {
        "machineName": {"type": "string", "pattern": r"^[\w.-]{1,255}$"},
        "majorVersion": {"type": ["integer", "string"], "pattern": r"^\d+$"},
        "minorVersion": {"type": ["integer", "string"], "pattern": r"^\d+$"},
    },
}
# The required part of h5p.json as the H5P specification describes it.
H5P_JSON_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["title", "mainLibrary", "language", "preloadedDependencies"],
    "properties": {
        "title": {"type": "string", "minLength": 1, "maxLength": 255},
        "mainLibrary": {"type": "string", "pattern": r"^[\w.-]{1,255}$"},
        "language": {"type": "string", "pattern": r"^[-a-zA-Z]{1,10}$"},
        "embedTypes": {"type": "array", "items": {"enum": ["div", "iframe"]}},
        "preloadedDependencies": {"type": "array", "items": _DEPENDENCY, "minItems": 1},
        "dynamicDependencies": {"type": "array", "items": _DEPENDENCY},
        "editorDependencies": {"type": "array", "items": _DEPENDENCY},
    },
}


def _json(data: bytes, path: str, report: Report) -> Any:
    try:
        return json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        report.add(path, _("Tệp không phải văn bản UTF-8."))
    except json.JSONDecodeError as exc:
        report.add(
            path,
            _("Dòng %(line)d, cột %(col)d: JSON không hợp lệ (%(error)s).")
            % {"line": exc.lineno, "col": exc.colno, "error": exc.msg},
        )
    return None


def inspect(data: bytes, names: set[str], archive: zipfile.ZipFile, report: Report) -> None:
    manifest = _json(data, MANIFEST, report)
    if manifest is None:
        return
    errors = sorted(
        jsonschema.Draft202012Validator(H5P_JSON_SCHEMA).iter_errors(manifest),
        key=lambda e: list(e.absolute_path),
    )
    for error in errors:
        where = "/".join(str(p) for p in error.absolute_path) or _("gốc")
        report.add(
            MANIFEST, _("Trường %(field)s: %(error)s") % {"field": where, "error": error.message}
        )
    if errors:
        return
    report.kind = PackageKind.H5P
    report.title = manifest["title"]
    report.launch = MANIFEST
    if CONTENT not in names:
        report.add(CONTENT, _("Thiếu tệp nội dung content/content.json."))
    for dependency in manifest["preloadedDependencies"]:
        _check_library(dependency, names, archive, report)


def _check_library(
    dependency: dict[str, Any], names: set[str], archive: zipfile.ZipFile, report: Report
) -> None:
    folder = "{machineName}-{majorVersion}.{minorVersion}".format(**dependency)
    library_json = f"{folder}/library.json"
    if library_json not in names:
        report.add(folder, _("Thiếu thư viện H5P %(lib)s mà h5p.json yêu cầu.") % {"lib": folder})
        return
    info = archive.getinfo(library_json)
    if info.file_size > limit("CONTENT_PACKAGE_MAX_MANIFEST_BYTES"):
        report.add(library_json, _("Tệp kê khai quá lớn."))
        return
    library = _json(archive.read(info), library_json, report)
    if not isinstance(library, dict):
        return
    for key in ("preloadedJs", "preloadedCss"):
        for entry in library.get(key) or []:
            path = f"{folder}/{entry.get('path', '')}"
            if path not in names:
                report.add(path, _("Thiếu tệp %(key)s mà library.json khai báo.") % {"key": key})
