"""Every change to the content repository goes through a function here."""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import Storage, default_storage
from django.db import transaction
from django.utils.translation import gettext as _
from wagtail.models import Collection, Page, Workflow, WorkflowPage, WorkflowState, WorkflowTask

from core.api import TeachingAssignment, audit, fold, permissions

from . import runtime, xapi
from .lessonplan import LessonPlanData, read_docx
from .models import (
    ClassUse,
    ContentPage,
    LessonPlanPage,
    LibraryPage,
    Package,
    PackageAttempt,
    PackageFile,
    PackagePage,
    SubjectHeadReviewTask,
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


def import_lesson_plan_docx(
    library: LibraryPage, stream: IO[bytes], *, author: Any, **tags: Any
) -> tuple[LessonPlanPage, LessonPlanData]:
    """Read a teacher's .docx into a draft lesson plan; unmapped parts stay for manual fixing."""
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


def start_attempt(package: Package, learner: Any) -> PackageAttempt:
    attempt, created = PackageAttempt.objects.get_or_create(package=package, learner=learner)
    if created:
        audit.record("content.attempt.started", attempt, actor=learner)
    return attempt


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
    return attempt


@transaction.atomic
def record_statement(attempt: PackageAttempt, statement: Any) -> XapiStatement:
    """Validate an xAPI statement from the learner's H5P/cmi5 activity and store it."""
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
    statement = xapi.validate(statement)
    stored, _created = XapiStatement.objects.get_or_create(
        id=statement["id"],
        defaults={
            "package": attempt.package,
            "learner": attempt.learner,
            "verb": statement["verb"]["id"],
            "statement": statement,
        },
    )
    summary = xapi.summarise(statement)
    if summary:
        attempt = PackageAttempt.objects.select_for_update().get(pk=attempt.pk)
        before = audit.snapshot(attempt, RESULT_FIELDS)
        for name, value in summary.items():
            setattr(attempt, name, value)
        attempt.save()
        audit.record(
            "content.attempt.result",
            attempt,
            actor=attempt.learner,
            before=before,
            after=audit.snapshot(attempt, RESULT_FIELDS),
        )
    return stored


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
