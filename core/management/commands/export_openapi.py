"""Write the JSON API's OpenAPI schema to docs/openapi.json (committed; a test checks drift)."""

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from config.api import api

DEFAULT_PATH = Path(settings.BASE_DIR) / "docs" / "openapi.json"


def render_schema() -> str:
    schema = api.get_openapi_schema(path_prefix="/api/v1")
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


class Command(BaseCommand):
    help = "Write the OpenAPI schema of /api/v1/ to docs/openapi.json."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--out", type=Path, default=DEFAULT_PATH)
        parser.add_argument(
            "--check", action="store_true", help="Exit 1 if the committed file is out of date."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        rendered = render_schema()
        out: Path = options["out"]
        if options["check"]:
            if not out.exists() or out.read_text(encoding="utf-8") != rendered:
                self.stderr.write(f"{out} is out of date: run `manage.py export_openapi`.")
                raise SystemExit(1)
            return
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(rendered, encoding="utf-8")
        self.stdout.write(f"wrote {out}")
