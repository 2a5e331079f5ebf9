"""Every change to the content repository goes through a function here."""

from __future__ import annotations

import hashlib
import json
import secrets
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.documents import get_document_model
from wagtail.models import Collection, Page, Workflow, WorkflowPage, WorkflowState, WorkflowTask

from core.api import TeachingAssignment, audit, check_upload, fold, permissions

from . import cmi5, runtime, slides, xapi
from .cartridge_pages import CartridgePlan, PlannedPage, plan_cartridge
from .lessonplan import LessonPlanData, read_docx
from .models import (
    ClassUse,
    Cmi5Session,
    ContentPage,
    DocumentPage,
    ELecturePage,
    LessonPlanPage,
    LibraryPage,
    Package,
    PackageAttempt,
    PackageFile,
    PackagePage,
    SlidesPdf,
    SubjectHeadReviewTask,
    XapiDocument,
    XapiStatement,
)
from .packages.extract import extract, file_sha256
from .packages.report import Report
from .packages.validate import inspect_package
from .review import can_review

BATCH = 500
REVIEW_WORKFLOW = "Duyệt học liệu"
REVIEW_TASK = "Tổ trưởng chuyên môn duyệt"
RESULT_FIELDS = ["completion", "success", "score_raw", "score_max", "score_scaled", "location"]
TAG_FIELDS = ["subject", "grade", "topic", "lesson", "licence", "school", "author"]


def import_package(
    path: str | Path,
    *,
    user: Any = None,
    dry_run: bool = False,
    storage: Storage | None = None,
) -> tuple[Report, Package | None]:
    """Validate the package at `path` and, unless `dry_run`, extract it into storage.

    Raises content.packages.report.UnreadablePackage when the file cannot be opened. On any
    problem nothing is stored.
    """
    path = Path(path)
    report = inspect_package(path)
    if report.valid and not report.files and _relative_launch(report.launch) and not dry_run:
        report.add(
            path.name,
            _("Chỉ có tệp kê khai, không có nội dung: tải lên cả gói ZIP để khởi chạy được."),
        )
    if not report.valid or dry_run:
        return report, None
    storage = storage or default_storage
    package = Package(
        kind=report.kind or "",
        title=report.title[:255] or path.stem,
        launch=report.launch,
        source_name=path.name[:255],
        sha256=file_sha256(path),
        size=report.total_bytes,
        uploaded_by=user if getattr(user, "is_authenticated", False) else None,
    )
    try:
        with transaction.atomic():
            package.save()
            batch: list[PackageFile] = []
            for extracted in extract(path, report.sources, storage, package.storage_prefix):
                batch.append(
                    PackageFile(
                        package=package,
                        path=extracted.path,
                        size=extracted.size,
                        sha256=extracted.sha256,
                    )
                )
                if len(batch) >= BATCH:
                    PackageFile.objects.bulk_create(batch)
                    batch.clear()
            PackageFile.objects.bulk_create(batch)
            audit.record(
                "content.package.imported",
                package,
                actor=user,
                after=audit.snapshot(package),
            )
    except BaseException:
        _delete_tree(storage, package.storage_prefix)
        raise
    return report, package


def _relative_launch(launch: str) -> bool:
    parts = urlsplit(launch)
    return bool(launch) and not (parts.scheme or parts.netloc)


def _delete_tree(storage: Storage, prefix: str) -> None:
    try:
        dirs, files = storage.listdir(prefix)
    except (FileNotFoundError, NotImplementedError):
        return
    for name in files:
        storage.delete(prefix + name)
    for name in dirs:
        _delete_tree(storage, f"{prefix}{name}/")


# --- libraries and materials ----------------------------------------------------------------


def review_workflow() -> Workflow:
    """The one review workflow (teacher submits → subject head approves), created on first use."""
    workflow, created = Workflow.objects.get_or_create(name=REVIEW_WORKFLOW)
    if created:
        task = SubjectHeadReviewTask.objects.create(name=REVIEW_TASK)
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    return workflow


