"""Every write to the question bank goes through a function here, and each one is audited."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from core.api import Organisation, Subject, audit, image_kind, notify_user

from . import facet_table, permissions, signing
from .duplicates import similar_items
from .importers import UnreadableFile, parse_bytes
from .interchange import Asset, ItemContent, ItemType, ParsedItem, ParseResult
from .models import (
    ImportJob,
    Item,
    ItemAsset,
    ItemStatistics,
    ItemVersion,
    Level,
    LevelScheme,
    ReviewEvent,
    Scope,
    Status,
    Stimulus,
    StimulusVersion,
    Topic,
)
from .sanitize import clean_content, clean_html, html_to_text, search_text
from .validation import validate_content

ASSET_URL = "/question-bank/assets/"
EDITABLE_META = (
    "subject",
    "grade",
    "topic",
    "level",
    "level_scheme",
    "difficulty",
    "tags",
    "source",
    "licence",
    "stimulus",
    "bank",
)


def content_hash(content: ItemContent) -> str:
    """sha256 of the canonical JSON of the content: equal content, equal hash."""
    canonical = json.dumps(content.to_json(), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _checked(content: ItemContent, sanitised: bool = False) -> ItemContent:
    if not sanitised:
        content = clean_content(content)
    problems = validate_content(content)
    if problems:
        raise ValidationError(problems)
    return content


def _new_version(item: Item, content: ItemContent, actor: Any) -> ItemVersion:
    last = item.versions.aggregate(n=Max("number"))["n"] or 0
    version = ItemVersion(
        item=item,
        number=last + 1,
        type=content.type.value,
        content=content.to_json(),
        content_hash=content_hash(content),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    version.save()
    item.current_version = version
    item.type = content.type.value
    item.search_text = search_text(content, item.tags)
    item.updated = timezone.now()
    item.save()
    return version


def _check_meta(meta: dict[str, Any]) -> None:
    unknown = set(meta) - set(EDITABLE_META)
    if unknown:
        raise ValidationError(_("Trường không hợp lệ: %(f)s") % {"f": ", ".join(sorted(unknown))})
    level = meta.get("level")
    if level and level not in Level.values:
        raise ValidationError(_("Mức độ nhận thức không hợp lệ: %(v)s") % {"v": level})
    scheme = meta.get("level_scheme")
    if scheme == LevelScheme.THREE and level == Level.VAN_DUNG_CAO:
        raise ValidationError(_("Thang 3 mức không có mức Vận dụng cao."))


@transaction.atomic
def create_item(
    actor: Any,
    content: ItemContent,
    *,
    school: Organisation | None = None,
    scope: str = Scope.PRIVATE,
    sanitised: bool = False,
    **meta: Any,
) -> Item:
    """`sanitised=True` when the caller (the importer) has already cleaned the content."""
    content = _checked(content, sanitised)
    _check_meta(meta)
    if scope == Scope.DEPARTMENT:
        raise ValidationError(_("Chỉ câu hỏi đã được duyệt mới được chia sẻ toàn Sở."))
    item = Item(
        type=content.type.value,
        author=actor if getattr(actor, "is_authenticated", False) else None,
        school=school,
        scope=scope,
        **meta,
    )
    item.save()
    _new_version(item, content, actor)
    facet_table.added(item.pk)
    audit.record("question.create", item, actor=actor, after=audit.snapshot(item))
    return item


@transaction.atomic
def revise_item(actor: Any, item: Item, content: ItemContent, **meta: Any) -> ItemVersion:
    """Save an edit as a new version. A changed item goes back to draft for review; earlier
    versions (and the attempts and statistics pointing at them) stay as they were."""
    if not permissions.can_edit(actor, item):
        raise PermissionDenied
    if item.status == Status.RETIRED:
        raise ValidationError(_("Câu hỏi đã ngừng sử dụng, không sửa được."))
    content = _checked(content)
    _check_meta(meta)
    before = audit.snapshot(item)
    with facet_table.tracking(item):
        for name, value in meta.items():
            setattr(item, name, value)
        if item.current_version is not None and item.current_version.content_hash == (
            content_hash(content)
        ):
            item.search_text = search_text(content, item.tags)
            item.save()
            version = item.current_version
        else:
            if item.status != Status.DRAFT:
                item.status = Status.DRAFT
                if item.scope == Scope.DEPARTMENT:
                    item.scope = Scope.SCHOOL
            version = _new_version(item, content, actor)
    audit.record("question.revise", item, actor=actor, before=before, after=audit.snapshot(item))
    return version


def _transition(
    actor: Any, item: Item, to: Status, allowed_from: tuple[str, ...], comment: str = ""
) -> Item:
    if item.status not in allowed_from:
        raise ValidationError(
            _("Không thể chuyển câu hỏi từ trạng thái “%(a)s” sang “%(b)s”.")
            % {"a": Status(item.status).label, "b": to.label}
        )
    before = audit.snapshot(item, ["status", "scope"])
    from_status = item.status
    with facet_table.tracking(item):
        item.status = to
        item.updated = timezone.now()
        item.save(update_fields=["status", "scope", "updated"])
    assert item.current_version is not None
    ReviewEvent.objects.create(
        item=item,
        version=item.current_version,
        from_status=from_status,
        to_status=to,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        comment=comment,
    )
    audit.record(
        f"question.{to.value}",
        item,
        actor=actor,
        before=before,
        after={**audit.snapshot(item, ["status", "scope"]), "comment": comment},
    )
    return item


@transaction.atomic
def submit_item(actor: Any, item: Item) -> Item:
    if not permissions.can_edit(actor, item):
        raise PermissionDenied
    return _transition(actor, item, Status.SUBMITTED, (Status.DRAFT, Status.REJECTED))


@transaction.atomic
def approve_item(actor: Any, item: Item, comment: str = "") -> Item:
    if not permissions.can_review(actor, item):
        raise PermissionDenied
    item = _transition(actor, item, Status.APPROVED, (Status.SUBMITTED,), comment)
    signing.sign_current_version(item, actor)
    return item


@transaction.atomic
def reject_item(actor: Any, item: Item, comment: str) -> Item:
    if not permissions.can_review(actor, item):
        raise PermissionDenied
    if not comment.strip():
        raise ValidationError(_("Cần ghi nhận xét khi trả lại câu hỏi."))
    return _transition(actor, item, Status.REJECTED, (Status.SUBMITTED,), comment)


@transaction.atomic
def publish_item(actor: Any, item: Item, scope: str = Scope.DEPARTMENT) -> Item:
    """Publish an approved item; only approved items may reach department-wide scope."""
    if not permissions.can_review(actor, item):
        raise PermissionDenied
    item.scope = scope
    item = _transition(actor, item, Status.PUBLISHED, (Status.APPROVED,))
    signing.sign_current_version(item, actor)
    return item


@transaction.atomic
def retire_item(actor: Any, item: Item, comment: str = "") -> Item:
    """Stop offering the item; its versions stay for the tests and attempts that cite them."""
    if not (permissions.can_edit(actor, item) or permissions.can_review(actor, item)):
        raise PermissionDenied
    return _transition(
        actor,
        item,
        Status.RETIRED,
        tuple(s for s in Status.values if s != Status.RETIRED),
        comment,
    )


@transaction.atomic
def share_item(actor: Any, item: Item, scope: str) -> Item:
    if not permissions.can_edit(actor, item):
        raise PermissionDenied
    if scope == Scope.DEPARTMENT and item.status not in (Status.APPROVED, Status.PUBLISHED):
        raise ValidationError(_("Chỉ câu hỏi đã được duyệt mới được chia sẻ toàn Sở."))
    before = audit.snapshot(item, ["scope"])
    with facet_table.tracking(item):
        item.scope = scope
        item.save(update_fields=["scope"])
    audit.record("question.share", item, actor=actor, before=before, after={"scope": scope})
    return item


def stimulus_hash(title: str, html: str) -> str:
    canonical = json.dumps({"html": html, "title": title}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _stimulus_version(stimulus: Stimulus, actor: Any, number: int) -> StimulusVersion:
    version = StimulusVersion(
        stimulus=stimulus,
        number=number,
        title=stimulus.title,
        html=stimulus.html,
        content_hash=stimulus_hash(stimulus.title, stimulus.html),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    version.save()
    return version


@transaction.atomic
def create_stimulus(
    actor: Any, html: str, *, title: str = "", subject: Subject | None = None
) -> Stimulus:
    stimulus = Stimulus.objects.create(
        title=title,
        html=clean_html(html),
        subject=subject,
        author=actor if getattr(actor, "is_authenticated", False) else None,
    )
    _stimulus_version(stimulus, actor, 1)
    audit.record("stimulus.create", stimulus, actor=actor, after=audit.snapshot(stimulus))
    return stimulus


@transaction.atomic
def revise_stimulus(actor: Any, stimulus: Stimulus, *, html: str, title: str = "") -> Stimulus:
    """Save an edit of a shared stimulus as a new immutable version, by the item rules: the
    earlier versions stay, and every item hanging off it that had been submitted, approved or
    published goes back to draft (department-wide ones to school scope), because its reviewer
    approved it with the old passage. Unchanged text adds no version."""
    if not permissions.can_edit_stimulus(actor, stimulus):
        raise PermissionDenied
    stimulus = Stimulus.objects.select_for_update().get(pk=stimulus.pk)
    html = clean_html(html).strip()
    title = " ".join(title.split())[:255]
    if not html_to_text(html).strip() and "<img" not in html:
        raise ValidationError(_("Nội dung ngữ liệu không được để trống."))
    if stimulus_hash(title, html) == stimulus_hash(stimulus.title, stimulus.html):
        return stimulus
    before = {"title": stimulus.title, "html": stimulus.html}
    stimulus.title, stimulus.html = title, html
    stimulus.save(update_fields=["title", "html"])
    last = stimulus.versions.aggregate(n=Max("number"))["n"] or 0
    version = _stimulus_version(stimulus, actor, last + 1)
    reopened = []
    for item in stimulus.items.filter(
        status__in=[Status.SUBMITTED, Status.APPROVED, Status.PUBLISHED, Status.REJECTED]
    ).select_related("current_version"):
        if item.scope == Scope.DEPARTMENT:
            item.scope = Scope.SCHOOL
        _transition(
            actor,
            item,
            Status.DRAFT,
            (Status.SUBMITTED, Status.APPROVED, Status.PUBLISHED, Status.REJECTED),
            _("Ngữ liệu dùng chung đã được sửa (phiên bản %(n)s); cần duyệt lại.")
            % {"n": version.number},
        )
        reopened.append(item.pk)
    audit.record(
        "stimulus.revise",
        stimulus,
        actor=actor,
        before=before,
        after={"title": title, "html": html, "version": version.number, "items_to_draft": reopened},
    )
    return stimulus


@transaction.atomic
def create_topic(
    actor: Any,
    *,
    subject: Subject,
    title: str,
    grade: int | None = None,
    parent: Topic | None = None,
    code: str = "",
    order: int = 0,
) -> Topic:
    topic = Topic(subject=subject, title=title, grade=grade, parent=parent, code=code, order=order)
    topic.full_clean()
    topic.save()
    audit.record("topic.create", topic, actor=actor, after=audit.snapshot(topic))
    return topic


def asset_digest(asset: Asset) -> str:
    return hashlib.sha256(asset.data).hexdigest()


def point_at_assets(content: ItemContent, assets: list[Asset]) -> ItemContent:
    """The content with `src="image1.png"` replaced by the stored asset's URL (a pure function,
    so the content hash of an imported item is the same on every import)."""

    def fix(html: str) -> str:
        for asset in assets:
            html = html.replace(f'src="{asset.name}"', f'src="{ASSET_URL}{asset_digest(asset)}"')
        return html

    return dataclasses.replace(
        content,
        stem_html=fix(content.stem_html),
        solution_html=fix(content.solution_html),
        choices=[dataclasses.replace(c, html=fix(c.html)) for c in content.choices],
        targets=[dataclasses.replace(c, html=fix(c.html)) for c in content.targets],
    )


def save_assets(assets: list[Asset]) -> None:
    """Store each file once, by its sha256."""
    for asset in assets:
        ItemAsset.objects.get_or_create(
            sha256=asset_digest(asset),
            defaults={"name": asset.name[:255], "mime": asset.mime[:100], "data": asset.data},
        )


@transaction.atomic
def record_item_statistics(version_id: int, stats: dict[str, Any]) -> ItemStatistics:
    """Store the classical item analysis of a version (called by the assessment engine)."""
    allowed = {"responses", "facility", "point_biserial", "discrimination_27", "distractors"}
    unknown = set(stats) - allowed
    if unknown:
        raise ValidationError(_("Chỉ số không hợp lệ: %(f)s") % {"f": ", ".join(sorted(unknown))})
    version = ItemVersion.objects.get(pk=version_id)
    values = {k: (float(v) if isinstance(v, Decimal) else v) for k, v in stats.items()}
    obj, _created = ItemStatistics.objects.update_or_create(
        version=version, defaults={**values, "updated": timezone.now()}
    )
    audit.record("question.statistics", obj, after=values)
    return obj


@dataclass
class ImportReport:
    """The result of an import, in the shape of the `import_questions --json` contract."""

    imported: int = 0
    skipped: int = 0
    errors: list[dict[str, str]] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, str]] = field(default_factory=list)
    item_ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "imported": self.imported,
            "skipped": self.skipped,
            "errors": self.errors,
            "items": self.items,
            "warnings": self.warnings,
        }


class ImportMode:
    ALL_OR_NOTHING = "all_or_nothing"
    SKIP_BAD = "skip_bad"


def _meta_fields(parsed: ParsedItem, subject: Subject | None) -> dict[str, Any]:
    meta = parsed.meta
    subj = subject
    if meta.subject:
        subj = Subject.objects.filter(code=meta.subject).first() or subject
    topic = None
    if meta.topic and subj is not None:
        topic = Topic.objects.filter(subject=subj, title__iexact=meta.topic).first()
    tags = list(meta.tags)
    if meta.topic and topic is None:
        tags.append(meta.topic)
    return {
        "subject": subj,
        "grade": meta.grade,
        "topic": topic,
        "level": meta.level if meta.level in Level.values else "",
        "difficulty": meta.difficulty,
        "tags": tags,
        "source": meta.source[:255],
        "licence": meta.licence[:64],
    }


def import_parsed(
    actor: Any,
    result: ParseResult,
    *,
    bank: str = "",
    mode: str = ImportMode.SKIP_BAD,
    dry_run: bool = False,
    school: Organisation | None = None,
    subject: Subject | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Store what an importer read. Bad items are reported with their location; with
    ALL_OR_NOTHING one bad item stops the whole import. Content already in the bank (same
    content hash) is skipped, so importing a file twice adds nothing the second time."""
    report = ImportReport(errors=[p.as_dict() for p in result.problems])
    good: list[tuple[ParsedItem, ItemContent, str]] = []
    for parsed in result.items:
        cleaned = clean_content(parsed.content)
        problems = validate_content(cleaned)
        if problems:
            report.errors += [{"location": parsed.location, "message": m} for m in problems]
            continue
        content = point_at_assets(cleaned, parsed.assets)
        report.items.append(
            {
                "number": parsed.number,
                "part": parsed.part.value if parsed.part else None,
                "type": content.type.value,
                "key": None if content.type == ItemType.ESSAY else content.key,
            }
        )
        good.append((parsed, content, content_hash(content)))
    bad = len(result.items) - len(good)
    if mode == ImportMode.ALL_OR_NOTHING and report.errors:
        report.skipped = len(result.items)
        return report
    existing = set(
        ItemVersion.objects.filter(
            item__bank=bank, content_hash__in=[h for _p, _c, h in good]
        ).values_list("content_hash", flat=True)
    )
    fresh: list[tuple[ParsedItem, ItemContent, str]] = []
    seen: set[str] = set()
    for parsed, content, digest in good:
        if digest in existing or digest in seen:
            report.warnings.append(
                {
                    "location": parsed.location,
                    "message": _("Câu hỏi đã có trong ngân hàng; bỏ qua."),
                }
            )
            continue
        seen.add(digest)
        fresh.append((parsed, content, digest))
    report.skipped = bad + len(good) - len(fresh)
    report.imported = len(fresh)
    for parsed, content, _digest in fresh:
        for other, score in similar_items(content, Item.objects.filter(bank=bank)):
            report.warnings.append(
                {
                    "location": parsed.location,
                    "message": _("Gần giống câu hỏi #%(id)s (độ tương đồng %(s)s%%).")
                    % {"id": other.pk, "s": round(score * 100)},
                }
            )
    if dry_run:
        return report
    with transaction.atomic():
        stimuli: dict[str, Stimulus] = {}
        for stim in result.stimuli:
            save_assets(stim.assets)
            html = point_at_assets(ItemContent(ItemType.ESSAY, stim.html), stim.assets).stem_html
            stimuli[stim.ref] = create_stimulus(actor, html, subject=subject)
        for parsed, content, _digest in fresh:
            save_assets(parsed.assets)
            meta = _meta_fields(parsed, subject)
            item = create_item(
                actor,
                content,
                school=school,
                bank=bank,
                sanitised=True,
                stimulus=stimuli.get(parsed.stimulus_ref or ""),
                **meta,
            )
            report.item_ids.append(item.pk)
            if progress is not None and len(report.item_ids) % 20 == 0:
                progress(len(report.item_ids), len(fresh))
    if progress is not None:
        progress(len(report.item_ids), len(fresh))
    return report


