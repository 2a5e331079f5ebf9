"""Headers, CSRF, lockout and rate limits: each test fails when the protection is removed."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client, override_settings

from core import services as core_services
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _directives(header: str) -> dict[str, list[str]]:
    out = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def test_platform_pages_carry_a_strict_csp(world, login) -> None:
    response = login(world.a.teacher).get("/")
    assert response.status_code == 200
    csp = _directives(response["Content-Security-Policy"])
    for directive in ("script-src", "style-src"):
        assert csp[directive] == ["'self'"], directive
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'self'"]
    assert response["X-Frame-Options"] == "DENY"
    # the login page too (anonymous)
    assert "Content-Security-Policy" in Client().get("/accounts/login/")


def test_templates_have_no_inline_code() -> None:
    """The CSP forbids inline scripts, styles and handlers, so templates must not carry any
    (print templates rendered to PDF by WeasyPrint are not browser pages)."""
    offenders = []
    pdf_only = {"lesson_plan_print.html", "certificate_pdf.html"}
    pattern = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=\"|\son[a-z]+=\"", re.I)
    for base in [settings.BASE_DIR / "templates", *settings.BASE_DIR.glob("*/templates")]:
        for path in base.rglob("*.html"):
            if path.name in pdf_only or "node_modules" in path.parts:
                continue
            if pattern.search(path.read_text()):
                offenders.append(str(path.relative_to(settings.BASE_DIR)))
    assert not offenders, offenders


def test_frontend_uses_alpine_csp_build_and_no_htmx_eval() -> None:
    main = (settings.BASE_DIR / "frontend" / "src" / "main.ts").read_text()
    assert 'from "@alpinejs/csp"' in main
    assert 'from "alpinejs"' not in main.replace("import type", "")
    assert "htmx.config.allowEval = false" in main


def test_session_api_post_without_csrf_token_is_refused(world) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.a.teacher)
    response = client.post("/api/v1/tokens", {"name": "x"}, content_type="application/json")
    assert response.status_code == 403
    # with the token from the cookie it goes through
    client.get("/")
    token = client.cookies["csrftoken"].value
    ok = client.post(
        "/api/v1/tokens", {"name": "x"}, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert ok.status_code == 201


def test_bearer_token_calls_need_no_csrf(world) -> None:
    _token, secret = core_services.create_access_token(world.a.teacher, name="tích hợp")
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/api/v1/tokens",
        {"name": "y"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 201


def test_forms_refuse_posts_without_csrf(world) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/accounts/login/", {"username": world.a.teacher.username, "password": PASSWORD}
    )
    assert response.status_code == 403


def test_login_locks_out_after_repeated_failures(world) -> None:
    cache.clear()
    username = world.a.teacher.username
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": username, "password": "sai-mat-khau"})
    locked = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert locked.status_code in {403, 429}
    assert "_auth_user_id" not in client.session
    # another account from the same address is not locked
    other = Client().post(
        "/accounts/login/", {"username": world.b.teacher.username, "password": PASSWORD}
    )
    assert other.status_code == 302


def test_rate_limits_are_configured_for_login_and_answer_saving() -> None:
    by_name = {
        name: (method, path, per, n, s) for name, method, path, per, n, s in settings.RATE_LIMITS
    }
    assert by_name["login"][0] == "POST"
    assert re.match(by_name["login"][1], "/accounts/login/")
    method, path, per, requests, seconds = by_name["answers"]
    assert (method, per) == ("PUT", "path")
    assert re.match(path, "/api/v1/assessment/attempts/12/answers")
    assert re.match(path, "/api/v1/exams/attempts/12/answers")
    # generous: a candidate saving on every change, a few times a second, stays under it
    assert requests / seconds >= 3


def test_login_rate_limit_per_address_gives_429_in_vietnamese(world) -> None:
    cache.clear()
    limits = [("login", "POST", r"^/accounts/login/$", "ip", 3, 300)]
    with override_settings(RATE_LIMITS=limits):
        client = Client(REMOTE_ADDR="203.0.113.7")
        codes = [
            client.post("/accounts/login/", {"username": f"x{i}", "password": "x"}).status_code
            for i in range(4)
        ]
        assert codes[:3] == [200, 200, 200]
        assert codes[3] == 429
        response = client.post("/accounts/login/", {"username": "y", "password": "x"})
        assert "thao tác quá nhanh" in response.content.decode()
        assert int(response["Retry-After"]) > 0
        # another address is not affected
        other = Client(REMOTE_ADDR="203.0.113.8").post(
            "/accounts/login/", {"username": "z", "password": "x"}
        )
        assert other.status_code == 200


def test_answer_saving_rate_limit_is_per_attempt_not_per_address(world, login) -> None:
    """A whole exam room behind one NAT address must not share one budget."""
    cache.clear()
    limits = [("answers", "PUT", r"^/api/v1/assessment/attempts/\d+/answers$", "path", 2, 60)]
    with override_settings(RATE_LIMITS=limits):
        a, b = login(world.a.student), login(world.b.student)
        url = "/api/v1/assessment/attempts/999999/answers"
        other_url = "/api/v1/assessment/attempts/999998/answers"
        body = json.dumps({"answers": []})
        codes = [a.put(url, body, content_type="application/json").status_code for _ in range(3)]
        assert codes[:2] == [404, 404]
        assert codes[2] == 429
        assert (
            "thao tác quá nhanh"
            in a.put(url, body, content_type="application/json").json()["detail"]
        )
        # same client address, another attempt: its own budget
        assert b.put(other_url, body, content_type="application/json").status_code == 404


def _production(code: str, **extra_env: str) -> list:
    """Evaluate `code` (printing one JSON line) under the production settings, in a subprocess."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "x" * 50,
        "DATABASE_URL": "postgres://u@127.0.0.1:5432/x",
        "REDIS_URL": "redis://127.0.0.1:6379/4",
        **extra_env,
    }
    out = subprocess.run(
        [sys.executable, "-c", "import json, django; django.setup(); " + code],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_production_settings_are_hardened() -> None:
    ssl, hsts, session_secure, csrf_secure, httponly, frames, nosniff, debug = _production(
        "from django.conf import settings as s; "
        "print(json.dumps([s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, "
        "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, "
        "s.X_FRAME_OPTIONS, s.SECURE_CONTENT_TYPE_NOSNIFF, s.DEBUG]))"
    )
    assert (ssl, session_secure, csrf_secure, httponly) == (True, True, True, True)
    assert hsts >= 31536000
    assert (frames, nosniff, debug) == ("DENY", True, False)


def test_production_pools_database_connections_instead_of_one_per_request() -> None:
    """Under ASGI a persistent connection per request thread exhausts PostgreSQL at exam load."""
    conn_max_age, pool_max, sessions, admitted = _production(
        "from django.conf import settings as s; d = s.DATABASES['default']; "
        "print(json.dumps([d['CONN_MAX_AGE'], d['OPTIONS']['pool']['max_size'], "
        "s.SESSION_ENGINE, s.ASGI_DJANGO_CONCURRENCY]))",
        DB_POOL_MAX_SIZE="5",
    )
    assert conn_max_age == 0
    assert pool_max == 5
    assert admitted == 10  # bounded by the pool: no burst of threads timing out for a connection
    assert sessions == "django.contrib.sessions.backends.cached_db"