@transaction.atomic
def create_library(
    parent: Page, *, title: str, school: Any = None, actor: Any = None
) -> LibraryPage:
    """A school's library (or the department-wide one when `school` is None) and its collection."""
    library = LibraryPage(title=title, school=school, owner=actor)
    parent.add_child(instance=library)
    WorkflowPage.objects.create(workflow=review_workflow(), page=library)
    root = Collection.get_first_root_node()
    root.add_child(instance=Collection(name=title[:255]))
    audit.record(
        "content.library.created", library, actor=actor, after={"title": title, "school": school}
    )
    return library


@transaction.atomic
def create_lesson_plan(
    library: LibraryPage, data: LessonPlanData, *, author: Any, **tags: Any
) -> LessonPlanPage:
    """A lesson plan as a draft in `library`; `tags` are the ContentPage fields (subject, ...)."""
    _require_author_here(author, library, tags["school"])
    page = LessonPlanPage(
        title=data.title or tags.pop("title", ""),
        author=author,
        owner=author,
        live=False,
        **{k: v for k, v in tags.items() if k != "title"},
        **data.page_fields(),
    )
    page.search_folded = _folded(page)
    library.add_child(instance=page)
    page.save_revision(user=author, log_action=True)
    audit.record("content.lesson_plan.created", page, actor=author, after=_snapshot(page))
    return page


MAX_LESSON_PLAN_BYTES = 20 * 1024 * 1024


def import_lesson_plan_docx(
    library: LibraryPage,
    stream: IO[bytes],
    *,
    author: Any,
    name: str = "giao-an.docx",
    **tags: Any,
) -> tuple[LessonPlanPage, LessonPlanData]:
    """Read a teacher's .docx into a draft lesson plan; unmapped parts stay for manual fixing."""
    check_upload(stream, name=name, allowed=("docx",), max_bytes=MAX_LESSON_PLAN_BYTES)
    data = read_docx(stream)
    if not data.title and not tags.get("title"):
        raise ValidationError(_("Tệp Word không có tiêu đề bài dạy (đoạn đầu tiên trống)."))
    return create_lesson_plan(library, data, author=author, **tags), data


def _require_author_here(author: Any, library: LibraryPage, school: Any) -> None:
    if library.school_id is not None and library.school_id != school.pk:
        raise ValidationError(_("Học liệu phải thuộc trường của thư viện."))
    if not permissions.reaches(author, school, permissions.STAFF_ROLES):
        raise PermissionDenied


def _snapshot(page: ContentPage) -> dict[str, Any]:
    return audit.snapshot(page, [*TAG_FIELDS, "title", "live"])


def _folded(page: ContentPage) -> str:
    return fold(" ".join([page.title, page.topic, page.lesson]))


# --- review ---------------------------------------------------------------------------------


@transaction.atomic
def submit_for_review(page: ContentPage, *, user: Any) -> None:
    """The author sends the latest draft to the subject head."""
    page = page.specific
    if user.pk != page.author_id:
        raise PermissionDenied
    state = page.current_workflow_state
    if state is not None and state.status == WorkflowState.STATUS_NEEDS_CHANGES:
        state.resume(user)
    elif state is None:
        workflow = page.get_workflow() or review_workflow()
        if page.get_latest_revision() is None:
            page.save_revision(user=user)
        workflow.start(page, user)
    else:
        raise ValidationError(_("Học liệu đang chờ duyệt."))
    audit.record("content.submitted", page, actor=user, after={"revision": page.latest_revision_id})


@transaction.atomic
def approve_content(page: ContentPage, *, user: Any, comment: str = "") -> None:
    """The subject head approves: the submitted revision is published."""
    _decide(page, user, "approve", comment)


@transaction.atomic
def reject_content(page: ContentPage, *, user: Any, comment: str) -> None:
    """The subject head sends it back to the author with a comment (required)."""
    if not comment.strip():
        raise ValidationError(_("Hãy ghi nhận xét để giáo viên biết cần sửa gì."))
    _decide(page, user, "reject", comment)


def _decide(page: ContentPage, user: Any, action: str, comment: str) -> None:
    page = page.specific
    task_state = page.current_workflow_task_state
    if task_state is None:
        raise ValidationError(_("Học liệu không ở trạng thái chờ duyệt."))
    if not can_review(user, page):
        raise PermissionDenied
    revision = task_state.revision_id
    task_state.task.specific.on_action(task_state, user, action, comment=comment)
    audit.record(
        f"content.{'approved' if action == 'approve' else 'rejected'}",
        page,
        actor=user,
        after={"revision": revision, "comment": comment},
    )