@transaction.atomic
def save_item(
    actor: Any,
    item: Item | None,
    content: ItemContent,
    *,
    scope: str = Scope.PRIVATE,
    new_stimulus: dict[str, str] | None = None,
    **meta: Any,
) -> Item:
    """The editor's save: create the item or add a version, attach a new shared stimulus when
    one was written, and change the sharing scope, all or nothing."""
    if new_stimulus:
        meta["stimulus"] = create_stimulus(
            actor,
            new_stimulus["html"],
            title=new_stimulus.get("title", ""),
            subject=meta.get("subject"),
        )
    if item is None:
        return create_item(
            actor, content, school=permissions.home_school(actor), scope=scope, **meta
        )
    revise_item(actor, item, content, **meta)
    if scope != item.scope:
        share_item(actor, item, scope)
    return item


IMAGE_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "gif": "image/gif", "webp": "image/webp"}
MAX_IMAGE_BYTES = 5 * 1024 * 1024


def store_image(actor: Any, data: bytes, name: str) -> str:
    """Store an uploaded picture once by its sha256 and return its URL. The type is decided by
    decoding the bytes (Pillow), never by the file name or the browser's claim; SVG and
    anything else that does not decode as a bitmap is refused."""
    if len(data) > MAX_IMAGE_BYTES:
        raise ValidationError(_("Ảnh quá lớn (tối đa 5 MB)."))
    kind = image_kind(data)
    if kind is None:
        raise ValidationError(_("Tệp không phải ảnh PNG, JPEG, GIF hoặc WebP hợp lệ."))
    asset = Asset(name=name[:255] or "image", mime=IMAGE_TYPES[kind], data=data)
    digest = asset_digest(asset)
    with transaction.atomic():
        stored, created = ItemAsset.objects.get_or_create(
            sha256=digest, defaults={"name": asset.name, "mime": asset.mime, "data": data}
        )
        if created:
            audit.record("question.image", stored, actor=actor, after={"sha256": digest})
    return f"{ASSET_URL}{digest}"


