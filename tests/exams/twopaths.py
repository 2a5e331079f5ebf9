"""Requests to the candidate API through both paths: Django's test client, and the production
ASGI application (config.asgi, with exams.fastpath.FastExams in front of Django) over httpx."""

from __future__ import annotations

import json
from typing import Any

import httpx
from django.test import Client

from tests import aio

API = "/api/v1/exams/attempts"
Step = tuple[str, str, Any, dict[str, str]]  # (method, route, JSON body or raw bytes, headers)


def through_django(attempt: int, token: str, steps: list[Step]) -> list[tuple[int, Any]]:
    client, out = Client(), []
    for method, route, body, headers in steps:
        extra = {"HTTP_X_EXAM_TOKEN": token, **headers}
        data = body if isinstance(body, bytes) else ("" if body is None else json.dumps(body))
        r = client.generic(
            method, f"{API}/{attempt}/{route}", data, content_type="application/json", **extra
        )
        out.append((r.status_code, r.json()))
    return out


def through_asgi(attempt: int, token: str, steps: list[Step]) -> list[tuple[int, Any]]:
    from config.asgi import application

    async def go() -> list[tuple[int, Any]]:
        out = []
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            for method, route, body, headers in steps:
                names = {k.removeprefix("HTTP_").replace("_", "-"): v for k, v in headers.items()}
                content = (
                    body if isinstance(body, bytes) else ("" if body is None else json.dumps(body))
                )
                r = await client.request(
                    method,
                    f"{API}/{attempt}/{route}",
                    content=content,
                    headers={"X-Exam-Token": token, "content-type": "application/json", **names},
                )
                out.append((r.status_code, r.json()))
        await application.application_mapping["http"].aclose()
        return out

    return aio.run(go())
