"""schemathesis against docs/openapi.json: generated requests as a teacher and as a student
must never make the server fail (no 5xx). Bounded: a few examples per operation, no deadline.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from django.conf import settings
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from core import services as core_services
from tests.conftest import World

schema = schemathesis.openapi.from_path(Path(settings.BASE_DIR) / "docs" / "openapi.json")
schema.app = get_wsgi_application()


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """As Django's test client does: the test's transaction lives on the connection, and
    close_old_connections after each WSGI request would close it on PostgreSQL."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def bearer_tokens(world: World) -> list[str]:
    cache.clear()  # rate limits of earlier tests
    return [
        core_services.create_access_token(user, name="fuzz")[1]
        for user in (world.a.teacher, world.a.student)
    ]


@pytest.mark.django_db
@schema.parametrize()
@hypothesis_settings(
    max_examples=4,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_errors(case: Any, bearer_tokens: list[str]) -> None:
    for secret in bearer_tokens:
        response = case.call(headers={"Authorization": f"Bearer {secret}"})
        assert response.status_code < 500, (
            f"{case.method} {case.formatted_path} -> {response.status_code}\n"
            f"{case.as_curl_command()}\n{response.text[:2000]}"
        )
