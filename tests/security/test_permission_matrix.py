"""Every API operation and page, called as every role on an own-school and another school's
object, against config/permission_matrix.py. Zero unauthorised successes.

A failure "no matrix rule for ..." means a new endpoint or page: add a Rule to
config/permission_matrix.py (and a resolver to tests/security/world.py for a new path
parameter), then regenerate docs/permissions.md.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver

from config.permission_matrix import (
    ANON,
    API_RULES,
    EXEMPT_PREFIXES,
    PAGE_RULES,
    ROLES,
    RULES,
    Rule,
    render_markdown,
)
from tests import factories
from tests.assessment.bank import single_choice
from tests.conftest import World, _school_world
from tests.security import world as matrix_world

OPENAPI = Path(settings.BASE_DIR) / "docs" / "openapi.json"
DOCS = Path(settings.BASE_DIR) / "docs" / "permissions.md"
DENIED = {401, 403, 404}
# Redirects to a sign-in page count as 401: the staff login and the exam candidates' sign-in.
SIGN_IN_PAGES = ("/accounts/login/", "/thi/")
# The page the OIDC callback sends a refused sign-in to counts as a refusal too.
REFUSED_PAGES = ("/accounts/oidc/refused/",)
# Sign-in with an identity provider switched on; the provider is never contacted by these
# calls (the authenticate view only redirects to it).
OIDC = {
    "OIDC_ENABLED": True,
    "OIDC_RP_CLIENT_ID": "ma-tran",
    "OIDC_RP_CLIENT_SECRET": "bi-mat",
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "http://127.0.0.1:9/authorize",
    "OIDC_OP_TOKEN_ENDPOINT": "http://127.0.0.1:9/token",
    "OIDC_OP_USER_ENDPOINT": "http://127.0.0.1:9/userinfo",
    "OIDC_OP_JWKS_ENDPOINT": "http://127.0.0.1:9/jwks",
}
ERRORS: list[str] = []
PARAM = re.compile(r"\{(\w+)\}|<(?:(\w+):)?(\w+)>")
PLACEHOLDER = {"int": "999999", "uuid": "00000000-0000-4000-8000-000000000000"}


@pytest.fixture(scope="module")
def mw(django_db_setup: None, django_db_blocker: Any) -> Iterator[Any]:
    """One world for the whole module (building it per test would cost minutes); every call
    below runs in a savepoint that is rolled back, so calls cannot affect each other."""
    with django_db_blocker.unblock(), transaction.atomic():
        department = factories.DepartmentFactory.create()
        world = World(
            department,
            _school_world("Trường THPT Lê Lợi", "10A1"),
            _school_world("Trường THPT Trần Phú", "10B1"),
            factories.UserFactory.create(),
        )
        factories.MembershipFactory.create(
            user=world.department_admin, organisation=department, role="department_admin"
        )
        built = matrix_world.build(world)
        clients = {}
        for role, user in built.users.items():
            client = Client()
            if user is not None:
                client.force_login(user)
            clients[role] = client
        yield built, clients
        transaction.set_rollback(True)


def _fill(rule: Rule, objs: Any, user: Any, relation: str) -> str:
    def value(match: re.Match[str]) -> str:
        if rule.unexercised:
            return PLACEHOLDER.get(match.group(2) or "int", "x")
        name = match.group(1) or match.group(3)
        return str(matrix_world.resolve(name, rule.path, objs, user, relation))

    return PARAM.sub(value, rule.path)


def _body(rule: Rule, objs: Any, user: Any, relation: str) -> tuple[dict[str, Any], bool]:
    """(data, multipart)"""
    body: dict[str, Any] = {}
    multipart = False
    for key, raw in rule.body.items():
        if raw == "<xapi>":
            return _statement(user), False
        if raw == "<item>":
            body[key] = single_choice("C").to_json()
        elif raw == "<roster>":
            body[key], multipart = matrix_world.roster_file(), True
        elif raw == "<aiken>":
            body[key], multipart = matrix_world.aiken_file(), True
        elif raw == "<png>":
            body[key], multipart = matrix_world.png_file(), True
        elif isinstance(raw, str) and raw.startswith("<"):
            body[key] = matrix_world.resolve(raw.strip("<>"), rule.path, objs, user, relation)
        else:
            body[key] = raw
    return body, multipart


def _statement(user: Any) -> dict[str, Any]:
    name = user.username if user is not None else "khach"
    return {
        "actor": {
            "objectType": "Agent",
            "account": {"homePage": "https://hoclieu.vn", "name": name},
        },
        "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
        "object": {"id": "https://hoclieu.vn/hoat-dong/1", "objectType": "Activity"},
    }


def _call(client: Client, rule: Rule, objs: Any, user: Any, relation: str) -> int:
    with transaction.atomic():
        url = "/" + _fill(rule, objs, user, relation).lstrip("/")
        data, multipart = _body(rule, objs, user, relation)
        try:
            if multipart:
                response = client.post(url, data)
            elif rule.path.startswith("/api/"):
                response = client.generic(
                    rule.method, url, json.dumps(data) if data else "", "application/json"
                )
            elif rule.method == "GET":
                response = client.get(url, data)
            else:
                response = client.post(url, data)
            status = response.status_code
            location = response.get("Location", "")
            if status == 302 and location.split("?")[0].endswith(SIGN_IN_PAGES + REFUSED_PAGES):
                status = 401
        except Exception as exc:  # a server error is a finding too
            ERRORS.append(repr(exc))
            status = 500
        transaction.set_rollback(True)
    return status


def _verdict(rule: Rule, role: str, relation: str, status: int) -> str | None:
    allowed = role in (rule.own if relation == "own" else (rule.other or frozenset()))
    if status >= 500:
        return f"server error {status}"
    if allowed and status in DENIED | {405}:
        return f"expected allowed, got {status}"
    if not allowed and status < 400:
        return f"UNAUTHORISED SUCCESS: expected refused, got {status}"
    # An unexercised rule's placeholder call may fail validation (422) before any auth runs.
    if not allowed and not rule.unexercised and status not in DENIED | {405}:
        return f"expected refused (401/403/404), got {status}"
    return None


@pytest.mark.django_db
@pytest.mark.parametrize("rule", RULES, ids=lambda r: f"{r.method} {r.path}")
def test_matrix(rule: Rule, mw: Any) -> None:
    assert not rule.pending, (
        f"{rule.method} {rule.path} is pending ({rule.pending}): build its object in "
        "tests/security/world.py and drop `pending`, or give the concrete reason it cannot be "
        "called in `unexercised`"
    )
    built, clients = mw
    failures = []
    if rule.unexercised and ANON in rule.own:
        return  # a placeholder id cannot show that anonymous visitors are let in
    relations = ["own"] if rule.other is None or rule.unexercised else ["own", "other"]
    with override_settings(**(OIDC if rule.path.startswith("oidc/") else {})):
        for relation in relations:
            objs = built.own if relation == "own" else built.other
            for role in [ANON] if rule.unexercised else ROLES:
                user = built.users[role]
                client = clients[role]
                if rule.path.startswith("oidc/"):
                    # These sign the caller out: a client of its own keeps the shared one's
                    # session for the other rules.
                    client = Client()
                    if user is not None:
                        client.force_login(user)
                status = _call(client, rule, objs, user, relation)
                problem = _verdict(rule, role, relation, status)
                if problem:
                    failures.append(f"{role} on {relation} school's object: {problem}")
    errors = sorted(set(ERRORS))
    ERRORS.clear()
    assert not failures, f"{rule.method} {rule.path}:\n" + "\n".join(failures + errors)


def test_every_openapi_operation_has_a_matrix_rule() -> None:
    schema = json.loads(OPENAPI.read_text())
    operations = {(m.upper(), p) for p, ops in schema["paths"].items() for m in ops}
    rules = {(r.method, r.path) for r in API_RULES}
    missing = sorted(operations - rules)
    stale = sorted(rules - operations)
    assert not missing, (
        "no matrix rule for these API operations; add them to API_RULES in "
        f"config/permission_matrix.py: {missing}"
    )
    assert not stale, f"matrix rules for operations no longer in docs/openapi.json: {stale}"


def _routes(patterns: list[Any], prefix: str = "") -> Iterator[str]:
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _routes(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern)


def page_routes() -> set[str]:
    return {
        r for r in _routes(get_resolver().url_patterns) if not r.startswith(tuple(EXEMPT_PREFIXES))
    }


def test_every_page_has_a_matrix_rule() -> None:
    routes = page_routes()
    rules = {r.path for r in PAGE_RULES}
    missing = sorted(routes - rules)
    stale = sorted(rules - routes)
    assert not missing, (
        "no matrix rule for these page URLs; add them to PAGE_RULES in "
        f"config/permission_matrix.py: {missing}"
    )
    assert not stale, f"matrix rules for pages that no longer exist: {stale}"


def test_docs_permissions_md_is_current() -> None:
    assert DOCS.read_text() == render_markdown(), (
        "docs/permissions.md is out of date: run "
        "`.venv/bin/python -m config.permission_matrix > docs/permissions.md`"
    )
