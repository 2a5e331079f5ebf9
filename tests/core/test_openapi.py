import json
from pathlib import Path

from django.conf import settings

from core.management.commands.export_openapi import render_schema


def test_committed_openapi_schema_matches_the_api():
    committed = Path(settings.BASE_DIR, "docs", "openapi.json").read_text(encoding="utf-8")
    assert committed == render_schema(), "docs/openapi.json drifted: run manage.py export_openapi"


def test_schema_documents_both_auth_schemes_and_core_paths():
    schema = json.loads(render_schema())
    schemes = schema["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} >= {"apiKey", "http"}
    assert "/api/v1/classes/{class_id}" in schema["paths"]
    assert "/api/v1/schools/{school_id}/roster-imports" in schema["paths"]
