"""/healthz reports every backing service and names the one that fails."""

from __future__ import annotations

import socket

import pytest
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    """A local TCP port where nothing listens (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_all_checks_pass_on_the_embedded_default():
    response = Client().get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    assert set(body["checks"]) == {"database", "cache", "broker", "channel_layer"}
    assert all(check["ok"] for check in body["checks"].values())
    assert body["failing"] == []
    assert "no-cache" in response["Cache-Control"]


def test_a_dead_cache_gives_503_and_is_named():
    dead = f"redis://127.0.0.1:{closed_port()}/0"
    cache = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": dead}
    }
    with override_settings(CACHES=cache):
        response = Client().get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["ok"] is False
    assert body["failing"] == ["cache"]
    assert body["checks"]["cache"]["ok"] is False
    assert "ConnectionError" in body["checks"]["cache"]["detail"]
    assert body["checks"]["database"]["ok"] is True
    # Back to the working cache once the override ends.
    assert Client().get("/healthz").status_code == 200


def test_a_dead_channel_layer_gives_503_and_is_named():
    dead = f"redis://127.0.0.1:{closed_port()}/0"
    layers = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [dead]}}
    }
    with override_settings(CHANNEL_LAYERS=layers):
        response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["channel_layer"]