# --- play and report ------------------------------------------------------------------------


def start_attempt(
    package: Package, learner: Any, *, lms_activity_id: int | None = None
) -> PackageAttempt:
    """The learner's attempt; `lms_activity_id` is the LMS activity they launched it from, which
    is told when the package is completed (the LMS checks the activity really uses it)."""
    attempt, created = PackageAttempt.objects.get_or_create(package=package, learner=learner)
    if created:
        audit.record("content.attempt.started", attempt, actor=learner)
    if lms_activity_id is not None and lms_activity_id not in attempt.lms_activities:
        with transaction.atomic():
            attempt = PackageAttempt.objects.select_for_update().get(pk=attempt.pk)
            if lms_activity_id not in attempt.lms_activities:
                attempt.lms_activities = [*attempt.lms_activities, lms_activity_id][-20:]
                attempt.save(update_fields=["lms_activities"])
        if _finished(attempt):
            _tell_lms(attempt)  # completed before it was launched from this activity
    return attempt


# The LMS task (by name: content must not import the LMS) that applies the activity's rule.
LMS_RESULT_TASK = "lms.tasks.record_package_result"


def _finished(attempt: PackageAttempt) -> bool:
    return attempt.completion == "completed" or attempt.success == "passed"


def _tell_lms(attempt: PackageAttempt) -> None:
    """After commit, ask the LMS to record the completed package on each activity it was
    launched from. The task takes ids and re-reads the attempt, so repeats change nothing."""
    from celery import current_app

    attempt_id = attempt.pk
    for activity_id in attempt.lms_activities:

        def send(activity_id: int = activity_id) -> None:
            task = current_app.tasks.get(LMS_RESULT_TASK)
            if task is not None:
                task.delay(attempt_id, activity_id)
            else:  # a worker without the LMS registered locally still routes it by name
                current_app.send_task(LMS_RESULT_TASK, args=[attempt_id, activity_id])

        transaction.on_commit(send)


@transaction.atomic
def record_commit(attempt: PackageAttempt, body: dict[str, Any]) -> PackageAttempt:
    """Store what a SCORM course committed through scorm-again (`{"cmi": {...}}`)."""
    attempt = PackageAttempt.objects.select_for_update().get(pk=attempt.pk)
    cmi = body.get("cmi")
    if not isinstance(cmi, dict):
        raise ValidationError(_("Dữ liệu ghi nhận thiếu khối cmi."))
    summary = runtime.summarise(attempt.package.kind, cmi)
    before = audit.snapshot(attempt, RESULT_FIELDS)
    attempt.cmi = cmi
    for name, value in summary.items():
        setattr(attempt, name, value)
    attempt.save()
    after = audit.snapshot(attempt, RESULT_FIELDS)
    if after != before:
        audit.record(
            "content.attempt.committed", attempt, actor=attempt.learner, before=before, after=after
        )
        if _finished(attempt):
            _tell_lms(attempt)
    return attempt


@transaction.atomic
def record_statement(attempt: PackageAttempt, statement: Any) -> XapiStatement:
    """Validate an xAPI statement from the learner's H5P activity and store it."""
    if not isinstance(statement, dict):
        raise ValidationError(_("Câu lệnh xAPI phải là một đối tượng JSON."))
    # The actor is whoever holds the attempt, not whatever the content claims.
    statement = {
        **statement,
        "actor": {
            "objectType": "Agent",
            "account": {
                "homePage": settings.WAGTAILADMIN_BASE_URL,
                "name": attempt.learner.username,
            },
        },
    }
    sent = statement
    statement = xapi.validate(statement)
    existing = _existing_statement(statement, sent)
    if existing is not None:
        return existing
    stored = _store_statement(attempt, statement)
    _apply_result(attempt, xapi.summarise(stored.statement))
    return stored


def _existing_statement(statement: dict[str, Any], sent: Any) -> XapiStatement | None:
    """The stored statement a retry restates (nothing to do), or StatementConflict when the id
    is taken by a different statement (xAPI Communication 2.1.2: 409 Conflict)."""
    existing = XapiStatement.objects.filter(id=statement["id"]).first()
    if existing is not None and not xapi.same_statement(existing.statement, statement, sent=sent):
        raise xapi.StatementConflict(
            _("Đã có câu lệnh khác với id %(id)s.") % {"id": statement["id"]}
        )
    return existing


