"""Formula injection: every CSV/Excel exporter goes through core.spreadsheets."""

from __future__ import annotations

import re

from django.conf import settings

from core.spreadsheets import safe_cell, safe_row


def test_formula_starts_are_neutralised() -> None:
    for bad in ('=HYPERLINK("http://x")', "+SUM(A1)", "-2+3", "@SUM(A1)", "\t=1", "\r=1"):
        assert safe_cell(bad) == "'" + bad
    for fine in ("Nguyễn Văn An", "-1,5", "+3", "-2.25", 7, None, 1.5):
        assert safe_cell(fine) == fine
    assert safe_row(["=1+1", "An"]) == ["'=1+1", "An"]


def test_every_exporter_uses_the_core_helper() -> None:
    """A module that writes CSV or Excel must escape through core's safe_cell/safe_row."""
    writes = re.compile(r"csv\.writer\(|DictWriter\(|Workbook\(\)")
    offenders = []
    for app in (
        "core",
        "content",
        "lms",
        "question_bank",
        "assessment",
        "sector",
        "provenance",
        "exams",
    ):
        for path in (settings.BASE_DIR / app).rglob("*.py"):
            if "management" in path.parts or "migrations" in path.parts:
                continue
            text = path.read_text()
            if writes.search(text) and not re.search(r"\bsafe_(cell|row)\b", text):
                offenders.append(str(path.relative_to(settings.BASE_DIR)))
    # question_bank/views_import.py writes only our own blank templates (fixed sample rows).
    assert sorted(offenders) == ["question_bank/views_import.py"], offenders
