"""cmi5 launch and our xAPI endpoint, driven over HTTP exactly as an AU drives them."""

from __future__ import annotations

import json
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from content import cmi5, play
from content.models import Cmi5Session, PackageAttempt, XapiDocument, XapiStatement
from content.services import create_package_page, import_package, start_attempt
from core.models import AuditEvent
from tests.fixtures import fixture_path

from .conftest import ContentWorld

COURSE = "https://w3id.org/xapi/cmi5/catapult/lts/course/geology-intro-multi-au-framed"
AU1 = COURSE + "/1"


@pytest.fixture
def attempt(content_world: ContentWorld) -> PackageAttempt:
    w = content_world.world
    report, package = import_package(fixture_path("cmi5/multi_au_framed.zip"))
    assert package is not None, report.problems
    create_package_page(
        content_world.library_a,
        package,
        author=w.a.teacher,
        subject=content_world.maths,
        grade=10,
        school=w.a.school,
    )
    return start_attempt(package, w.a.student)


class AU:
    """What an AU does with its launch URL: fetch, read LaunchData, send statements."""

    def __init__(self, client: Client, launch: str) -> None:
        self.client = client
        parts = urlsplit(launch)
        self.path = parts.path
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        self.query = query
        self.endpoint = urlsplit(query["endpoint"]).path
        self.fetch_url = urlsplit(query["fetch"]).path
        self.actor = json.loads(query["actor"])
        self.registration = query["registration"]
        self.activity_id = query["activityId"]
        self.auth = ""
        self.session_id = ""

    def fetch(self) -> dict[str, Any]:
        body = self.client.post(self.fetch_url).json()
        if "auth-token" in body:
            self.auth = f"Basic {body['auth-token']}"
        return body

    def get(self, what: str, **params: str) -> Any:
        return self.client.get(f"{self.endpoint}/{what}", params, HTTP_AUTHORIZATION=self.auth)

    def launch_data(self) -> dict[str, Any]:
        response = self.get(
            "activities/state",
            stateId="LMS.LaunchData",
            activityId=self.activity_id,
            agent=json.dumps(self.actor),
            registration=self.registration,
        )
        assert response.status_code == 200, response.content
        data = response.json()
        self.context = data["contextTemplate"]
        self.session_id = self.context["extensions"][cmi5.SESSION_ID]
        return data

    def statement(self, verb: str, *, moveon: bool = False, **extra: Any) -> dict[str, Any]:
        categories = [{"id": cmi5.CATEGORY_CMI5}]
        if moveon:
            categories.append({"id": cmi5.CATEGORY_MOVEON})
        return {
            "id": str(uuid.uuid4()),
            "actor": self.actor,
            "verb": {"id": verb, "display": {"en-US": verb.rsplit("/", 1)[-1]}},
            "object": {"objectType": "Activity", "id": self.activity_id},
            "context": {
                **self.context,
                "registration": self.registration,
                "contextActivities": {
                    **self.context["contextActivities"],
                    "category": categories,
                },
            },
            **extra,
        }

    def send(self, statement: dict[str, Any]) -> Any:
        return self.client.put(
            f"{self.endpoint}/statements?statementId={statement['id']}",
            json.dumps(statement),
            content_type="application/json",
            HTTP_AUTHORIZATION=self.auth,
            HTTP_X_EXPERIENCE_API_VERSION="1.0.3",
        )


def launch(attempt: PackageAttempt, index: int = 0) -> AU:
    client = Client()
    token = play.token_for(attempt.pk)
    response = client.get(f"/content/run/{token}/cmi5/launch/{index}")
    assert response.status_code == 302
    return AU(client, response["Location"])


