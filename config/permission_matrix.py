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
from dataclasses import dataclass, field

ANON = "anonymous"
STUDENT = "student"
TEACHER = "teacher"
SUBJECT_HEAD = "subject_head"
SCHOOL_ADMIN = "school_admin"
EXAM_COORDINATOR = "exam_coordinator"
DEPARTMENT_ADMIN = "department_admin"

ROLES: tuple[str, ...] = (
    ANON,
    STUDENT,
    TEACHER,
    SUBJECT_HEAD,
    SCHOOL_ADMIN,
    EXAM_COORDINATOR,
    DEPARTMENT_ADMIN,
)
STAFF = frozenset({TEACHER, SUBJECT_HEAD, SCHOOL_ADMIN, EXAM_COORDINATOR, DEPARTMENT_ADMIN})
SIGNED_IN = STAFF | {STUDENT}
EVERYONE = SIGNED_IN | {ANON}
ADMINS = frozenset({SCHOOL_ADMIN, DEPARTMENT_ADMIN})
NOBODY: frozenset[str] = frozenset()
TEACHING = frozenset({TEACHER, SCHOOL_ADMIN, DEPARTMENT_ADMIN})


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
    # Set when the test world has no object for this path yet: then only anonymous callers are
    # checked (with a placeholder id). Say what object is missing; see docs/permissions.md.
    pending: str = ""


def api(
    method: str,
    path: str,
    own: frozenset[str] | set[str],
    other: frozenset[str] | set[str] | None = None,
    body: dict[str, object] | None = None,
    note: str = "",
    pending: str = "",
) -> Rule:
    return Rule(
        method,
        "/api/v1" + path,
        frozenset(own),
        None if other is None else frozenset(other),
        body or {},
        note,
        pending,
    )


def page(
    path: str,
    own: frozenset[str] | set[str],
    other: frozenset[str] | set[str] | None = None,
    method: str = "GET",
    body: dict[str, object] | None = None,
    note: str = "",
    pending: str = "",
) -> Rule:
    return Rule(
        method,
        path,
        frozenset(own),
        None if other is None else frozenset(other),
        body or {},
        note,
        pending,
    )