def _store_statement(attempt: PackageAttempt, statement: dict[str, Any]) -> XapiStatement:
    stored, _created = XapiStatement.objects.get_or_create(
        id=statement["id"],
        defaults={
            "package": attempt.package,
            "learner": attempt.learner,
            "verb": statement["verb"]["id"],
            "statement": statement,
        },
    )
    return stored


def _apply_result(attempt: PackageAttempt, summary: dict[str, Any]) -> None:
    if not summary:
        return
    attempt = PackageAttempt.objects.select_for_update().get(pk=attempt.pk)
    before = audit.snapshot(attempt, RESULT_FIELDS)
    for name, value in summary.items():
        setattr(attempt, name, value)
    attempt.save()
    after = audit.snapshot(attempt, RESULT_FIELDS)
    audit.record(
        "content.attempt.result", attempt, actor=attempt.learner, before=before, after=after
    )
    if after != before and _finished(attempt):
        _tell_lms(attempt)


@transaction.atomic
def record_package_statements(
    attempt: PackageAttempt, session: Cmi5Session | None, items: list[Any]
) -> list[XapiStatement]:
    """A batch from package content, stored all or nothing (xAPI Communication 2.1.2)."""
    if session is not None:
        return [record_cmi5_statement(session, item) for item in items]
    return [record_statement(attempt, item) for item in items]


# --- cmi5 -----------------------------------------------------------------------------------


@transaction.atomic
def launch_cmi5_au(
    attempt: PackageAttempt, au_id: str, *, return_url: str, launch_mode: str = "Normal"
) -> Cmi5Session:
    """A new session of one AU: earlier open sessions are abandoned, LMS.LaunchData written and
    "launched" recorded (cmi5 8 and 9.3.1)."""
    attempt = (
        PackageAttempt.objects.select_for_update().select_related("package").get(pk=attempt.pk)
    )
    course = cmi5.structure(attempt.package)
    au = course.au(au_id)
    if au is None:
        raise ValidationError(_("Gói không có AU này."))
    if attempt.registration is None:
        attempt.registration = uuid.uuid4()
        attempt.save(update_fields=["registration"])
    now = timezone.now()
    for open_session in attempt.cmi5_sessions.filter(
        terminated_at__isnull=True, abandoned_at__isnull=True
    ):
        open_session.abandoned_at = now
        open_session.save(update_fields=["abandoned_at"])
        _store_statement(
            attempt,
            xapi.validate(
                cmi5.lms_statement(attempt, cmi5.ABANDONED, open_session.au_id, open_session)
            ),
        )
    session = Cmi5Session.objects.create(attempt=attempt, au_id=au.id, launch_mode=launch_mode)
    _put_document(
        attempt.learner,
        XapiDocument.Kind.STATE,
        au.id,
        str(attempt.registration),
        cmi5.LAUNCH_DATA,
        json.dumps(cmi5.launch_data(course, au, session, return_url)).encode(),
    )
    extensions = {
        cmi5.EXT + "launchmode": launch_mode,
        cmi5.EXT + "moveon": au.move_on,
        cmi5.EXT + "launchurl": au.url,
    }
    if au.launch_parameters:
        extensions[cmi5.EXT + "launchparameters"] = au.launch_parameters
    launched = cmi5.lms_statement(attempt, cmi5.LAUNCHED, au.id, session, extensions=extensions)
    _store_statement(attempt, xapi.validate(launched))
    audit.record(
        "content.cmi5.launched",
        attempt,
        actor=attempt.learner,
        after={"au": au.id, "session": str(session.session_id)},
    )
    return session


@transaction.atomic
def fetch_cmi5_token(session: Cmi5Session) -> str:
    """The session's auth token, handed out once (cmi5 8.2); a second fetch is refused."""
    session = Cmi5Session.objects.select_for_update().get(pk=session.pk)
    if session.token_sha256 or session.terminated_at or session.abandoned_at:
        raise cmi5.Cmi5Rejected(_("Mã truy cập của phiên này đã được cấp."))
    token = secrets.token_urlsafe(32)
    session.token_sha256 = hashlib.sha256(token.encode()).hexdigest()
    session.save(update_fields=["token_sha256"])
    return token


