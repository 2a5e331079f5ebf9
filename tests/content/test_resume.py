"""Learners resume where they left off (SCORM, H5P), statement id conflicts, and completion
reaching the LMS activity a package was launched from."""

from __future__ import annotations

import json
import re
import uuid
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client, TestCase

from content import cmi5, play
from content.models import PackageAttempt, PackagePage, XapiDocument, XapiStatement
from content.services import (
    approve_content,
    create_package_page,
    import_package,
    start_attempt,
    submit_for_review,
)
from lms import services as lms_services
from lms.models import Activity, Course, Progress
from tests.fixtures import fixture_path

from .conftest import ContentWorld
from .test_cmi5 import launch

pytestmark = pytest.mark.django_db

FIXTURES = {
    "scorm12": "scorm12/singlescobasic.zip",
    "scorm2004": "scorm2004/RuntimeBasicCalls_SCORM20043rdEdition.zip",
    "h5p": "h5p/multiple-choice-2-6.h5p",
    "cmi5": "cmi5/multi_au_framed.zip",
}


def _page(content_world: ContentWorld, kind: str) -> PackagePage:
    w = content_world.world
    _, package = import_package(fixture_path(FIXTURES[kind]))
    assert package is not None
    return create_package_page(
        content_world.library_a,
        package,
        author=w.a.teacher,
        subject=content_world.maths,
        grade=10,
        school=w.a.school,
    )


def _run_config(attempt: PackageAttempt) -> dict[str, Any]:
    """What the run page hands the player at launch (its JSON config script)."""
    html = Client().get(f"/content/run/{play.token_for(attempt.pk)}/").content.decode()
    match = re.search(r'<script id="player-config" type="application/json">(.*?)</script>', html)
    assert match, html[:500]
    return json.loads(match.group(1))


def _commit(attempt: PackageAttempt, cmi: dict[str, Any]) -> None:
    url = f"/content/run/{play.token_for(attempt.pk)}/commit"
    # Run what the request queued for after its commit (the LMS task, eager in tests).
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = Client().post(url, json.dumps({"cmi": cmi}), content_type="application/json")
    assert response.json() == {"result": True, "errorCode": 0}


# --- SCORM resume ---------------------------------------------------------------------------


def test_scorm12_learner_resumes_with_suspend_data_and_location(content_world) -> None:
    page = _page(content_world, "scorm12")
    attempt = start_attempt(page.package, content_world.world.a.student)
    assert _run_config(attempt)["cmi"] == {}  # first launch: nothing to resume
    _commit(
        attempt,
        {
            "core": {
                "lesson_status": "incomplete",
                "lesson_location": "page-7",
                "exit": "suspend",
                "session_time": "00:03:00",
            },
            "suspend_data": "visited=1,2,3;answers=ab",
        },
    )
    cmi = _run_config(attempt)["cmi"]
    assert cmi["core"]["entry"] == "resume"
    assert cmi["core"]["lesson_location"] == "page-7"
    assert cmi["suspend_data"] == "visited=1,2,3;answers=ab"
    assert "session_time" not in cmi["core"]  # a new session starts at zero
    # Left normally (not suspended), the next launch is a fresh start, not a resume.
    _commit(attempt, {"core": {"lesson_status": "completed", "exit": ""}, "suspend_data": ""})
    assert _run_config(attempt)["cmi"]["core"]["entry"] == ""


def test_scorm2004_learner_resumes_with_suspend_data_and_location(content_world) -> None:
    page = _page(content_world, "scorm2004")
    attempt = start_attempt(page.package, content_world.world.a.student)
    _commit(
        attempt,
        {
            "completion_status": "incomplete",
            "location": "sco-3#p2",
            "suspend_data": '{"seen":[1,2]}',
            "exit": "suspend",
            "session_time": "PT4M",
        },
    )
    cmi = _run_config(attempt)["cmi"]
    assert (cmi["entry"], cmi["location"]) == ("resume", "sco-3#p2")
    assert cmi["suspend_data"] == '{"seen":[1,2]}'
    assert "session_time" not in cmi
    # Another learner of the same package starts from nothing.
    other = start_attempt(page.package, content_world.world.b.student)
    assert _run_config(other)["cmi"] == {}


# --- H5P resume -----------------------------------------------------------------------------


