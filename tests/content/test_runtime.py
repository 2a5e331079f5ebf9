"""Run-time reporting: SCORM commits, xAPI statements, the play origin's isolation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from content import play, xapi
from content.models import PackageAttempt, PackagePage, XapiStatement
from content.runtime import resume_data, seconds, summarise
from content.services import create_package_page, import_package, start_attempt
from core.models import AuditEvent
from tests.fixtures import fixture_path, fixtures_root

from .conftest import ContentWorld

STATEMENTS = sorted(
    p
    for p in (fixtures_root() / "xapi").rglob("*.json")
    if "statement" in p.name or p.parent.name in {"lrs-conformance", "spec-examples"}
)
INVALID_STATEMENTS = {"no_actor.json": "'actor' is a required", "no_verb.json": "'verb' is a"}


@pytest.mark.parametrize("path", STATEMENTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_xapi_fixture_statements(path: Path) -> None:
    statement = json.loads(path.read_text())
    if path.name in INVALID_STATEMENTS:
        with pytest.raises(ValidationError) as error:
            xapi.validate(statement)
        assert INVALID_STATEMENTS[path.name] in error.value.messages[0]
    else:
        assert xapi.validate(statement)["verb"] == statement["verb"]


def test_statement_rules() -> None:
    base = json.loads(fixture_path("xapi/lrs-conformance/default.json").read_text())
    two_ids = {**base, "actor": {**base["actor"], "openid": "http://example.com/me"}}
    with pytest.raises(ValidationError):
        xapi.validate(two_ids)  # an Agent has exactly one identifier
    bad_scaled = {**base, "result": {"score": {"scaled": 1.5}}}
    with pytest.raises(ValidationError):
        xapi.validate(bad_scaled)
    assert xapi.summarise({"result": {"score": {"raw": 3, "max": 4}, "success": True}}) == {
        "score_raw": 3.0,
        "score_max": 4.0,
        "success": "passed",
    }


def test_durations() -> None:
    assert seconds("0001:02:03.5") == 3723.5
    assert seconds("PT1H2M3.5S") == 3723.5
    assert seconds("") == 0.0


def test_scorm12_summary_and_resume() -> None:
    cmi = {
        "core": {
            "lesson_status": "passed",
            "score": {"raw": "85", "max": "100"},
            "session_time": "00:10:00",
            "total_time": "00:05:00",
            "lesson_location": "7",
            "exit": "suspend",
        },
        "suspend_data": "page=7",
    }
    assert summarise("scorm12", cmi) == {
        "completion": "completed",
        "success": "passed",
        "score_raw": 85.0,
        "score_max": 100.0,
        "score_scaled": 0.85,
        "suspend_data": "page=7",
        "location": "7",
        "session_time": "00:10:00",
        "total_seconds": 900.0,
    }
    resumed = resume_data("scorm12", cmi)
    assert resumed["core"]["entry"] == "resume"
    assert "session_time" not in resumed["core"]


@pytest.fixture
def attempt(content_world: ContentWorld) -> PackageAttempt:
    w = content_world.world
    _, package = import_package(fixture_path("scorm2004/RuntimeBasicCalls_SCORM20043rdEdition.zip"))
    assert package is not None
    create_package_page(
        content_world.library_a,
        package,
        author=w.a.teacher,
        subject=content_world.maths,
        grade=10,
        school=w.a.school,
    )
    return start_attempt(package, w.a.student)


@pytest.mark.django_db
def test_commit_stores_scorm2004_results(attempt: PackageAttempt) -> None:
    url = f"/content/run/{play.token_for(attempt.pk)}/commit"
    body = {
        "cmi": {
            "completion_status": "completed",
            "success_status": "passed",
            "score": {"raw": "9", "max": "10", "scaled": "0.9"},
            "suspend_data": "abc",
            "location": "4",
            "session_time": "PT2M",
            "exit": "suspend",
        }
    }
    response = Client().post(url, json.dumps(body), content_type="application/json")
    assert response.json() == {"result": True, "errorCode": 0}
    attempt.refresh_from_db()
    assert (attempt.completion, attempt.success) == ("completed", "passed")
    assert (attempt.score_raw, attempt.score_scaled, attempt.suspend_data) == (9.0, 0.9, "abc")
    assert attempt.total_seconds == 120.0
    assert resume_data("scorm2004", attempt.cmi)["entry"] == "resume"
    event = AuditEvent.objects.get(action="content.attempt.committed")
    assert event.after["success"] == "passed"


@pytest.mark.django_db
def test_bad_commit_and_forged_token_change_nothing(attempt: PackageAttempt) -> None:
    token = play.token_for(attempt.pk)
    client = Client()
    bad = client.post(f"/content/run/{token}/commit", "{}", content_type="application/json")
    assert bad.status_code == 400
    assert bad.json()["result"] is False
    forged = client.post(
        f"/content/run/{token[:-2]}xx/commit",
        json.dumps({"cmi": {"completion_status": "completed"}}),
        content_type="application/json",
    )
    assert forged.status_code == 404
    attempt.refresh_from_db()
    assert attempt.completion == ""


@pytest.mark.django_db
def test_statement_is_stored_for_the_attempt_holder(attempt: PackageAttempt) -> None:
    statement = json.loads(
        fixture_path(
            "xapi/cmi5-scenarios/09-completed_and_passed/04-passed_statement.json"
        ).read_text()
    )
    url = f"/content/run/{play.token_for(attempt.pk)}/xapi/statements"
    response = Client().post(url, json.dumps(statement), content_type="application/json")
    assert response.status_code == 200
    stored = XapiStatement.objects.get()
    assert str(stored.id) == response.json()[0] == statement["id"]
    # Whatever actor the content claims, the statement is recorded as the learner's.
    assert stored.statement["actor"]["account"]["name"] == attempt.learner.username
    attempt.refresh_from_db()
    assert attempt.success == "passed"
    invalid = Client().post(url, json.dumps({"verb": {}}), content_type="application/json")
    assert invalid.status_code == 400
    assert XapiStatement.objects.count() == 1


@pytest.mark.django_db
def test_package_files_are_served_with_isolation_headers(attempt: PackageAttempt, settings) -> None:
    settings.CONTENT_PLAY_ORIGIN = "http://play.testserver"
    settings.CONTENT_PLATFORM_ORIGINS = ["http://testserver"]
    token = play.token_for(attempt.pk)
    url = f"/content/run/{token}/f/shared/launchpage.html"
    # Not from the platform's host name: package files exist only on the play origin.
    assert Client().get(url).status_code == 404
    response = Client(HTTP_HOST="play.testserver").get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html"
    assert response["Content-Security-Policy"] == (
        "default-src 'self' 'unsafe-inline' 'unsafe-eval' data: blob:; connect-src 'self'; "
        "frame-ancestors 'self' http://testserver"
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "X-Frame-Options" not in response
    traversal = Client(HTTP_HOST="play.testserver").get(f"/content/run/{token}/f/../../x")
    assert traversal.status_code == 404


@pytest.mark.django_db
def test_player_page_points_at_the_play_origin(
    attempt: PackageAttempt, content_world: ContentWorld, settings, login
) -> None:
    settings.CONTENT_PLAY_ORIGIN = "http://play.testserver"
    page = PackagePage.objects.get()
    author = login(content_world.world.a.teacher)
    response = author.get(f"/content/play/{page.pk}/")
    assert response.status_code == 200
    assert 'src="http://play.testserver/content/run/' in response.content.decode()
    # A draft is not playable by others.
    other = login(content_world.world.b.teacher)
    assert other.get(f"/content/play/{page.pk}/").status_code == 404