@pytest.mark.django_db
def test_launch_url_carries_the_cmi5_parameters(attempt: PackageAttempt) -> None:
    au = launch(attempt)
    token = au.path.split("/")[3]
    assert play.attempt_id(token) == attempt.pk
    # The AU's own query (pages=1&complete=launch) is kept; ours are appended.
    assert au.path == f"/content/run/{token}/f/index.html"
    assert (au.query["pages"], au.query["complete"]) == ("1", "launch")
    assert au.endpoint == f"/content/run/{token}/xapi"
    assert au.activity_id == AU1
    attempt.refresh_from_db()
    assert au.registration == str(attempt.registration)
    # The learner is a pseudonym, not their national identifier.
    assert attempt.learner.username not in au.query["actor"]
    assert au.actor == cmi5.actor(attempt)
    launched = XapiStatement.objects.get(verb=cmi5.LAUNCHED)
    assert launched.statement["context"]["extensions"][cmi5.EXT + "moveon"] == "CompletedOrPassed"
    assert AuditEvent.objects.filter(action="content.cmi5.launched").count() == 1


@pytest.mark.django_db
def test_fetch_hands_out_the_token_once(attempt: PackageAttempt) -> None:
    au = launch(attempt)
    first = au.fetch()
    assert set(first) == {"auth-token"}
    second = au.client.post(au.fetch_url).json()
    assert second["error-code"] == "1"
    assert "auth-token" not in second
    # Without the token (or with a wrong one) the endpoint refuses.
    au.auth = ""
    assert au.get("activities/state", stateId="x", activityId=AU1).status_code == 403
    au.auth = "Basic nope"
    assert au.get("activities/state", stateId="x", activityId=AU1).status_code == 403


@pytest.mark.django_db
def test_a_full_session_satisfies_the_au(attempt: PackageAttempt) -> None:
    au = launch(attempt)
    au.fetch()
    data = au.launch_data()
    assert data["launchMode"] == "Normal"
    assert data["moveOn"] == "CompletedOrPassed"
    assert data["returnURL"].endswith(au.path.removesuffix("f/index.html"))
    preferences = au.get(
        "agents/profile", profileId=cmi5.LEARNER_PREFERENCES, agent=json.dumps(au.actor)
    )
    assert preferences.status_code == 404  # none saved yet: the AU uses its defaults

    # Nothing before "initialized".
    early = au.send(au.statement(cmi5.COMPLETED, moveon=True, result={"completion": True}))
    assert early.status_code == 403
    assert au.send(au.statement(cmi5.INITIALIZED)).status_code == 204
    assert au.send(au.statement(cmi5.INITIALIZED)).status_code == 403  # only once

    # A "cmi5 allowed" statement: any verb, own activity.
    allowed = au.statement("http://adlnet.gov/expapi/verbs/experienced")
    allowed["object"]["id"] = AU1 + "/slide/1"
    allowed["context"]["contextActivities"]["category"] = []
    assert au.send(allowed).status_code == 204

    passed = au.statement(
        cmi5.PASSED, moveon=True, result={"success": True, "score": {"scaled": 0.9}}
    )
    assert au.send(passed).status_code == 204
    attempt.refresh_from_db()
    assert attempt.success == "passed"
    assert attempt.score_scaled == 0.9
    assert attempt.cmi["cmi5"]["satisfied"] == [AU1]  # CompletedOrPassed: passing is enough
    assert attempt.completion == "incomplete"  # seven more AUs in the course
    satisfied = XapiStatement.objects.filter(verb=cmi5.SATISFIED)
    assert [s.statement["object"]["id"] for s in satisfied] == [AU1]

    completed = au.statement(cmi5.COMPLETED, moveon=True, result={"completion": True})
    assert au.send(completed).status_code == 204
    again = au.statement(cmi5.COMPLETED, moveon=True, result={"completion": True})
    assert au.send(again).status_code == 403  # once per registration
    assert au.send(au.statement(cmi5.TERMINATED)).status_code == 403  # duration required
    done = au.statement(cmi5.TERMINATED, result={"duration": "PT1M"})
    assert au.send(done).status_code == 204
    after = au.statement("http://adlnet.gov/expapi/verbs/experienced")
    assert au.send(after).status_code == 403  # the session is over

    session = Cmi5Session.objects.get()
    assert None not in (
        session.initialized_at,
        session.passed_at,
        session.completed_at,
        session.terminated_at,
    )
    # A later session of the same AU cannot complete it again (same registration).
    second = launch(attempt)
    second.fetch()
    second.launch_data()
    assert second.registration == au.registration
    assert second.session_id != au.session_id
    assert second.send(second.statement(cmi5.INITIALIZED)).status_code == 204
    redo = second.statement(cmi5.COMPLETED, moveon=True, result={"completion": True})
    assert second.send(redo).status_code == 403


