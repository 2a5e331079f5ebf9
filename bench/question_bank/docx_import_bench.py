"""Import of a 500-question Word test (goal: at most 10 s), parse and store, on SQLite.

.venv/bin/python bench/question_bank/docx_import_bench.py [--questions 500]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
os.environ.setdefault("SQLITE_PATH", os.path.join(tempfile.mkdtemp(), "bench.sqlite3"))

import django

django.setup()

from django.core.management import call_command  # noqa: E402

from question_bank.importers import parse_bytes  # noqa: E402
from question_bank.services import import_parsed  # noqa: E402
from tests.question_bank.docx_builder import numbered_test  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=int, default=500)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    data = numbered_test(args.questions)
    t0 = time.perf_counter()
    result = parse_bytes(data, "de-500.docx")
    parsed = time.perf_counter() - t0
    report = import_parsed(None, result, bank="bench")
    total = time.perf_counter() - t0
    print(f"docx of {len(data)} bytes, {args.questions} questions")
    print(
        f"parse: {parsed:.2f} s; parse + store: {total:.2f} s; imported {report.imported}, "
        f"errors {len(report.errors)}"
    )


if __name__ == "__main__":
    main()
