"""The permission matrix: who may call every API endpoint and open every page.

One `Rule` per API operation (method + path exactly as in docs/openapi.json) and per page (its
Django route, as `tests/security/test_permission_matrix.py` prints it when one is missing). For
each role it says whether the call is allowed on an object of the person's **own** school and on
an object of **another** school (IDOR). Everything not listed as allowed must be refused
(401/403/404, or a redirect to the login page for anonymous visitors of pages).

Adding an endpoint or a page? Add a `Rule` below (and, if its path has a new `{parameter}`, a
resolver in tests/security/world.py), then regenerate docs/permissions.md:

    .venv/bin/python -m config.permission_matrix > docs/permissions.md

Pure data, no Django imports, so the docs can be rendered anywhere.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field

ANON = "anonymous"
STUDENT = "student"
TEACHER = "teacher"
# A teacher of the same school who teaches another class (not the world's class) and wrote
# nothing: stands for "any other staff member" where a rule is narrower than the school.
OTHER_TEACHER = "other_teacher"
SUBJECT_HEAD = "subject_head"
SCHOOL_ADMIN = "school_admin"
EXAM_COORDINATOR = "exam_coordinator"
DEPARTMENT_ADMIN = "department_admin"

ROLES: tuple[str, ...] = (
    ANON,
    STUDENT,
    TEACHER,
    OTHER_TEACHER,
    SUBJECT_HEAD,
    SCHOOL_ADMIN,
    EXAM_COORDINATOR,
    DEPARTMENT_ADMIN,
)
STAFF = frozenset(
    {TEACHER, OTHER_TEACHER, SUBJECT_HEAD, SCHOOL_ADMIN, EXAM_COORDINATOR, DEPARTMENT_ADMIN}
)
SIGNED_IN = STAFF | {STUDENT}
EVERYONE = SIGNED_IN | {ANON}
ADMINS = frozenset({SCHOOL_ADMIN, DEPARTMENT_ADMIN})
NOBODY: frozenset[str] = frozenset()
TEACHING = frozenset({TEACHER, SCHOOL_ADMIN, DEPARTMENT_ADMIN})
# Students' results of an online test (Law 91/2025): the class's teacher (here also the test's
# author), the subject head of the test's subject, the school's leadership, the department.
RESULTS = frozenset({TEACHER, SUBJECT_HEAD, SCHOOL_ADMIN, DEPARTMENT_ADMIN})
# Giving a test to a class opens its results to the assigner, so it takes the same people.
ASSIGNERS = RESULTS


@dataclass(frozen=True)
class Rule:
    method: str
    path: str
    own: frozenset[str]
    # Roles allowed on another school's object; None when the path names no school object.
    other: frozenset[str] | None = None
    # Request body (JSON for the API, form fields for pages); "file" is sent as an upload.
    body: dict[str, object] = field(default_factory=dict)
    note: str = ""
    # Set when the test world has no object for this path yet: the matrix test then FAILS until
    # the object is built in tests/security/world.py. Say what object is missing.
    pending: str = ""
    # The concrete reason a call cannot be made at all (only anonymous callers are then checked,
    # with a placeholder id); listed in docs/permissions.md. Not for "no object yet": see pending.
    unexercised: str = ""


def api(
    method: str,
    path: str,
    own: frozenset[str] | set[str],
    other: frozenset[str] | set[str] | None = None,
    body: Mapping[str, object] | None = None,
    note: str = "",
    pending: str = "",
    unexercised: str = "",
) -> Rule:
    return Rule(
        method,
        "/api/v1" + path,
        frozenset(own),
        None if other is None else frozenset(other),
        dict(body or {}),
        note,
        pending,
        unexercised,
    )


def page(
    path: str,
    own: frozenset[str] | set[str],
    other: frozenset[str] | set[str] | None = None,
    method: str = "GET",
    body: Mapping[str, object] | None = None,
    note: str = "",
    pending: str = "",
    unexercised: str = "",
) -> Rule:
    return Rule(
        method,
        path,
        frozenset(own),
        None if other is None else frozenset(other),
        dict(body or {}),
        note,
        pending,
        unexercised,
    )


# Body values in angle brackets are filled in by the test from the object of the relation.
_UPLOADER = "the uploader only (own = the school's teacher's upload)"
_EXAM = "needs the X-Exam-Token from the candidate's sign-in: a session grants nothing"
_SCHOOL_STAFF = "staff of the test's school (and above it)"
_RESULTS = (
    "students' results: the class's teachers of the test's subject, its homeroom teacher, the "
    "test's author and assigner, the school's subject head of that subject, the school admin "
    "(leadership), staff above the school; not other teachers of the school"
)
_ASSIGN = (
    "only classes the person teaches or is homeroom teacher of, or leads (school admin, subject "
    "head, staff above the school)"
)
_ACTIVITY = {
    "module": "<module_id>",
    "kind": "assignment",
    "title": "Bài tập 2",
    "rule": "submitted",
}
API_RULES: list[Rule] = [
    # --- core ---------------------------------------------------------------------------------
    api("GET", "/me", SIGNED_IN),
    api("GET", "/me/personal-data", SIGNED_IN),
    api("GET", "/organisations", SIGNED_IN, note="lists only organisations the person reaches"),
    api("GET", "/classes", SIGNED_IN, note="lists only classes the person reaches"),
    api(
        "GET",
        "/classes/{class_id}",
        STAFF | {STUDENT},
        {DEPARTMENT_ADMIN},
        note="students: their own class only",
    ),
    api("GET", "/tokens", SIGNED_IN),
    api("POST", "/tokens", SIGNED_IN, body={"name": "ma trận"}),
    api(
        "DELETE",
        "/tokens/{token_id}",
        SIGNED_IN,
        NOBODY,
        note="own = the person's token; other = a token of another school's teacher",
    ),
    api(
        "POST",
        "/schools/{school_id}/roster-imports",
        ADMINS,
        {DEPARTMENT_ADMIN},
        body={"file": "<roster>"},
    ),
    api(
        "POST",
        "/schools/{school_id}/roster-imports/{import_id}/commit",
        ADMINS,
        {DEPARTMENT_ADMIN},
    ),
    # --- lms ----------------------------------------------------------------------------------
    # --- content repository ---------------------------------------------------------------------
    api(
        "GET",
        "/content/search",
        SIGNED_IN,
        note="lists only published items of the Sở's library and the person's own schools",
    ),
    api("GET", "/lms/grade-books", SIGNED_IN, note="lists only books the person may see"),
    api(
        "POST",
        "/lms/grade-books",
        {TEACHER, SCHOOL_ADMIN, DEPARTMENT_ADMIN},
        {DEPARTMENT_ADMIN},
        body={
            "school_class_id": "<class_id>",
            "subject_id": "<subject_id>",
            "semester_id": "<semester_id>",
        },
    ),
    api(
        "GET",
        "/lms/grade-books/{book_id}",
        {TEACHER, SCHOOL_ADMIN, DEPARTMENT_ADMIN},
        {DEPARTMENT_ADMIN},
    ),
    api(
        "PUT",
        "/lms/grade-books/{book_id}/cells",
        {TEACHER, SCHOOL_ADMIN, DEPARTMENT_ADMIN},
        {DEPARTMENT_ADMIN},
        body={"student_id": "<student_id>", "column": "tx1", "value": "8"},
    ),
    api(
        "POST",
        "/lms/grade-books/{book_id}/submit",
        {TEACHER, SCHOOL_ADMIN, DEPARTMENT_ADMIN},
        {DEPARTMENT_ADMIN},
    ),
    api("POST", "/lms/grade-books/{book_id}/approve", ADMINS, {DEPARTMENT_ADMIN}),
    api(
        "POST",
        "/lms/grade-books/{book_id}/reopen",
        ADMINS,
        {DEPARTMENT_ADMIN},
        body={"reason": "Sửa điểm nhập nhầm"},
    ),
    api("GET", "/lms/me/grades", SIGNED_IN, note="a person's own scores only"),
    api("GET", "/lms/xapi/statements", SIGNED_IN, note="a person's own statements only"),
    api("POST", "/lms/xapi/statements", SIGNED_IN, body={"statement": "<xapi>"}),
    # --- assessment ---------------------------------------------------------------------------
    api(
        "POST",
        "/assessment/assignments/{assignment_id}/attempts",
        {STUDENT},
        NOBODY,
        note="only students the test is assigned to",
    ),
    api("GET", "/assessment/attempts/{attempt_id}", {STUDENT}, NOBODY, note="the candidate only"),
    api(
        "PUT",
        "/assessment/attempts/{attempt_id}/answers",
        {STUDENT},
        NOBODY,
        body={"answers": []},
    ),
    api("GET", "/assessment/attempts/{attempt_id}/result", {STUDENT}, NOBODY),
    api("POST", "/assessment/attempts/{attempt_id}/submit", {STUDENT}, NOBODY),
    # --- question bank ------------------------------------------------------------------------
    api("GET", "/question-bank/items", SIGNED_IN, note="lists only items the person may see"),
    api("POST", "/question-bank/items", STAFF, body={"content": "<item>"}),
    api(
        "GET",
        "/question-bank/items/{item_id}",
        STAFF,
        {DEPARTMENT_ADMIN},
        note="a school-shared item of the school",
    ),
    api(
        "PUT",
        "/question-bank/items/{item_id}",
        {TEACHER, SCHOOL_ADMIN, DEPARTMENT_ADMIN},
        {DEPARTMENT_ADMIN},
        body={"content": "<item>"},
        note="the author and the school's admins",
    ),
    api(
        "POST",
        "/question-bank/items/{item_id}/{action}",
        {TEACHER, SCHOOL_ADMIN, DEPARTMENT_ADMIN},
        {DEPARTMENT_ADMIN},
        body={"comment": ""},
        note="action=submit, by the author or the school's admins",
    ),
    api("GET", "/question-bank/review-queue", SIGNED_IN, note="empty unless the person reviews"),
    api("POST", "/question-bank/import", STAFF, body={"file": "<aiken>"}),
    *(
        api("GET", f"/question-bank/items/{{item_id}}/{rest}", STAFF, {DEPARTMENT_ADMIN})
        for rest in ("duplicates", "versions")
    ),
    api("POST", "/question-bank/imports", STAFF, body={"file": "<aiken>"}),
    *(
        api(m, f"/question-bank/imports/{{job_id}}{rest}", {TEACHER}, NOBODY, note=_UPLOADER)
        for m, rest in (("GET", ""), ("POST", "/commit"))
    ),
    api(
        "POST",
        "/lms/courses",
        {TEACHER},
        NOBODY,
        body={"school_class_id": "<class_id>", "subject_id": "<subject_id>", "title": "Toán"},
        note="the class's subject teacher only",
    ),
    api("GET", "/lms/courses/{course_id}/outline", TEACHING, {DEPARTMENT_ADMIN}),
    api(
        "POST",
        "/lms/courses/{course_id}/lessons",
        TEACHING,
        {DEPARTMENT_ADMIN},
        body={"title": "Bài 2", "class_starts_at": "2026-12-01T07:30:00+07:00"},
    ),
    api(
        "POST",
        "/lms/courses/{course_id}/modules",
        TEACHING,
        {DEPARTMENT_ADMIN},
        body={"title": "Chương 2"},
    ),
    api(
        "POST",
        "/lms/modules/{module_id}/activities",
        TEACHING,
        {DEPARTMENT_ADMIN},
        body={"kind": "assignment", "title": "Bài tập 2", "rule": "submitted"},
    ),
    api(
        "PUT",
        "/lms/modules/{module_id}/order",
        TEACHING,
        {DEPARTMENT_ADMIN},
        body={"activity_ids": "<activity_ids>"},
    ),
    api(
        "PUT",
        "/lms/courses/{course_id}/module-order",
        TEACHING,
        {DEPARTMENT_ADMIN},
        body={"module_ids": []},
        note="an empty order is refused (422) once the course is found",
    ),
    api(
        "PUT",
        "/lms/activities/{activity_id}",
        TEACHING,
        {DEPARTMENT_ADMIN},
        body={"kind": "assignment", "title": "Bài tập 2", "rule": "submitted"},
    ),
    api(
        "DELETE",
        "/lms/activities/{activity_id}",
        TEACHING,
        {DEPARTMENT_ADMIN},
        note="archived instead of deleted once learners have worked on it",
    ),
    api(
        "POST",
        "/lms/activities/{activity_id}/restore",
        TEACHING,
        {DEPARTMENT_ADMIN},
        note="an archived activity (one learners had worked on) back at the end of its module",
    ),
    api("POST", "/lms/activities/{activity_id}/import-results", TEACHING, {DEPARTMENT_ADMIN}),
    api("POST", "/exams/sign-in", EVERYONE, note="candidate number + password"),
    *(
        api(m, f"/exams/attempts/{{attempt_id}}{rest}", NOBODY, NOBODY, body=body, note=_EXAM)
        for m, rest, body in (
            ("GET", "", None),
            ("PUT", "/answers", {"answers": []}),
            ("GET", "/receipt", None),
            ("POST", "/start", {"access_code": "000000"}),
            ("GET", "/state", None),
            ("POST", "/submit", None),
        )
    ),
    api("GET", "/assessment/tests", STAFF, note="lists only the tests the person manages"),
    api("POST", "/assessment/tests", STAFF, body={"title": "Kiểm tra 45 phút"}),
    api(
        "POST",
        "/assessment/groups",
        ASSIGNERS,
        {DEPARTMENT_ADMIN},
        body={"school_class": "<class_id>", "name": "Nhóm 1", "students": "<student_ids>"},
        note=_ASSIGN,
    ),
    api(
        "POST",
        "/assessment/tests/{test_id}/assignments",
        ASSIGNERS,
        {DEPARTMENT_ADMIN},
        body={
            "school_class": "<class_id>",
            "opens": "2026-12-01T07:30:00+07:00",
            "closes": "2026-12-01T09:30:00+07:00",
            "time_limit_minutes": 45,
        },
        note=_ASSIGN,
    ),
    *(
        api(m, f"/assessment/{rest}", RESULTS, {DEPARTMENT_ADMIN}, body=body, note=_RESULTS)
        for m, rest, body in (
            ("POST", "assignments/{assignment_id}/answers/{answer_id}/grade", {"points": "0.5"}),
            ("GET", "assignments/{assignment_id}/grading", None),
            ("GET", "assignments/{assignment_id}/item-analysis", None),
            ("GET", "assignments/{assignment_id}/results", None),
        )
    ),
    *(
        api(m, f"/assessment/{rest}", STAFF, {DEPARTMENT_ADMIN}, body=body, note=_SCHOOL_STAFF)
        for m, rest, body in (
            ("GET", "tests/{test_id}", None),
            ("PATCH", "tests/{test_id}", {"title": "Kiểm tra 15 phút"}),
            ("GET", "tests/{test_id}/bank", None),
            ("PUT", "tests/{test_id}/blueprint", {"cells": []}),
            ("POST", "tests/{test_id}/generate", {"seed": "1"}),
            (
                "POST",
                "tests/{test_id}/items",
                {"part": "<part_id>", "item_version": "<item_version_id>"},
            ),
            ("DELETE", "tests/{test_id}/items/{item_id}", None),
            (
                "POST",
                "tests/{test_id}/items/{item_id}/correct",
                {"version": "<test_item_version_id>"},
            ),
            ("POST", "tests/{test_id}/versions", {"count": 1}),
        )
    ),
]

# Framework pages with their own access control; listed so a new one is a conscious decision.
EXEMPT_PREFIXES: dict[str, str] = {
    "api/v1/": "the API, covered by API_RULES",
    "django-admin/": "Django admin: superusers only (is_staff)",
    "cms/": "Wagtail admin: Wagtail's own permissions",
    "accounts/": "Django's login, logout and password pages",
    "i18n/": "language switch",
    "documents/": "Wagtail documents: Wagtail's collection permissions",
    "pages/": "Wagtail page serving: page view restrictions",
}

_P = "no object in tests/security/world.py yet"
_RUN = "the signed run token (of the school's student's run) is the credential, not a session"
_CMI5_AUTH = "; the LRS also wants the AU session's fetched token (Authorization: Basic)"

PAGE_RULES: list[Rule] = [
    # --- core ---------------------------------------------------------------------------------
    page("healthz", EVERYONE),
    page("", SIGNED_IN, note="home dashboard"),
    page("classes/<int:class_id>/", STAFF | {STUDENT}, {DEPARTMENT_ADMIN}),
    page("schools/<int:school_id>/roster/", ADMINS, {DEPARTMENT_ADMIN}),
    page("schools/<int:school_id>/roster/<int:import_id>/", ADMINS, {DEPARTMENT_ADMIN}),
    page("me/personal-data.json", SIGNED_IN),
    page("me/notify-test/", SIGNED_IN, method="POST"),
    # --- core: personal data (Law 91/2025, docs/privacy.md) -----------------------------------
    page("me/personal-data/views/", SIGNED_IN, note="who viewed my data"),
    page("audit/", ADMINS, note="audit search; school admins see their school's people only"),
    page(
        "people/<int:user_id>/personal-data/views/",
        ADMINS | {STUDENT},
        {DEPARTMENT_ADMIN},
        note="the person, a linked guardian, admins reaching the person's school",
    ),
    page(
        "people/<int:user_id>/personal-data.json",
        {STUDENT},
        NOBODY,
        note="the person or a linked parent/guardian",
    ),
    page("people/<int:user_id>/depart/", ADMINS, {DEPARTMENT_ADMIN}, method="POST"),
    page("people/<int:user_id>/anonymise/", ADMINS, {DEPARTMENT_ADMIN}, method="POST"),
    page(
        "schools/<int:school_id>/guardians/",
        ADMINS,
        {DEPARTMENT_ADMIN},
        note="link parents to the school's students; another school's student is 404",
    ),
    page(
        "schools/<int:school_id>/guardians/",
        ADMINS,
        {DEPARTMENT_ADMIN},
        method="POST",
        note="link: without a student of the school nothing is stored",
    ),
    page("schools/<int:school_id>/guardians/unlink/", ADMINS, {DEPARTMENT_ADMIN}, method="POST"),
    page("oidc/authenticate/", EVERYONE, note="redirects to the identity provider"),
    page("oidc/callback/", NOBODY, note="without the provider's state: the refused page"),
    page(
        "oidc/logout/",
        NOBODY,
        method="POST",
        note="signs out and sends everyone to the login page: grants nothing",
    ),
    # --- assessment: candidates ----------------------------------------------------------------
    page("assessment/assignments/<int:assignment_id>/", {STUDENT}, NOBODY, note="the candidate"),
    page("assessment/attempts/<int:attempt_id>/", {STUDENT}, NOBODY),
    page("assessment/attempts/<int:attempt_id>/result/", {STUDENT}, NOBODY),
    # --- assessment: teachers ------------------------------------------------------------------
    page("assessment/tests/", STAFF),
    *(
        page(
            f"assessment/tests/<int:test_id>/{rest}",
            STAFF,
            {DEPARTMENT_ADMIN},
            method=m,
            body={"part": "<part_id>", "item_version": "<item_version_id>"}
            if rest == "items/"
            else None,
            note=_SCHOOL_STAFF,
        )
        for m, rest in (
            ("GET", ""),
            ("POST", "parts/"),
            ("GET", "bank/"),
            ("POST", "items/"),
            ("POST", "items/<int:item_id>/remove/"),
            ("GET", "items/<int:item_id>/correct/"),
            ("GET", "items/<int:item_id>/rubric/"),
            ("GET", "blueprint/"),
            ("POST", "generate/"),
            ("GET", "versions/"),
            ("GET", "versions/<str:code>.<str:kind>"),
            ("GET", "answer-sheet.pdf"),
            ("GET", "key.xlsx"),
            ("GET", "assign/"),
        )
    ),
    page("assessment/classes/<int:class_id>/groups/", ASSIGNERS, {DEPARTMENT_ADMIN}, note=_ASSIGN),
    *(
        page(
            f"assessment/assignments/<int:assignment_id>/{rest}",
            RESULTS,
            {DEPARTMENT_ADMIN},
            note=_RESULTS,
        )
        for rest in ("grading/", "results/", "results.xlsx", "items/")
    ),
    page(
        "assessment/assignments/<int:assignment_id>/answers/<int:answer_id>/grade/",
        RESULTS,
        {DEPARTMENT_ADMIN},
        method="POST",
        body={"points": "0.5"},
        note=_RESULTS,
    ),
    page(
        "assessment/assignments/<int:assignment_id>/items/publish/",
        RESULTS,
        {DEPARTMENT_ADMIN},
        method="POST",
        note=_RESULTS,
    ),
    # --- lms ----------------------------------------------------------------------------------
    page("lms/courses/new/", SIGNED_IN, note="an empty form unless the person teaches"),
    *(
        page(
            f"lms/courses/<int:course_id>/{rest}",
            TEACHING,
            {DEPARTMENT_ADMIN},
            method=m,
            body=_ACTIVITY if rest == "activities/" else None,
        )
        for m, rest in (
            ("GET", "edit/"),
            ("POST", "modules/"),
            ("POST", "lessons/"),
            ("POST", "activities/"),
            ("GET", "progress.<str:fmt>"),
        )
    ),
    *(
        page(f"lms/courses/<int:course_id>/{rest}", {STUDENT} | TEACHING, {DEPARTMENT_ADMIN})
        for rest in ("", "dashboard/")
    ),
    *(
        page(f"lms/activities/<int:activity_id>/{rest}", TEACHING, {DEPARTMENT_ADMIN}, method=m)
        for m, rest in (
            ("POST", "move/<str:direction>/"),
            ("POST", "questions/"),
            ("POST", "import-results/"),
            ("GET", "submissions/"),
            ("GET", "edit/"),
            ("POST", "delete/"),
            ("POST", "restore/"),
        )
    ),
    page(
        "lms/modules/<int:module_id>/move/<str:direction>/",
        TEACHING,
        {DEPARTMENT_ADMIN},
        method="POST",
    ),
    page("lms/activities/<int:activity_id>/", {STUDENT} | TEACHING, {DEPARTMENT_ADMIN}),
    page("lms/lessons/<int:lesson_id>/", {STUDENT} | TEACHING, {DEPARTMENT_ADMIN}),
    page("lms/lessons/<int:lesson_id>/readiness/", TEACHING, {DEPARTMENT_ADMIN}),
    page("lms/lessons/<int:lesson_id>/readiness.csv", TEACHING, {DEPARTMENT_ADMIN}),
    page("lms/grade-books/<int:book_id>/", TEACHING, {DEPARTMENT_ADMIN}),
    page(
        "lms/grade-books/<int:book_id>/<str:action>/",
        TEACHING,
        {DEPARTMENT_ADMIN},
        method="POST",
        note="action=submit",
    ),
    page("lms/pd/", SIGNED_IN, note="an empty catalogue for students"),
    page(
        "lms/pd/<int:course_id>/enrol/",
        STAFF - {DEPARTMENT_ADMIN},
        NOBODY,
        method="POST",
        note="staff of a school at or below the course's organisation",
    ),
    page("lms/certificates/<uuid:certificate_id>/", EVERYONE, note="public check"),
    page(
        "lms/certificates/<uuid:certificate_id>/pdf",
        {TEACHER},
        NOBODY,
        note="the holder only (own = the school's teacher's certificate)",
    ),
    # --- content repository: search, preview, downloads, use in a course ----------------------
    page("content/browse/", SIGNED_IN, note="lists only items the person may see"),
    page(
        "content/items/<int:page_id>/",
        SIGNED_IN,
        {DEPARTMENT_ADMIN},
        note="another school's library is hidden (404)",
    ),
    page(
        "content/items/<int:page_id>/download/<str:what>",
        SIGNED_IN,
        {DEPARTMENT_ADMIN},
        note="audited; refused when the signed manifest no longer matches",
    ),
    page(
        "lms/content/<int:page_id>/use/",
        SIGNED_IN,
        {DEPARTMENT_ADMIN},
        note="lists only modules of the person's courses",
    ),
    page(
        "lms/content/<int:page_id>/use/",
        TEACHING,
        {DEPARTMENT_ADMIN},
        method="POST",
        body={"module": "<module_id>"},
        note="adds the item to a module of a course the person manages",
    ),
    # --- content: IMS Common Cartridge import (drafts in the person's school library) ----------
    page(
        "content/cartridges/import/",
        STAFF,
        note="staff reaching a school that has a library; others 403",
    ),
    page(
        "content/cartridges/import/",
        STAFF,
        method="POST",
        body={"token": "x"},
        note="preview, then confirm with the uploader's own signed token (400 otherwise)",
    ),
    # --- content players: a signed run token is the credential ---------------------------------
    page(
        "content/play/<int:page_id>/",
        {TEACHER},
        NOBODY,
        note="a draft: its author only (a live page: everyone signed in)",
    ),
    *(
        page(f"content/run/<str:token>/{rest}", EVERYONE, method=m, note=_RUN)
        for m, rest in (
            ("GET", ""),
            ("GET", "f/<path:path>"),
            ("POST", "commit"),
            ("GET", "cmi5/launch/<int:index>"),
            ("POST", "cmi5/fetch/<uuid:session_id>"),
            ("GET", "xapi/about"),
        )
    ),
    *(
        page(f"content/run/<str:token>/{rest}", NOBODY, method=m, note=_RUN + _CMI5_AUTH)
        for m, rest in (
            ("POST", "xapi/statements"),
            ("GET", "xapi/activities/state"),
            ("GET", "xapi/agents/profile"),
        )
    ),
    # --- provenance: public verification ------------------------------------------------------
    page("xac-minh/", EVERYONE),
    page("xac-minh/<str:code>/", EVERYONE, note="a signed, approved item's code"),
    # --- question bank ------------------------------------------------------------------------
    page("question-bank/", SIGNED_IN, note="lists nothing for students"),
    page("question-bank/review/", SIGNED_IN, note="empty unless the person reviews"),
    page(
        "question-bank/review/<int:item_id>/",
        {SUBJECT_HEAD},
        NOBODY,
        method="POST",
        body={"decision": "approve"},
        note="a head of the item's subject at its school or above",
    ),
    page("question-bank/assets/<str:sha256>", SIGNED_IN),
    page("question-bank/assets/", STAFF, method="POST", body={"image": "<png>"}),
    page("question-bank/items/new/", STAFF),
    page("question-bank/items/preview/", SIGNED_IN, method="POST", note="renders the posted draft"),
    page("question-bank/items/<int:item_id>/", STAFF, {DEPARTMENT_ADMIN}),
    page("question-bank/items/<int:item_id>/edit/", TEACHING, {DEPARTMENT_ADMIN}),
    page("question-bank/items/<int:item_id>/submit/", TEACHING, {DEPARTMENT_ADMIN}, method="POST"),
    page("question-bank/items/<int:item_id>/duplicates/", STAFF, {DEPARTMENT_ADMIN}),
    page(
        "question-bank/stimuli/<int:stimulus_id>/edit/",
        TEACHING,
        {DEPARTMENT_ADMIN},
        note="the stimulus's author or whoever may edit every item hanging off it",
    ),
    page("question-bank/import/", STAFF),
    page("question-bank/import/template.<str:kind>", SIGNED_IN, note="blank template"),
    *(
        page(
            f"question-bank/import/<int:job_id>/{rest}", {TEACHER}, NOBODY, method=m, note=_UPLOADER
        )
        for m, rest in (("GET", ""), ("POST", "commit/"), ("GET", "progress/"))
    ),
    # --- exams (computer-based exams) ---------------------------------------------------------
    page("exams/", SIGNED_IN, note="lists only exams and rooms the person manages or proctors"),
    *(
        page(
            f"exams/{rest}",
            {EXAM_COORDINATOR, DEPARTMENT_ADMIN},
            {DEPARTMENT_ADMIN},
            method=m,
            note="coordinators reaching the exam's organisation; proctors: their rooms",
        )
        for m, rest in (
            ("GET", "<int:exam_id>/"),
            ("POST", "<int:exam_id>/publish/"),
            ("GET", "<int:exam_id>/results.xlsx"),
            ("GET", "<int:exam_id>/review/"),
            ("GET", "<int:exam_id>/item-analysis/"),
            ("POST", "<int:exam_id>/item-analysis/"),
            ("GET", "<int:exam_id>/item-analysis.xlsx"),
            ("GET", "<int:exam_id>/import/"),
            ("POST", "<int:exam_id>/import/"),
            ("GET", "<int:exam_id>/import/template.xlsx"),
            ("GET", "rooms/<int:room_id>/"),
            ("GET", "rooms/<int:room_id>/list/"),
        )
    ),
    page(
        "exams/<int:exam_id>/review/",
        {EXAM_COORDINATOR, DEPARTMENT_ADMIN},
        {DEPARTMENT_ADMIN},
        method="POST",
        body={"action": "policy", "show_answers": "1"},
        note="score review, review marks, result policy and publication (audited)",
    ),
    page("thi/", EVERYONE, note="exam sign-in"),
    page("thi/cua-toi/", SIGNED_IN, note="lists only the person's own candidacies"),
    *(
        page(f"thi/{rest}", NOBODY, note="needs the exam sign-in kept in the session")
        for rest in ("bien-nhan/", "ket-qua/", "lam-bai/", "vao-phong/")
    ),
]

RULES: list[Rule] = API_RULES + PAGE_RULES


def _cell(allowed: bool) -> str:
    return "✅" if allowed else "·"


def render_markdown() -> str:
    header = "| method | path | " + " | ".join(r.replace("_", " ") for r in ROLES) + " | note |"
    sep = "|---|---|" + "---|" * len(ROLES) + "---|"
    lines = [
        "# Permission matrix",
        "",
        "Generated from `config/permission_matrix.py` by",
        "`.venv/bin/python -m config.permission_matrix > docs/permissions.md`;",
        "`tests/security/test_permission_matrix.py` calls every row as every role and fails when",
        "this file is out of date or an endpoint or page has no row.",
        "",
        "Each cell: own school's object / another school's object. ✅ allowed, · refused",
        "(401/403/404, or the login page for anonymous visitors); a single mark when the path",
        "names no school object.",
        "",
        "Every row is called with real objects of both schools. A row marked PENDING has none",
        'yet and fails the test; "only anonymous checked" gives the concrete reason a row',
        "cannot be called at all.",
        "",
    ]
    for title, rules in (("API (/api/v1/)", API_RULES), ("Pages", PAGE_RULES)):
        lines += [f"## {title}", "", header, sep]
        for rule in rules:
            cells = []
            for role in ROLES:
                own = _cell(role in rule.own)
                cells.append(own if rule.other is None else f"{own} / {_cell(role in rule.other)}")
            path = rule.path.replace("|", "\\|")
            note = rule.note + (
                f" (PENDING, not checked yet: {rule.pending})" if rule.pending else ""
            )
            note += f" (only anonymous checked: {rule.unexercised})" if rule.unexercised else ""
            lines.append(f"| {rule.method} | `{path}` | " + " | ".join(cells) + f" | {note} |")
        lines.append("")
    lines += ["## Not covered by rows", ""]
    lines += [f"- `{p}`: {why}" for p, why in EXEMPT_PREFIXES.items()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render_markdown())
