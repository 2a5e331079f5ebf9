"""Personal access tokens: Bearer auth for integrations, stored only as a hash."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.test import Client
from django.utils import timezone

from core import services
from core.models import AuditEvent, PersonalAccessToken

pytestmark = pytest.mark.django_db


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def test_bearer_token_authenticates_as_its_owner(world):
    _token, secret = services.create_access_token(world.a.teacher, name="SMAS")
    response = Client().get("/api/v1/classes", headers=bearer(secret))
    assert response.status_code == 200
    assert [c["id"] for c in response.json()] == [world.a.school_class.pk]
    assert Client().get("/api/v1/me", headers=bearer(secret)).json()["username"] == (
        world.a.teacher.username
    )


def test_token_is_stored_only_as_sha256(world):
    token, secret = services.create_access_token(world.a.teacher, name="SMAS")
    token.refresh_from_db()
    assert secret.startswith("hl_")
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    stored = [str(v) for v in PersonalAccessToken.objects.values_list().get(pk=token.pk)]
    assert all(secret not in value for value in stored)
    assert token.hint == secret[:10]
    event = AuditEvent.objects.get(action="token.create")
    assert event.after is not None
    assert secret not in str(event.after)
    assert "key_hash" not in event.after


def test_api_creates_token_and_shows_secret_once(world, login):
    client = login(world.a.teacher)
    created = client.post("/api/v1/tokens", {"name": "Tích hợp"}, content_type="application/json")
    assert created.status_code == 201
    secret = created.json()["secret"]
    assert Client().get("/api/v1/me", headers=bearer(secret)).status_code == 200
    listed = client.get("/api/v1/tokens").json()
    assert len(listed) == 1
    assert "secret" not in listed[0]


def test_revoked_token_is_refused(world, login):
    token, secret = services.create_access_token(world.a.teacher, name="SMAS")
    response = login(world.a.teacher).delete(f"/api/v1/tokens/{token.pk}")
    assert response.status_code == 204
    refused = Client().get("/api/v1/me", headers=bearer(secret))
    assert refused.status_code == 401
    assert AuditEvent.objects.filter(action="token.revoke", object_id=str(token.pk)).count() == 1


def test_cannot_revoke_someone_elses_token(world, login):
    token, secret = services.create_access_token(world.b.teacher, name="SMAS")
    assert login(world.a.teacher).delete(f"/api/v1/tokens/{token.pk}").status_code == 404
    assert Client().get("/api/v1/me", headers=bearer(secret)).status_code == 200


def test_expired_token_is_refused(world):
    _token, secret = services.create_access_token(
        world.a.teacher, name="cũ", expires=timezone.now() - dt.timedelta(seconds=1)
    )
    assert Client().get("/api/v1/me", headers=bearer(secret)).status_code == 401


def test_token_of_deactivated_user_is_refused(world):
    _token, secret = services.create_access_token(world.a.teacher, name="SMAS")
    world.a.teacher.is_active = False
    world.a.teacher.save()
    assert Client().get("/api/v1/me", headers=bearer(secret)).status_code == 401


@pytest.mark.parametrize("header", ["Bearer hl_khong-ton-tai", "Bearer abc", "Token hl_x", ""])
def test_unknown_or_malformed_tokens_are_refused(world, header):
    headers = {"Authorization": header} if header else {}
    assert Client().get("/api/v1/me", headers=headers).status_code == 401


def test_last_used_is_recorded(world):
    token, secret = services.create_access_token(world.a.teacher, name="SMAS")
    assert token.last_used is None
    Client().get("/api/v1/me", headers=bearer(secret))
    token.refresh_from_db()
    assert token.last_used is not None