def test_h5p_state_saved_by_the_player_is_handed_back_on_the_next_launch(content_world) -> None:
    page = _page(content_world, "h5p")
    attempt = start_attempt(page.package, content_world.world.a.student)
    config = _run_config(attempt)
    h5p = config["h5p"]
    assert (h5p["state"], h5p["stateId"]) == ("", "h5p-state")
    # What players/h5p.ts does with the content's getCurrentState().
    state = json.dumps({"answers": [1]})
    url = f"/content/run/{play.token_for(attempt.pk)}/{h5p['stateUrl']}"
    query = {"activityId": config["activityId"], "stateId": h5p["stateId"]}
    saved = Client().put(
        f"{url}?activityId={query['activityId']}&stateId={query['stateId']}",
        state,
        content_type="application/json",
    )
    assert saved.status_code == 204
    assert _run_config(attempt)["h5p"]["state"] == state
    assert Client().get(url, query).content.decode() == state
    # The state is the learner's own: another learner launches the content fresh.
    other = start_attempt(page.package, content_world.world.b.student)
    assert _run_config(other)["h5p"]["state"] == ""
    assert XapiDocument.objects.filter(document_id="h5p-state").count() == 1


# --- statement id conflicts -----------------------------------------------------------------


def _statement(**result: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "actor": {"mbox": "mailto:someone@example.com"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/answered"},
        "object": {"id": "http://example.com/activities/q1"},
        "result": result,
    }


def test_statement_id_reused_with_other_content_is_a_conflict(content_world) -> None:
    page = _page(content_world, "h5p")
    attempt = start_attempt(page.package, content_world.world.a.student)
    url = f"/content/run/{play.token_for(attempt.pk)}/xapi/statements"
    first = _statement(success=True, score={"raw": 1, "max": 1})
    put = Client().put(
        f"{url}?statementId={first['id']}", json.dumps(first), content_type="application/json"
    )
    assert put.status_code == 204
    # The same statement again (a retry) is accepted and changes nothing.
    again = Client().put(
        f"{url}?statementId={first['id']}", json.dumps(first), content_type="application/json"
    )
    assert again.status_code == 204
    posted = Client().post(url, json.dumps(first), content_type="application/json")
    assert (posted.status_code, posted.json()) == (200, [first["id"]])
    # The same id with different content: 409, for PUT and for a POSTed batch.
    changed = {**first, "result": {"success": False, "score": {"raw": 0, "max": 1}}}
    conflict = Client().put(
        f"{url}?statementId={first['id']}", json.dumps(changed), content_type="application/json"
    )
    assert conflict.status_code == 409
    assert first["id"] in conflict.json()["detail"][0]
    fresh = _statement(success=True)
    batch = Client().post(url, json.dumps([fresh, changed]), content_type="application/json")
    assert batch.status_code == 409
    # All or nothing: the fresh statement of the refused batch is not stored either.
    assert list(XapiStatement.objects.values_list("id", flat=True)) == [uuid.UUID(first["id"])]
    stored = XapiStatement.objects.get()
    assert stored.statement["result"]["success"] is True
    attempt.refresh_from_db()
    assert attempt.success == "passed"


# --- completion reaches the LMS -------------------------------------------------------------


@pytest.fixture
def course(content_world: ContentWorld) -> Course:
    klass = content_world.world.a.school_class
    return lms_services.create_course(
        content_world.world.a.teacher,
        kind=Course.Kind.CLASS,
        title="Toán 10A1",
        school_class=klass,
        subject=klass.teaching_assignments.get().subject,
    )


def _published(content_world: ContentWorld, kind: str) -> PackagePage:
    page = _page(content_world, kind)
    submit_for_review(page, user=content_world.world.a.teacher)
    approve_content(page, user=content_world.maths_head_a)
    page.refresh_from_db()
    assert page.live
    return page


def _activity(content_world: ContentWorld, course: Course, page: PackagePage, **rule: Any):
    teacher = content_world.world.a.teacher
    module = lms_services.add_module(teacher, course, title="Chương 1")
    return lms_services.add_activity(
        teacher, module, kind=Activity.Kind.CONTENT, title=page.title, ref_id=str(page.pk), **rule
    )


def _launch(client: Client, page: PackagePage, activity: Activity) -> PackageAttempt:
    response = client.get(f"/content/play/{page.pk}/?activity={activity.pk}")
    assert response.status_code == 200
    return PackageAttempt.objects.get(package=page.package, learner=response.wsgi_request.user)


def test_scorm_completion_with_score_completes_the_lms_activity(
    content_world, course, login
) -> None:
    page = _published(content_world, "scorm2004")
    activity = _activity(
        content_world, course, page, rule=Activity.Rule.SCORE, pass_score=Decimal("8")
    )
    student = login(content_world.world.a.student)
    # The LMS activity page sends the learner to the player with its own id.
    detail = student.get(f"/lms/activities/{activity.pk}/").content.decode()
    assert f"/content/play/{page.pk}/?activity={activity.pk}" in detail
    attempt = _launch(student, page, activity)
    assert attempt.lms_activities == [activity.pk]
    # Not yet completed: nothing reaches the LMS.
    _commit(attempt, {"completion_status": "incomplete", "score": {"scaled": "0.9"}})
    assert not Progress.objects.filter(activity=activity).exists()
    # Completed below the threshold: recorded, but the rule (score >= 8) is not met.
    _commit(attempt, {"completion_status": "completed", "score": {"scaled": "0.75"}})
    progress = Progress.objects.get(activity=activity, user=content_world.world.a.student)
    assert (progress.package_completed, progress.score, progress.completed_at) == (
        True,
        Decimal("7.5"),
        None,
    )
    _commit(
        attempt,
        {"completion_status": "completed", "success_status": "passed", "score": {"scaled": "0.9"}},
    )
    progress.refresh_from_db()
    assert progress.score == Decimal("9.0")
    assert progress.completed_at is not None
    # Told again (a retried task), nothing changes.
    from lms.tasks import record_package_result

    assert record_package_result(attempt.pk, activity.pk) is True
    again = Progress.objects.get(pk=progress.pk)
    assert (again.score, again.completed_at) == (progress.score, progress.completed_at)


def test_h5p_completed_statement_completes_a_viewed_activity(content_world, course, login) -> None:
    page = _published(content_world, "h5p")
    activity = _activity(content_world, course, page, rule=Activity.Rule.VIEWED)
    student = login(content_world.world.a.student)
    attempt = _launch(student, page, activity)
    statement = _statement(completion=True, success=True, score={"raw": 1, "max": 1})
    url = f"/content/run/{play.token_for(attempt.pk)}/xapi/statements"
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = Client().post(url, json.dumps(statement), content_type="application/json")
    assert response.status_code == 200
    progress = Progress.objects.get(activity=activity, user=content_world.world.a.student)
    assert progress.completed_at is not None
    assert (progress.score, progress.passed) == (Decimal("10.0"), True)


def test_package_launched_outside_the_lms_or_from_a_foreign_activity_changes_nothing(
    content_world, course, login
) -> None:
    page = _published(content_world, "scorm2004")
    other_page = _published(content_world, "h5p")
    activity = _activity(content_world, course, other_page, rule=Activity.Rule.VIEWED)
    student = login(content_world.world.a.student)
    # The activity uses another item: launching this package "from" it proves nothing.
    attempt = _launch(student, page, activity)
    _commit(attempt, {"completion_status": "completed", "success_status": "passed"})
    assert not Progress.objects.filter(activity=activity).exists()


def test_cmi5_course_satisfied_completes_the_lms_activity(content_world, course, login) -> None:
    page = _published(content_world, "cmi5")
    activity = _activity(content_world, course, page, rule=Activity.Rule.VIEWED)
    student = login(content_world.world.a.student)
    attempt = _launch(student, page, activity)
    # Each AU runs its session against our endpoint, as in test_cmi5.py; the last one (the
    # quiz, moveOn CompletedAndPassed) also passes, which satisfies the course.
    count = len(cmi5.structure(attempt.package).aus)
    for index in range(count):
        au = launch(attempt, index)
        au.fetch()
        au.launch_data()
        assert au.send(au.statement(cmi5.INITIALIZED)).status_code == 204
        done = au.statement(cmi5.COMPLETED, moveon=True, result={"completion": True})
        with TestCase.captureOnCommitCallbacks(execute=True):
            assert au.send(done).status_code == 204
    assert not Progress.objects.filter(activity=activity, completed_at__isnull=False).exists()
    passed = au.statement(cmi5.PASSED, moveon=True, result={"success": True})
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert au.send(passed).status_code == 204
    progress = Progress.objects.get(activity=activity, user=content_world.world.a.student)
    assert progress.package_completed
    assert progress.completed_at is not None
