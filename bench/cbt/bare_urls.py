"""The project's URLs plus POST /bench/upsert/: one INSERT ... ON CONFLICT DO UPDATE, committed.

The table (cbt_bench_upsert) is made by bench/cbt/run.py in the scratch database; it keeps the
highest sequence number per (candidate, position), as an idempotent autosave must.
"""

from __future__ import annotations

import json

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from config.urls import urlpatterns as project_urlpatterns

TABLE = "cbt_bench_upsert"
CREATE = """
CREATE TABLE IF NOT EXISTS cbt_bench_upsert (
    candidate integer NOT NULL,
    position integer NOT NULL,
    seq integer NOT NULL,
    response jsonb,
    saved timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (candidate, position)
)
"""
UPSERT = """
INSERT INTO cbt_bench_upsert AS a (candidate, position, seq, response) VALUES (%s, %s, %s, %s)
ON CONFLICT (candidate, position) DO UPDATE
SET seq = EXCLUDED.seq, response = EXCLUDED.response, saved = now()
WHERE a.seq < EXCLUDED.seq
"""


@csrf_exempt
@require_POST
def upsert(request: HttpRequest) -> JsonResponse:
    body = json.loads(request.body)
    with connection.cursor() as cursor:
        cursor.execute(
            UPSERT,
            [body["candidate"], body["position"], body["seq"], json.dumps(body.get("response"))],
        )
    return JsonResponse({"position": body["position"], "seq": body["seq"]})


urlpatterns = [path("bench/upsert/", upsert), *project_urlpatterns]
