"""Benchmark: import a generated 500 MB SCORM 1.2 package; report time and peak RSS.

Usage: .venv/bin/python bench/content/import_500mb.py [--size-mb 500] [--keep]
It writes the package under bench/out/ (ignored by git), imports it with the real service into
a throw-away SQLite database and MEDIA_ROOT, and prints one JSON line. Peak RSS is the process's
ru_maxrss (the whole Python process, Django included); the goal is <= 200 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MANIFEST = """<?xml version="1.0"?>
<manifest identifier="bench" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="o"><organization identifier="o"><title>Bài giảng lớn</title>
    <item identifier="i1" identifierref="r1"><title>Video</title></item>
  </organization></organizations>
  <resources><resource identifier="r1" type="webcontent" href="index.html"/></resources>
</manifest>"""
CHUNK = 8 * 1024 * 1024


def make_package(path: Path, size_mb: int) -> None:
    """Video-like (incompressible) files of 50 MB plus many small pages, as e-lectures have."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        archive.writestr("imsmanifest.xml", MANIFEST)
        archive.writestr("index.html", "<!doctype html><title>x</title><video src='v0.mp4'>")
        for i in range(200):
            archive.writestr(f"pages/p{i:03d}.html", f"<p>Trang {i}</p>" * 200)
        remaining = size_mb * 1024 * 1024
        n = 0
        while remaining > 0:
            part = min(remaining, 50 * 1024 * 1024)
            with archive.open(f"media/v{n}.mp4", "w", force_zip64=True) as out:
                left = part
                while left:
                    block = os.urandom(min(CHUNK, left))
                    out.write(block)
                    left -= len(block)
            remaining -= part
            n += 1


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mb", type=int, default=500)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    out = REPO / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    package = out / f"scorm12-{args.size_mb}mb.zip"
    if not package.exists():
        make_package(package, args.size_mb)
    work = Path(tempfile.mkdtemp(prefix="content-bench-"))
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings.dev",
        SQLITE_PATH=str(work / "db.sqlite3"),
        MEDIA_ROOT=str(work / "media"),
    )
    # Migrations run in their own process so they do not count towards this one's peak RSS.
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=REPO, check=True
    )
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from content.services import import_package

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    report, stored = import_package(package)
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "package_bytes": package.stat().st_size,
                "valid": report.valid,
                "files": stored.files.count() if stored else 0,
                "seconds": round(elapsed, 2),
                "peak_rss_mb": round(peak, 1),
                "rss_before_import_mb": round(rss_before, 1),
            }
        )
    )
    if not args.keep:
        package.unlink()


if __name__ == "__main__":
    main()