@transaction.atomic
def record_cmi5_statement(session: Cmi5Session, statement: Any) -> XapiStatement:
    """A statement from a cmi5 AU: valid xAPI (400 otherwise), allowed by cmi5 (403 otherwise).

    The session moves along launched → initialized → completed/passed/failed → terminated;
    when the AU's moveOn criterion is met it is recorded as satisfied for the learner, and when
    every AU is, the course ("satisfied" statement, completion on the attempt).
    """
    if not isinstance(statement, dict):
        raise ValidationError(_("Câu lệnh xAPI phải là một đối tượng JSON."))
    sent = statement
    statement = xapi.validate(statement)
    session = (
        Cmi5Session.objects.select_for_update()
        .select_related("attempt__package", "attempt__learner")
        .get(pk=session.pk)
    )
    attempt = session.attempt
    course = cmi5.structure(attempt.package)
    au = course.au(session.au_id)
    if au is None:
        raise cmi5.Cmi5Rejected(_("Gói không còn AU của phiên này."))
    earlier = list(attempt.cmi5_sessions.filter(au_id=au.id).exclude(pk=session.pk))
    existing = _existing_statement(statement, sent)
    if existing is not None:
        return existing  # a retried PUT: already stored
    cmi5.check_statement(statement, session, au, earlier)
    stored = _store_statement(attempt, statement)
    verb = statement["verb"]["id"]
    now = timezone.now()
    field = {
        cmi5.INITIALIZED: "initialized_at",
        cmi5.COMPLETED: "completed_at",
        cmi5.PASSED: "passed_at",
        cmi5.FAILED: "failed_at",
        cmi5.TERMINATED: "terminated_at",
    }.get(verb)
    if field:
        setattr(session, field, now)
        session.save(update_fields=[field])
    if verb in cmi5.MOVE_ON_VERBS:
        _settle_cmi5(attempt, course, au, [session, *earlier], statement)
    return stored


def _settle_cmi5(
    attempt: PackageAttempt,
    course: cmi5.CourseStructure,
    au: cmi5.AssignableUnit,
    sessions: list[Cmi5Session],
    statement: dict[str, Any],
) -> None:
    attempt = PackageAttempt.objects.select_for_update().get(pk=attempt.pk)
    state = dict(attempt.cmi.get("cmi5") or {})
    done = list(state.get("satisfied") or [])
    summary = {k: v for k, v in xapi.summarise(statement).items() if k != "completion"}
    if au.id not in done and cmi5.satisfied(au, sessions):
        done.append(au.id)
        session = sessions[0]
        _store_statement(
            attempt, xapi.validate(cmi5.lms_statement(attempt, cmi5.SATISFIED, au.id, session))
        )
        everything = {a.id for a in course.aus}
        if everything <= set(done):
            course_done = cmi5.lms_statement(
                attempt, cmi5.SATISFIED, course.id, session, object_type=cmi5.COURSE_TYPE
            )
            _store_statement(attempt, xapi.validate(course_done))
    state["satisfied"] = done
    attempt.cmi = {**attempt.cmi, "cmi5": state}
    course_satisfied = {a.id for a in course.aus} <= set(done)
    summary["completion"] = "completed" if course_satisfied else "incomplete"
    attempt.save(update_fields=["cmi"])
    _apply_result(attempt, summary)


def _put_document(
    learner: Any,
    kind: str,
    activity_id: str,
    registration: str,
    document_id: str,
    content: bytes,
    content_type: str = "application/json",
) -> XapiDocument:
    document, _created = XapiDocument.objects.update_or_create(
        learner=learner,
        kind=kind,
        activity_id=activity_id,
        registration=registration,
        document_id=document_id,
        defaults={"content": content, "content_type": content_type, "updated": timezone.now()},
    )
    return document