# Files with more items than this are stored by a Celery task, with progress for the page.
IMPORT_IN_BACKGROUND = 100


def _progress_key(job_id: int) -> str:
    return f"question-bank-import:{job_id}"


def import_progress(job_id: int) -> dict[str, int]:
    """How far a running import is: {"done": stored items, "total": items to store}."""
    return cache.get(_progress_key(job_id)) or {"done": 0, "total": 0}


def _preview_rows(result: ParseResult, report: ImportReport) -> list[dict[str, Any]]:
    errors: dict[str, list[str]] = {}
    for e in report.errors:
        errors.setdefault(e["location"], []).append(e["message"])
    warnings: dict[str, list[str]] = {}
    for w in report.warnings:
        warnings.setdefault(w["location"], []).append(w["message"])
    return [
        {
            "number": parsed.number,
            "part": parsed.part.value if parsed.part else None,
            "type": parsed.content.type.value,
            "location": parsed.location,
            "stem": html_to_text(parsed.content.stem_html)[:300],
            "errors": errors.get(parsed.location, []),
            "warnings": warnings.get(parsed.location, []),
        }
        for parsed in result.items
    ]


@transaction.atomic
def upload_import(
    actor: Any,
    data: bytes,
    name: str,
    *,
    fmt: str = "auto",
    bank: str = "",
    all_or_nothing: bool = False,
) -> ImportJob:
    """Read an uploaded file and keep it with its preview (nothing is imported yet). A file
    that cannot be read at all raises ValidationError and stores nothing."""
    try:
        result = parse_bytes(data, name, fmt)
    except UnreadableFile as exc:
        raise ValidationError(_("%(name)s: %(reason)s") % {"name": name, "reason": exc}) from exc
    school = permissions.home_school(actor)
    mode = ImportMode.ALL_OR_NOTHING if all_or_nothing else ImportMode.SKIP_BAD
    report = import_parsed(actor, result, bank=bank, mode=mode, dry_run=True, school=school)
    job = ImportJob.objects.create(
        owner=actor,
        school=school,
        name=name[:255],
        format=fmt,
        bank=bank[:100],
        all_or_nothing=all_or_nothing,
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
        total=len(result.items),
        preview=_preview_rows(result, report),
        report=report.as_dict(),
    )
    audit.record(
        "question.import_upload",
        job,
        actor=actor,
        after={"name": job.name, "sha256": job.sha256, "items": job.total},
    )
    return job