@pytest.mark.django_db
def test_every_au_satisfied_completes_the_course(attempt: PackageAttempt) -> None:
    count = len(cmi5.structure(attempt.package).aus)
    assert count == 8
    for index in range(count):
        attempt.refresh_from_db()
        assert attempt.completion in {"", "incomplete"}
        au = launch(attempt, index)
        au.fetch()
        au.launch_data()
        assert au.send(au.statement(cmi5.INITIALIZED)).status_code == 204
        done = au.statement(cmi5.COMPLETED, moveon=True, result={"completion": True})
        assert au.send(done).status_code == 204
    # The quiz AU's moveOn is CompletedAndPassed: completing it is not enough.
    attempt.refresh_from_db()
    assert attempt.completion == "incomplete"
    assert len(attempt.cmi["cmi5"]["satisfied"]) == 7
    passed = au.statement(cmi5.PASSED, moveon=True, result={"success": True})
    assert au.send(passed).status_code == 204
    attempt.refresh_from_db()
    assert attempt.completion == "completed"
    course = XapiStatement.objects.filter(verb=cmi5.SATISFIED).last()
    assert course is not None
    assert course.statement["object"]["id"] == COURSE
    assert course.statement["object"]["definition"]["type"] == cmi5.COURSE_TYPE


@pytest.mark.django_db
def test_cmi5_rules_reject_what_the_spec_forbids(attempt: PackageAttempt) -> None:
    au = launch(attempt)
    au.fetch()
    au.launch_data()
    assert au.send(au.statement(cmi5.INITIALIZED)).status_code == 204
    cases: list[tuple[str, dict[str, Any]]] = []
    lms_only = au.statement(cmi5.SATISFIED)
    cases.append(("LMS-only verb", lms_only))
    other_learner = au.statement(cmi5.COMPLETED, moveon=True, result={"completion": True})
    other_learner["actor"] = {"account": {"homePage": "http://x.example", "name": "someone"}}
    cases.append(("another actor", other_learner))
    wrong_registration = au.statement(cmi5.COMPLETED, moveon=True, result={"completion": True})
    wrong_registration["context"]["registration"] = str(uuid.uuid4())
    cases.append(("another registration", wrong_registration))
    no_session = au.statement(cmi5.COMPLETED, moveon=True, result={"completion": True})
    no_session["context"]["extensions"] = {}
    cases.append(("no session id", no_session))
    no_moveon = au.statement(cmi5.COMPLETED, result={"completion": True})
    cases.append(("no moveon category", no_moveon))
    no_completion = au.statement(cmi5.COMPLETED, moveon=True)
    cases.append(("completed without result.completion", no_completion))
    passed_false = au.statement(cmi5.PASSED, moveon=True, result={"success": False})
    cases.append(("passed with success false", passed_false))
    other_object = au.statement(cmi5.COMPLETED, moveon=True, result={"completion": True})
    other_object["object"]["id"] = COURSE + "/2"
    cases.append(("another AU's id", other_object))
    for name, statement in cases:
        response = au.send(statement)
        assert response.status_code == 403, name
        assert response.json()["detail"][0].startswith("cmi5"), name
    # Not valid xAPI at all: 400, before any cmi5 rule.
    broken = au.statement(cmi5.COMPLETED, moveon=True, result={"completion": "yes"})
    assert au.send(broken).status_code == 400
    assert XapiStatement.objects.filter(verb=cmi5.COMPLETED).count() == 0
    # A batch is all or nothing.
    good = au.statement("http://adlnet.gov/expapi/verbs/experienced")
    response = au.client.post(
        f"{au.endpoint}/statements",
        json.dumps([good, lms_only]),
        content_type="application/json",
        HTTP_AUTHORIZATION=au.auth,
    )
    assert response.status_code == 403
    assert not XapiStatement.objects.filter(id=good["id"]).exists()