@transaction.atomic
def save_xapi_document(
    learner: Any,
    kind: str,
    *,
    activity_id: str,
    registration: str,
    document_id: str,
    content: bytes,
    content_type: str,
    merge: bool = False,
) -> XapiDocument:
    """PUT (replace) or POST (merge JSON objects, xAPI Communication 3.3) a learner's document.

    LMS.LaunchData belongs to the LMS: content may read it, never change it (cmi5 10.0).
    """
    if kind == XapiDocument.Kind.STATE and document_id == cmi5.LAUNCH_DATA:
        raise cmi5.Cmi5Rejected(_("LMS.LaunchData chỉ do hệ thống ghi."))
    if merge:
        existing = XapiDocument.objects.filter(
            learner=learner,
            kind=kind,
            activity_id=activity_id,
            registration=registration,
            document_id=document_id,
        ).first()
        try:
            incoming = json.loads(content)
            old = json.loads(bytes(existing.content)) if existing else {}
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValidationError(_("Chỉ gộp được tài liệu JSON.")) from exc
        if not isinstance(incoming, dict) or not isinstance(old, dict):
            raise ValidationError(_("Chỉ gộp được tài liệu JSON dạng đối tượng."))
        content = json.dumps({**old, **incoming}).encode()
        content_type = "application/json"
    return _put_document(
        learner, kind, activity_id, registration, document_id, content, content_type
    )


@transaction.atomic
def delete_xapi_document(
    learner: Any, kind: str, *, activity_id: str, registration: str, document_id: str
) -> None:
    if kind == XapiDocument.Kind.STATE and document_id == cmi5.LAUNCH_DATA:
        raise cmi5.Cmi5Rejected(_("LMS.LaunchData chỉ do hệ thống ghi."))
    XapiDocument.objects.filter(
        learner=learner,
        kind=kind,
        activity_id=activity_id,
        registration=registration,
        **({"document_id": document_id} if document_id else {}),
    ).delete()


@transaction.atomic
def create_package_page(
    library: LibraryPage, package: Package, *, author: Any, title: str = "", **tags: Any
) -> PackagePage:
    """An imported package as a draft material in `library`."""
    _require_author_here(author, library, tags["school"])
    page = PackagePage(
        title=title or package.title,
        package=package,
        author=author,
        owner=author,
        live=False,
        **tags,
    )
    page.search_folded = _folded(page)
    library.add_child(instance=page)
    page.save_revision(user=author, log_action=True)
    audit.record("content.package_page.created", page, actor=author, after=_snapshot(page))
    return page


# --- using materials in classes -------------------------------------------------------------


@transaction.atomic
def use_in_class(page: ContentPage, school_class: Any, *, user: Any) -> ClassUse:
    """A teacher of the class adds a published material to it ("dùng cho lớp của tôi")."""
    if not ContentPage.objects.live().filter(pk=page.pk).exists():
        raise ValidationError(_("Chỉ dùng được học liệu đã được duyệt và xuất bản."))
    teaches = TeachingAssignment.objects.filter(school_class=school_class, teacher=user).exists()
    if not (teaches or school_class.homeroom_teacher_id == user.pk):
        raise PermissionDenied
    use, created = ClassUse.objects.get_or_create(
        page=page, school_class=school_class, defaults={"added_by": user}
    )
    if created:
        audit.record(
            "content.used_in_class",
            use,
            actor=user,
            after={"page": page.pk, "school_class": school_class.pk},
        )
    return use


# --- browsing -------------------------------------------------------------------------------


def record_download(page: ContentPage, what: str, *, user: Any) -> None:
    """Who downloaded which file of an item, kept in the audit log (licences and provenance)."""
    audit.record("content.downloaded", page, actor=user, after={"what": what})


# --- slides: PPTX shown as PDF --------------------------------------------------------------


def request_slides_pdf(document: Any) -> SlidesPdf | None:
    """Ask for the PDF of a PPTX deck (None for a document that is not a presentation).

    With LibreOffice on the server it is converted by a Celery task after commit; without it
    the deck is marked "unavailable" and pages offer the PPTX for download.
    """
    if not slides.is_presentation(document):
        return None
    with transaction.atomic():
        converted, _created = SlidesPdf.objects.select_for_update().get_or_create(source=document)
        digest = document.file_hash or ""
        if converted.status == SlidesPdf.Status.READY and converted.source_sha256 == digest:
            return converted
        converted.status = (
            SlidesPdf.Status.PENDING if slides.soffice() else SlidesPdf.Status.UNAVAILABLE
        )
        converted.problem = ""
        converted.save(update_fields=["status", "problem", "updated_at"])
        if converted.status == SlidesPdf.Status.PENDING:
            from .tasks import convert_slides_pdf

            converted_id = converted.pk
            transaction.on_commit(lambda: convert_slides_pdf.delay(converted_id))
    return converted


