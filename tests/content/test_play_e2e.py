"""Packages that really play: SCORM 1.2 / 2004 and H5P in Chromium, results stored by the platform.

The platform runs on 127.0.0.1 and serves packages from a second origin (localhost), as the
production setup does with a second host name.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import login
from tests.e2e.server import DatabaseTemplates, Server, manage
from tests.fixtures import fixture_path

pytestmark = pytest.mark.e2e

SETUP = """
import json
from wagtail.models import Page
from content.api import Package
from content.models import LibraryPage
from content.services import create_library, create_package_page, import_package
from core.models import Membership, Role, Subject, User
teacher = User.objects.get(username="giaovien")
school = Membership.objects.filter(user=teacher, role=Role.TEACHER).first().organisation
library = LibraryPage.objects.filter(school=school).first() or create_library(
    Page.get_first_root_node(), title="Thư viện", school=school)
subject = Subject.objects.get(code="TOAN") if Subject.objects.filter(code="TOAN").exists() \\
    else Subject.objects.first()
pages = {}
for name, path in json.loads(PATHS).items():
    _, package = import_package(path, user=teacher)
    page = create_package_page(library, package, author=teacher, subject=subject, grade=10,
                               school=school)
    pages[name] = page.pk
print(json.dumps(pages))
"""


@pytest.fixture(scope="module")
def play_server(db_templates: DatabaseTemplates) -> Iterator[tuple[Server, dict[str, int]]]:
    db = db_templates.copy("content-play", demo=True)
    paths = {
        "scorm12": str(fixture_path("scorm12/singlescobasic.zip")),
        "scorm2004": str(fixture_path("scorm2004/RuntimeBasicCalls_SCORM20043rdEdition.zip")),
        "h5p": str(fixture_path("h5p/h5p-test.h5p")),
        "h5p_choice": str(fixture_path("h5p/multiple-choice-2-6.h5p")),
        "cmi5": str(fixture_path("cmi5/multi_au_framed.zip")),
    }
    out = manage(db, "shell", "-c", SETUP.replace("PATHS", repr(json.dumps(paths))))
    pages = json.loads(out.strip().splitlines()[-1])
    server = Server(db)
    server.env = {
        "CONTENT_PLAY_ORIGIN": f"http://localhost:{server.port}",
        "CONTENT_PLATFORM_ORIGINS": f"http://127.0.0.1:{server.port}",
    }
    server.start()
    yield server, pages
    server.stop()


def stored(server: Server, page_id: int) -> dict[str, Any]:
    code = (
        "import json; from content.models import PackageAttempt, PackagePage;"
        f"p = PackagePage.objects.get(pk={page_id});"
        "a = PackageAttempt.objects.get(package=p.package);"
        "print(json.dumps({k: getattr(a, k) for k in ['completion', 'success', 'score_raw',"
        " 'score_max', 'score_scaled', 'location', 'session_time', 'suspend_data']}))"
    )
    return json.loads(manage(server.db, "shell", "-c", code).strip().splitlines()[-1])


def open_player(page: Any, server: Server, page_id: int) -> Any:
    page.goto(f"{server.url}/content/play/{page_id}/")
    return page.frame_locator("[data-testid=player-frame]").frame_locator("#sco")


def play_golf_course(page: Any, server: Server, page_id: int) -> None:
    """Page through the Rustici golf course, submit its test unanswered, and exit."""
    sco = open_player(page, server, page_id)
    next_button = sco.locator("#butNext")
    next_button.wait_for()
    while next_button.is_enabled():
        next_button.click()
    sco.frame_locator("#contentFrame").get_by_role("button", name="Submit Answers").click()
    sco.locator("#butExit").click()
    # Exit finishes the SCO (LMSFinish / Terminate), which commits synchronously.
    page.frame_locator("[data-testid=player-frame]").locator("body[data-finished=true]").wait_for(
        state="attached"
    )


def watch_dialogs(page: Any) -> list[str]:
    messages: list[str] = []

    def accept(dialog: Any) -> None:
        messages.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    return messages


def test_scorm12_course_reports_score_and_completion(play_server, page) -> None:
    server, pages = play_server
    login(page, server.url, "giaovien")
    page.wait_for_url(f"{server.url}/")
    dialogs = watch_dialogs(page)
    play_golf_course(page, server, pages["scorm12"])
    assert dialogs == []
    result = stored(server, pages["scorm12"])
    # The golf test scores 13% when submitted unanswered (its numeric question defaults match).
    assert result == {
        "completion": "completed",
        "success": "failed",
        "score_raw": 13.0,
        "score_max": 100.0,
        "score_scaled": 0.13,
        "location": "15",
        "session_time": result["session_time"],
        "suspend_data": "",
    }
    assert result["session_time"].count(":") == 2
    page.reload()
    assert page.locator("[data-testid=attempt-success]").inner_text() == "failed"
    assert page.locator("[data-testid=attempt-completion]").inner_text() == "completed"
    assert page.locator("[data-testid=attempt-score]").inner_text() == "13/100"


def test_scorm2004_course_reports_score_and_completion_and_resumes(play_server, page) -> None:
    server, pages = play_server
    login(page, server.url, "giaovien")
    page.wait_for_url(f"{server.url}/")
    dialogs = watch_dialogs(page)
    play_golf_course(page, server, pages["scorm2004"])
    result = stored(server, pages["scorm2004"])
    assert (result["completion"], result["success"]) == ("completed", "failed")
    assert (result["score_raw"], result["score_scaled"]) == (13.0, 0.13)
    assert result["location"] == "14"
    assert result["session_time"].startswith("PT")
    page.reload()
    assert page.locator("[data-testid=attempt-success]").inner_text() == "failed"
    assert page.locator("[data-testid=attempt-score]").inner_text() == "13/100"
    # Launched again, the course finds its bookmark: scorm-again was loaded with the stored cmi.
    sco = page.frame_locator("[data-testid=player-frame]").frame_locator("#sco")
    sco.locator("#butNext").wait_for()
    assert dialogs == ["Would you like to resume from where you previously left off?"]


def test_h5p_plays_and_its_result_is_stored(play_server, page) -> None:
    server, pages = play_server
    login(page, server.url, "giaovien")
    page.wait_for_url(f"{server.url}/")
    page.goto(f"{server.url}/content/play/{pages['h5p']}/")
    run = page.frame_locator("[data-testid=player-frame]")
    content = run.frame_locator("iframe.h5p-iframe")
    content.get_by_role("radio", name="False").click()  # "Is this false?"
    content.get_by_role("button", name="Check").click()
    run.locator("body[data-last-stored-verb=answered]").wait_for(state="attached")
    page.reload()
    page.locator("[data-testid=attempt-summary]").get_by_text("passed").wait_for()
    result = stored(server, pages["h5p"])
    assert (result["completion"], result["success"]) == ("completed", "passed")
    assert (result["score_raw"], result["score_max"], result["score_scaled"]) == (1.0, 1.0, 1.0)
    assert page.locator("[data-testid=attempt-score]").inner_text() == "1/1"


def test_scorm12_course_resumes_on_relaunch(play_server, page) -> None:
    """A SCORM 1.2 learner who leaves mid-course (exit = suspend, with a bookmark and suspend
    data committed through scorm-again to our runtime endpoint) gets them back at the next
    launch with cmi.core.entry = "resume", and the course offers to go back to its bookmark."""
    server, pages = play_server
    login(page, server.url, "giaovien")
    page.wait_for_url(f"{server.url}/")
    sco = open_player(page, server, pages["scorm12"])
    sco.locator("#butNext").wait_for()
    run = page.frame_locator("[data-testid=player-frame]").locator("body")
    # What the course's own calls do when the learner leaves at page 3 without finishing.
    committed = run.evaluate(
        """() => [
            window.API.LMSSetValue("cmi.core.lesson_location", "3"),
            window.API.LMSSetValue("cmi.suspend_data", "seen=1,2,3"),
            window.API.LMSSetValue("cmi.core.exit", "suspend"),
            window.API.LMSCommit(""),
        ]"""
    )
    assert committed == ["true", "true", "true", "true"]
    result = stored(server, pages["scorm12"])
    assert (result["location"], result["suspend_data"]) == ("3", "seen=1,2,3")
    dialogs = watch_dialogs(page)
    sco = open_player(page, server, pages["scorm12"])
    sco.locator("#butNext").wait_for()
    run = page.frame_locator("[data-testid=player-frame]").locator("body")
    cmi = run.evaluate(
        "() => [window.API.cmi.core.entry, window.API.cmi.core.lesson_location,"
        " window.API.cmi.suspend_data]"
    )
    assert cmi == ["resume", "3", "seen=1,2,3"]
    assert dialogs == ["Would you like to resume from where you previously left off?"]


def test_h5p_learner_resumes_where_they_left_off(play_server, page) -> None:
    """H5P's own state (getCurrentState) is saved to our xAPI state endpoint and handed back
    to h5p-standalone (contentUserData) at the next launch: the chosen answer is still chosen."""
    server, pages = play_server
    login(page, server.url, "giaovien")
    page.wait_for_url(f"{server.url}/")
    page.goto(f"{server.url}/content/play/{pages['h5p_choice']}/")
    run = page.frame_locator("[data-testid=player-frame]")
    content = run.frame_locator("iframe.h5p-iframe")
    # randomAnswers is on: find the answer by its text, wherever it is.
    wrong = content.get_by_role("radio", name="Wrong one")
    wrong.click()
    failed: list[str] = []
    page.on("requestfailed", lambda r: failed.append(f"{r.method} {r.url}"))
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    try:
        run.locator("body[data-state-saved]").wait_for(state="attached")
    except Exception as exc:  # say what the page did instead
        probe = run.locator("body").evaluate(
            "() => [String(window.H5P && window.H5P.instances && window.H5P.instances.length),"
            " document.querySelectorAll('iframe').length, document.body.dataset.h5pReady,"
            " document.body.dataset.lastStoredVerb]"
        )
        raise AssertionError(f"state not saved: {probe} {failed}") from exc
    assert content.get_by_role("radio", name="Correct one").get_attribute("aria-checked") == "false"
    page.reload()
    content = page.frame_locator("[data-testid=player-frame]").frame_locator("iframe.h5p-iframe")
    restored = content.get_by_role("radio", name="Wrong one")
    restored.wait_for()
    assert restored.get_attribute("aria-checked") == "true"
    assert content.get_by_role("radio", name="Correct one").get_attribute("aria-checked") == "false"
    code = (
        "from content.models import PackagePage, XapiDocument;"
        f"p = PackagePage.objects.get(pk={pages['h5p_choice']});"
        "d = XapiDocument.objects.get(document_id='h5p-state',"
        " activity_id__endswith=str(p.package.uuid));"
        "print(bytes(d.content).decode())"
    )
    saved = json.loads(manage(server.db, "shell", "-c", code).strip().splitlines()[-1])
    assert saved["answers"] == [1]  # "Wrong one" is the second answer of the content


def test_cmi5_au_launches_reports_and_is_satisfied(play_server, page) -> None:
    """The CATAPULT geology AU (cmi5.js) runs its whole launch sequence against our endpoint:
    fetch, LMS.LaunchData, learner preferences, initialized, passed, completed."""
    server, pages = play_server
    login(page, server.url, "giaovien")
    page.wait_for_url(f"{server.url}/")

    def completed(response: Any) -> bool:
        request = response.request
        return (
            "/xapi/statements" in response.url
            and request.method == "PUT"
            and "/verbs/completed" in (request.post_data or "")
        )

    with page.expect_response(completed, timeout=60_000) as info:
        page.goto(f"{server.url}/content/play/{pages['cmi5']}/")
    assert info.value.status == 204
    page.reload()
    page.locator("[data-testid=attempt-success]").get_by_text("passed").wait_for()
    run = page.frame_locator("[data-testid=player-frame]")
    assert run.locator("[data-testid=cmi5-au]").count() == 8
    # The first AU's moveOn (CompletedOrPassed) is met: it is shown as done for the learner.
    assert run.locator("[data-testid=cmi5-au-done]").count() == 1
    code = (
        "import json; from content.models import Cmi5Session, PackagePage, XapiStatement;"
        f"p = PackagePage.objects.get(pk={pages['cmi5']});"
        "s = Cmi5Session.objects.filter(attempt__package=p.package).first();"
        "verbs = [v.rsplit('/', 1)[-1] for v in XapiStatement.objects.filter("
        "package=p.package).values_list('verb', flat=True)];"
        "print(json.dumps({'verbs': verbs, 'token': bool(s.token_sha256),"
        " 'initialized': bool(s.initialized_at), 'passed': bool(s.passed_at),"
        " 'completed': bool(s.completed_at)}))"
    )
    result = json.loads(manage(server.db, "shell", "-c", code).strip().splitlines()[-1])
    verbs = result["verbs"]
    # The AU sends its own statements (e.g. "experienced") in its own order after initialized.
    assert verbs[:2] == ["launched", "initialized"]
    assert {"passed", "completed", "satisfied"} <= set(verbs)
    assert verbs.index("satisfied") > verbs.index("passed")
    assert all(result[k] for k in ("token", "initialized", "passed", "completed"))