@pytest.mark.django_db
def test_mastery_score_and_browse_mode(attempt: PackageAttempt, monkeypatch) -> None:
    au = launch(attempt)
    au.fetch()
    au.launch_data()
    au.send(au.statement(cmi5.INITIALIZED))
    session = Cmi5Session.objects.get()
    unit = cmi5.structure(attempt.package).aus[0]
    mastered = cmi5.AssignableUnit(**{**unit.__dict__, "mastery_score": 0.8})
    low = au.statement(cmi5.PASSED, moveon=True, result={"success": True, "score": {"scaled": 0.5}})
    with pytest.raises(cmi5.Cmi5Rejected):
        cmi5.check_statement(low, session, mastered, [])
    failed_high = au.statement(
        cmi5.FAILED, moveon=True, result={"success": False, "score": {"scaled": 0.9}}
    )
    with pytest.raises(cmi5.Cmi5Rejected):
        cmi5.check_statement(failed_high, session, mastered, [])
    session.launch_mode = "Browse"
    ok = au.statement(cmi5.COMPLETED, moveon=True, result={"completion": True})
    with pytest.raises(cmi5.Cmi5Rejected):
        cmi5.check_statement(ok, session, unit, [])


@pytest.mark.django_db
def test_state_and_profile_documents(attempt: PackageAttempt) -> None:
    au = launch(attempt)
    au.fetch()
    au.launch_data()
    params = (
        f"stateId=bookmark&activityId={AU1}&registration={au.registration}"
        f"&agent={json.dumps(au.actor)}"
    )
    url = f"{au.endpoint}/activities/state?{params}"
    put = au.client.put(url, '{"page": 3}', "application/json", HTTP_AUTHORIZATION=au.auth)
    assert put.status_code == 204
    merged = au.client.post(url, '{"seen": [1]}', "application/json", HTTP_AUTHORIZATION=au.auth)
    assert merged.status_code == 204
    assert au.client.get(url, HTTP_AUTHORIZATION=au.auth).json() == {"page": 3, "seen": [1]}
    # The AU may not rewrite its launch data, nor read another learner's documents.
    launch_data = url.replace("stateId=bookmark", "stateId=LMS.LaunchData")
    assert (
        au.client.put(launch_data, "{}", "application/json", HTTP_AUTHORIZATION=au.auth).status_code
        == 403
    )
    stranger = url.replace(json.dumps(au.actor), json.dumps({"mbox": "mailto:x@example.com"}))
    assert au.client.get(stranger, HTTP_AUTHORIZATION=au.auth).status_code == 403
    profile = (
        f"{au.endpoint}/agents/profile?profileId={cmi5.LEARNER_PREFERENCES}"
        f"&agent={json.dumps(au.actor)}"
    )
    prefs = '{"languagePreference": "vi-VN", "audioPreference": "on"}'
    assert (
        au.client.put(profile, prefs, "application/json", HTTP_AUTHORIZATION=au.auth).status_code
        == 204
    )
    assert (
        au.client.get(profile, HTTP_AUTHORIZATION=au.auth).json()["languagePreference"] == "vi-VN"
    )
    assert XapiDocument.objects.filter(learner=attempt.learner).count() == 3