def commit_import(actor: Any, job: ImportJob) -> ImportJob:
    """Import a previewed file: small files at once, big ones in a Celery task. A second
    commit of the same job does nothing; importing the same file again adds nothing, because
    content already in the bank is skipped by its hash."""
    if job.owner_id != getattr(actor, "pk", None):
        raise PermissionDenied
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if job.state != ImportJob.State.PREVIEWED:
            return job
        job.state = ImportJob.State.RUNNING
        job.save(update_fields=["state"])
        audit.record("question.import_commit", job, actor=actor, after={"state": job.state})
        cache.set(_progress_key(job.pk), {"done": 0, "total": job.total}, 3600)
        if job.total > IMPORT_IN_BACKGROUND:
            from .tasks import run_import

            job_id = job.pk
            transaction.on_commit(lambda: run_import.delay(job_id))
            return job
    return run_import_job(job.pk)


def run_import_job(job_id: int) -> ImportJob:
    """Store a committed job's items (the Celery task calls this; running it twice is
    harmless: a finished job is left alone)."""
    job = ImportJob.objects.select_related("owner", "school").get(pk=job_id)
    if job.state != ImportJob.State.RUNNING:
        return job
    try:
        result = parse_bytes(bytes(job.data), job.name, job.format)
    except UnreadableFile as exc:
        job.state = ImportJob.State.FAILED
        job.report = {"errors": [{"location": job.name, "message": str(exc)}]}
        job.finished = timezone.now()
        job.save(update_fields=["state", "report", "finished"])
        return job

    def progress(done: int, total: int) -> None:
        cache.set(_progress_key(job_id), {"done": done, "total": total}, 3600)

    with transaction.atomic():
        report = import_parsed(
            job.owner,
            result,
            bank=job.bank,
            school=job.school,
            mode=ImportMode.ALL_OR_NOTHING if job.all_or_nothing else ImportMode.SKIP_BAD,
            progress=progress,
        )
        job.report = {**report.as_dict(), "item_ids": report.item_ids}
        job.state = ImportJob.State.DONE
        job.finished = timezone.now()
        job.save(update_fields=["state", "report", "finished"])
        audit.record(
            "question.import",
            job,
            actor=job.owner,
            after={"imported": report.imported, "skipped": report.skipped},
        )
        notify_user(
            job.owner_id,
            _("Đã nhập %(n)s câu hỏi từ %(name)s.") % {"n": report.imported, "name": job.name},
            url=f"/question-bank/import/{job.pk}/",
        )
    return job