# Body values in angle brackets are filled in by the test from the object of the relation.
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
    # --- added by other engineers; rules inferred, objects not built yet ---------------------
    *(
        api(
            "GET",
            f"/question-bank/items/{{item_id}}/{rest}",
            STAFF,
            {DEPARTMENT_ADMIN},
            pending="unreachable: POST /items/{item_id}/{action} shadows it (405)",
        )
        for rest in ("duplicates", "versions")
    ),
    api("POST", "/question-bank/imports", STAFF, pending="multipart upload"),
    api("GET", "/question-bank/imports/{job_id}", STAFF, NOBODY, pending="import job"),
    api("POST", "/question-bank/imports/{job_id}/commit", STAFF, NOBODY, pending="import job"),
    api("POST", "/lms/courses", TEACHING, pending="course body"),
    api("GET", "/lms/courses/{course_id}/outline", SIGNED_IN, NOBODY, pending="course"),
    api("POST", "/lms/courses/{course_id}/lessons", TEACHING, NOBODY, pending="course"),
    api("POST", "/lms/courses/{course_id}/modules", TEACHING, NOBODY, pending="course"),
    api("POST", "/lms/modules/{module_id}/activities", TEACHING, NOBODY, pending="module"),
    api("PUT", "/lms/modules/{module_id}/order", TEACHING, NOBODY, pending="module"),
    api(
        "POST",
        "/lms/activities/{activity_id}/import-results",
        TEACHING,
        NOBODY,
        pending="activity",
    ),
    api("POST", "/exams/sign-in", EVERYONE, note="candidate number + password"),
    *(
        api(m, f"/exams/attempts/{{attempt_id}}{rest}", NOBODY, pending="exam token (X-Exam-Token)")
        for m, rest in (
            ("GET", ""),
            ("PUT", "/answers"),
            ("GET", "/receipt"),
            ("POST", "/start"),
            ("GET", "/state"),
            ("POST", "/submit"),
        )
    ),
    *(
        api(m, f"/assessment/{rest}", TEACHING, NOBODY, pending="test/assignment authoring")
        for m, rest in (
            ("POST", "assignments/{assignment_id}/answers/{answer_id}/grade"),
            ("GET", "assignments/{assignment_id}/grading"),
            ("GET", "assignments/{assignment_id}/item-analysis"),
            ("GET", "assignments/{assignment_id}/results"),
            ("POST", "groups"),
            ("GET", "tests"),
            ("POST", "tests"),
            ("GET", "tests/{test_id}"),
            ("PATCH", "tests/{test_id}"),
            ("POST", "tests/{test_id}/assignments"),
            ("GET", "tests/{test_id}/bank"),
            ("PUT", "tests/{test_id}/blueprint"),
            ("POST", "tests/{test_id}/generate"),
            ("POST", "tests/{test_id}/items"),
            ("DELETE", "tests/{test_id}/items/{item_id}"),
            ("POST", "tests/{test_id}/items/{item_id}/correct"),
            ("POST", "tests/{test_id}/versions"),
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
    page("oidc/authenticate/", EVERYONE, pending="sec-identity's OIDC provider"),
    page("oidc/callback/", NOBODY, pending="needs a provider response"),
    page("oidc/logout/", NOBODY, method="POST", pending="sec-identity's OIDC flow"),
    # --- assessment: candidates ----------------------------------------------------------------
    page("assessment/assignments/<int:assignment_id>/", {STUDENT}, NOBODY, note="the candidate"),
    page("assessment/attempts/<int:attempt_id>/", {STUDENT}, NOBODY),
    page("assessment/attempts/<int:attempt_id>/result/", {STUDENT}, NOBODY),
    # --- assessment: teachers ------------------------------------------------------------------
    page("assessment/tests/", STAFF),
    *(
        page(f"assessment/tests/<int:test_id>/{rest}", STAFF, NOBODY, pending=_P + ": test")
        for rest in (
            "",
            "parts/",
            "bank/",
            "items/",
            "items/<int:item_id>/remove/",
            "items/<int:item_id>/correct/",
            "blueprint/",
            "generate/",
            "versions/",
            "versions/<str:code>.<str:kind>",
            "answer-sheet.pdf",
            "key.xlsx",
            "assign/",
        )
    ),
    page("assessment/classes/<int:class_id>/groups/", STAFF, {DEPARTMENT_ADMIN}),
    *(
        page(
            f"assessment/assignments/<int:assignment_id>/{rest}",
            {TEACHER},
            NOBODY,
            note="the teacher who assigned it",
        )
        for rest in ("grading/", "results/", "results.xlsx", "items/")
    ),
    page(
        "assessment/assignments/<int:assignment_id>/answers/<int:answer_id>/grade/",
        TEACHING,
        {DEPARTMENT_ADMIN},
        method="POST",
        pending=_P + ": answer",
    ),
    page(
        "assessment/assignments/<int:assignment_id>/items/publish/",
        {TEACHER},
        NOBODY,
        method="POST",
    ),
    # --- lms ----------------------------------------------------------------------------------
    page("lms/courses/new/", SIGNED_IN, note="an empty form unless the person teaches"),
    *(
        page(f"lms/courses/<int:course_id>/{rest}", TEACHING, {DEPARTMENT_ADMIN}, pending=_P)
        for rest in (
            "edit/",
            "modules/",
            "lessons/",
            "activities/",
            "dashboard/",
            "progress.<str:fmt>",
        )
    ),
    page("lms/courses/<int:course_id>/", {STUDENT} | TEACHING, {DEPARTMENT_ADMIN}, pending=_P),
    *(
        page(f"lms/activities/<int:activity_id>/{rest}", TEACHING, {DEPARTMENT_ADMIN}, pending=_P)
        for rest in ("move/<str:direction>/", "questions/", "import-results/", "submissions/")
    ),
    page("lms/activities/<int:activity_id>/", {STUDENT} | TEACHING, {DEPARTMENT_ADMIN}, pending=_P),
    page("lms/lessons/<int:lesson_id>/", {STUDENT} | TEACHING, {DEPARTMENT_ADMIN}, pending=_P),
    page("lms/lessons/<int:lesson_id>/readiness/", TEACHING, {DEPARTMENT_ADMIN}, pending=_P),
    page("lms/lessons/<int:lesson_id>/readiness.csv", TEACHING, {DEPARTMENT_ADMIN}, pending=_P),
    page("lms/grade-books/<int:book_id>/", TEACHING, {DEPARTMENT_ADMIN}),
    page(
        "lms/grade-books/<int:book_id>/<str:action>/",
        TEACHING,
        {DEPARTMENT_ADMIN},
        method="POST",
        note="action=submit",
    ),
    page("lms/pd/", SIGNED_IN, note="an empty catalogue for students"),
    page("lms/pd/<int:course_id>/enrol/", STAFF, NOBODY, method="POST", pending=_P),
    page("lms/certificates/<uuid:certificate_id>/", EVERYONE, pending=_P, note="public check"),
    page("lms/certificates/<uuid:certificate_id>/pdf", SIGNED_IN, pending=_P),
    # --- content players: a signed run token is the credential ---------------------------------
    page("content/play/<int:page_id>/", SIGNED_IN, pending=_P + ": package page"),
    *(
        page(f"content/run/<str:token>/{rest}", NOBODY, method=m, pending="a signed run token")
        for m, rest in (
            ("GET", ""),
            ("GET", "f/<path:path>"),
            ("POST", "commit"),
            ("GET", "cmi5/launch/<int:index>"),
            ("POST", "cmi5/fetch/<uuid:session_id>"),
            ("POST", "xapi/statements"),
            ("GET", "xapi/activities/state"),
            ("GET", "xapi/agents/profile"),
        )
    ),
    page(
        "content/run/<str:token>/xapi/about",
        EVERYONE,
        note="LRS version document",
        pending="a signed run token",
    ),
    # --- provenance: public verification ------------------------------------------------------
    page("xac-minh/", EVERYONE),
    page("xac-minh/<str:code>/", EVERYONE, pending=_P + ": signed item"),
    # --- question bank ------------------------------------------------------------------------
    page("question-bank/", SIGNED_IN, note="lists nothing for students"),
    page("question-bank/review/", SIGNED_IN, note="empty unless the person reviews"),
    page("question-bank/review/<int:item_id>/", {SUBJECT_HEAD}, NOBODY, pending=_P),
    page("question-bank/assets/<str:sha256>", SIGNED_IN, pending=_P + ": image asset"),
    page("question-bank/assets/", STAFF, method="POST", pending="needs an image upload"),
    page("question-bank/items/new/", STAFF),
    page("question-bank/items/preview/", SIGNED_IN, method="POST", note="renders the posted draft"),
    page("question-bank/items/<int:item_id>/", STAFF, {DEPARTMENT_ADMIN}),
    page("question-bank/items/<int:item_id>/edit/", TEACHING, {DEPARTMENT_ADMIN}),
    page("question-bank/items/<int:item_id>/submit/", TEACHING, {DEPARTMENT_ADMIN}, method="POST"),
    page("question-bank/items/<int:item_id>/duplicates/", STAFF, {DEPARTMENT_ADMIN}),
    page("question-bank/import/", STAFF),
    page("question-bank/import/template.<str:kind>", SIGNED_IN, note="blank template"),
    *(
        page(f"question-bank/import/<int:job_id>/{rest}", STAFF, NOBODY, pending=_P + ": import")
        for rest in ("", "commit/", "progress/")
    ),
    # --- exams (computer-based exams); inferred, objects not built yet ------------------------
    page("exams/", {EXAM_COORDINATOR, SCHOOL_ADMIN, DEPARTMENT_ADMIN}, pending="exam pages"),
    *(
        page(f"exams/{rest}", {EXAM_COORDINATOR, DEPARTMENT_ADMIN}, NOBODY, pending="an exam")
        for rest in (
            "<int:exam_id>/",
            "<int:exam_id>/publish/",
            "<int:exam_id>/results.xlsx",
            "rooms/<int:room_id>/",
            "rooms/<int:room_id>/list/",
        )
    ),
    page("thi/", EVERYONE, pending="the candidate's sign-in page", note="exam sign-in"),
    *(
        page(f"thi/{rest}", NOBODY, pending="an exam token")
        for rest in ("bien-nhan/", "cua-toi/", "lam-bai/", "vao-phong/")
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
                f" (only anonymous checked: {rule.pending})" if rule.pending else ""
            )
            lines.append(f"| {rule.method} | `{path}` | " + " | ".join(cells) + f" | {note} |")
        lines.append("")
    lines += ["## Not covered by rows", ""]
    lines += [f"- `{p}`: {why}" for p, why in EXEMPT_PREFIXES.items()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render_markdown())