def convert_slides_pdf(slides_pdf_id: int) -> SlidesPdf | None:
    """Run LibreOffice on the deck and store the PDF; repeated, an up-to-date PDF is kept."""
    converted = SlidesPdf.objects.select_related("source").filter(pk=slides_pdf_id).first()
    if converted is None:
        return None
    document = converted.source
    digest = document.file_hash or ""
    if converted.status == SlidesPdf.Status.READY and converted.source_sha256 == digest:
        return converted
    executable = slides.soffice()
    if executable is None:
        converted.status = SlidesPdf.Status.UNAVAILABLE
        converted.save(update_fields=["status", "updated_at"])
        return converted
    suffix = Path(document.file.name).suffix.lower() or ".pptx"
    with tempfile.TemporaryDirectory(prefix="slides-src-") as work:
        source = Path(work) / f"slides{suffix}"
        with document.file.open("rb") as stream, source.open("wb") as out:
            shutil.copyfileobj(stream, out)
        try:
            pdf = slides.convert_to_pdf(executable, source)
        except slides.ConversionFailed as exc:
            converted.status = SlidesPdf.Status.FAILED
            converted.problem = str(exc)
            converted.save(update_fields=["status", "problem", "updated_at"])
            return converted
    with transaction.atomic():
        if converted.pdf:
            converted.pdf.delete(save=False)
        converted.pdf.save(
            f"{document.pk}-{digest[:12] or 'deck'}.pdf", ContentFile(pdf), save=False
        )
        converted.status = SlidesPdf.Status.READY
        converted.source_sha256 = digest
        converted.problem = ""
        converted.save()
    return converted


# --- IMS Common Cartridge into pages ----------------------------------------------------------


@dataclass
class CartridgeImport:
    pages: list[ContentPage]
    plan: CartridgePlan


def import_cartridge(
    library: LibraryPage, path: str | Path, *, author: Any, source_name: str = "", **tags: Any
) -> CartridgeImport:
    """Draft pages in `library` from a cartridge's web content and links (see
    content/cartridge_pages.py), to go through review like any material. All or nothing: on
    any error no page and no file is kept. `tags` are the ContentPage fields (subject, …)."""
    _require_author_here(author, library, tags["school"])
    plan = plan_cartridge(path)
    documents: list[Any] = []
    try:
        with transaction.atomic():
            pages = [
                _cartridge_page(library, item, documents, author=author, **tags)
                for item in plan.pages
            ]
            audit.record(
                "content.cartridge.imported",
                library,
                actor=author,
                after={
                    "cartridge": source_name or Path(path).name,
                    "pages": [p.pk for p in pages],
                    "problems": [[p.path, p.reason] for p in plan.problems],
                },
            )
    except BaseException:
        for document in documents:
            document.file.delete(save=False)
        raise
    return CartridgeImport(pages=pages, plan=plan)


def _cartridge_page(
    library: LibraryPage, item: PlannedPage, documents: list[Any], *, author: Any, **tags: Any
) -> ContentPage:
    page: ContentPage
    if item.kind == "file":
        document = get_document_model()(
            title=item.title[:255],
            file=ContentFile(item.data, name=Path(item.source).name),
            uploaded_by_user=author,
            collection=_library_collection(library),
        )
        document._set_document_file_metadata()
        documents.append(document)
        document.save()
        page = DocumentPage(
            title=item.title[:255],
            document=document,
            author=author,
            owner=author,
            live=False,
            **tags,
        )
    else:
        page = ELecturePage(
            title=item.title[:255], body=item.body, author=author, owner=author, live=False, **tags
        )
    page.search_folded = _folded(page)
    library.add_child(instance=page)
    page.save_revision(user=author, log_action=True)
    audit.record(
        "content.cartridge_page.created",
        page,
        actor=author,
        after={**_snapshot(page), "source": item.source},
    )
    return page


def _library_collection(library: LibraryPage) -> Collection:
    """The collection create_library made for the library (same name), else the root."""
    return (
        Collection.objects.filter(name=library.title[:255]).first()
        or Collection.get_first_root_node()
    )
