"""Every write of the assessment engine: tests, blueprints, generation and versions."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.api import audit
from question_bank.api import (
    ItemContent,
    ItemType,
    ItemVersion,
    Topic,
    approved_items,
    record_item_statistics,
)

from . import rubrics
from .grading import MANUAL_TYPES
from .models import (
    Answer,
    Assignment,
    Attempt,
    BlueprintCell,
    Regrade,
    RubricTemplate,
    StudentGroup,
    Test,
    TestItem,
    TestPart,
    TestVersion,
)
from .scoring import (
    ManualGradingRequired,
    PartialCredit,
    ScoringPolicy,
    default_points,
    needs_manual_grading,
    score_fraction,
    to_decimal,
)
from .shuffle import PartPlan, Slot, build_layout, version_codes, version_rng

LEVEL_LABELS = {
    "biet": _("Biết"),
    "hieu": _("Hiểu"),
    "van_dung": _("Vận dụng"),
    "van_dung_cao": _("Vận dụng cao"),
}


@dataclass(frozen=True)
class Shortfall:
    part: str
    topic: str
    level: str
    item_type: str
    needed: int
    available: int

    @property
    def missing(self) -> int:
        return self.needed - self.available

    def as_dict(self) -> dict[str, Any]:
        return {
            "part": self.part,
            "topic": self.topic,
            "level": self.level,
            "item_type": self.item_type,
            "needed": self.needed,
            "available": self.available,
            "missing": self.missing,
        }

    def message(self) -> str:
        return _(
            "%(part)s, chủ đề “%(topic)s”, mức %(level)s, dạng %(type)s: cần %(needed)s câu, "
            "ngân hàng có %(available)s câu đã duyệt, thiếu %(missing)s câu."
        ) % {
            "part": self.part,
            "topic": self.topic or _("(mọi chủ đề)"),
            "level": LEVEL_LABELS.get(self.level, self.level or _("(mọi mức)")),
            "type": self.item_type,
            "needed": self.needed,
            "available": self.available,
            "missing": self.missing,
        }


class BlueprintShortfall(ValidationError):
    """The bank lacks approved items for one or more cells; every short cell is listed."""

    def __init__(self, shortfalls: list[Shortfall]) -> None:
        super().__init__([s.message() for s in shortfalls])
        self.shortfalls = shortfalls


# --- Building a test ------------------------------------------------------------------------


def create_test(
    actor: Any,
    *,
    title: str,
    subject: Any = None,
    school: Any = None,
    exam_name: str = "",
    grade: int | None = None,
    duration_minutes: int = 45,
    rounding: str = "0.25",
    parts: list[str] | None = None,
) -> Test:
    """A test with its parts (by default PHẦN I, II, III of the 2025 format)."""
    with transaction.atomic():
        test = Test(
            title=title,
            subject=subject,
            school=school,
            exam_name=exam_name,
            grade=grade,
            duration_minutes=duration_minutes,
            rounding=rounding,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        test.full_clean()
        test.save()
        for order, name in enumerate(parts or ["PHẦN I", "PHẦN II", "PHẦN III"], start=1):
            TestPart.objects.create(test=test, order=order, title=name)
        audit.record("assessment.test.create", test, actor=actor, after=audit.snapshot(test))
    return test


def _subject_code(test: Test) -> str:
    return test.subject.code if test.subject_id and test.subject else ""


def add_item(
    actor: Any,
    part: TestPart,
    item_version: ItemVersion,
    *,
    points: Decimal | None = None,
    fixed_position: bool = False,
    group: str = "",
) -> TestItem:
    """A fixed item (chosen by the teacher) at the end of the part."""
    content = ItemContent.from_json(item_version.content)
    if points is None:
        points = content.points or default_points(content.type, _subject_code(part.test))
    last = part.items.order_by("-order").values_list("order", flat=True).first() or 0
    stimulus = item_version.item.stimulus_id if hasattr(item_version, "item") else None
    item = TestItem.objects.create(
        part=part,
        item_version=item_version,
        order=last + 1,
        points=points,
        fixed_position=fixed_position,
        group=group or (f"s{stimulus}" if stimulus else ""),
    )
    audit.record("assessment.test.add_item", item, actor=actor, after=audit.snapshot(item))
    return item


def add_cell(
    actor: Any,
    part: TestPart,
    *,
    item_type: str,
    count: int,
    topic: Topic | None = None,
    level: str = "",
    points_each: Decimal | None = None,
) -> BlueprintCell:
    item_type = ItemType(item_type).value
    if points_each is None:
        points_each = default_points(item_type, _subject_code(part.test))
    cell = BlueprintCell(
        part=part,
        topic=topic,
        level=level,
        item_type=item_type,
        count=count,
        points_each=points_each,
    )
    cell.full_clean()
    cell.save()
    audit.record("assessment.blueprint.add_cell", cell, actor=actor, after=audit.snapshot(cell))
    return cell


def _candidates(test: Test, cell: BlueprintCell, exclude: set[int]) -> list[tuple[int, int, int]]:
    """(item id, current version id, stimulus id or 0) of approved items fitting the cell."""
    qs = approved_items(
        subject=test.subject_id,
        grade=test.grade,
        topic=cell.topic_id,
        level=cell.level or None,
        type=cell.item_type,
    ).order_by("pk")
    return [
        (pk, version, stimulus or 0)
        for pk, version, stimulus in qs.values_list("pk", "current_version_id", "stimulus_id")
        if pk not in exclude
    ]


def generate_from_blueprint(actor: Any, test: Test, *, seed: str | int = 0) -> list[TestItem]:
    """Draw every blueprint cell from the bank's approved items, replacing earlier draws.

    All cells are checked before anything is written: when the bank is short, the error lists
    every short cell with how many items are missing, and the test is left untouched.
    """
    parts = list(test.parts.prefetch_related("cells__topic"))
    cells = [cell for part in parts for cell in part.cells.all()]
    rng = random.Random(f"{seed}:blueprint")
    with transaction.atomic():
        fixed_items = set(
            TestItem.objects.filter(part__test=test, cell__isnull=True).values_list(
                "item_version__item_id", flat=True
            )
        )
        taken = set(fixed_items)
        shortfalls: list[Shortfall] = []
        drawn: list[tuple[BlueprintCell, list[tuple[int, int, int]]]] = []
        for cell in cells:
            pool = _candidates(test, cell, taken)
            if len(pool) < cell.count:
                shortfalls.append(
                    Shortfall(
                        part=cell.part.title,
                        topic=cell.topic.title if cell.topic else "",
                        level=cell.level,
                        item_type=cell.item_type,
                        needed=cell.count,
                        available=len(pool),
                    )
                )
                continue
            chosen = rng.sample(pool, cell.count)
            taken.update(c[0] for c in chosen)
            drawn.append((cell, chosen))
        if shortfalls:
            raise BlueprintShortfall(shortfalls)
        TestItem.objects.filter(part__test=test, cell__isnull=False).delete()
        created: list[TestItem] = []
        next_order = {
            part.pk: (part.items.order_by("-order").values_list("order", flat=True).first() or 0)
            for part in parts
        }
        for cell, chosen in drawn:
            for _item, version, stimulus in chosen:
                next_order[cell.part_id] += 1
                created.append(
                    TestItem(
                        part_id=cell.part_id,
                        item_version_id=version,
                        order=next_order[cell.part_id],
                        points=cell.points_each,
                        group=f"s{stimulus}" if stimulus else "",
                        cell=cell,
                    )
                )
        TestItem.objects.bulk_create(created)
        audit.record(
            "assessment.test.generate",
            test,
            actor=actor,
            after={"seed": str(seed), "item_versions": [t.item_version_id for t in created]},
        )
    return created


# --- Versions (mã đề) -----------------------------------------------------------------------


def part_plans(test: Test) -> list[PartPlan]:
    items = list(
        TestItem.objects.filter(part__test=test)
        .select_related("part", "item_version")
        .order_by("part__order", "order")
    )
    plans: dict[int, PartPlan] = {}
    for part in test.parts.all():
        plans[part.pk] = PartPlan(part.title, [], part.shuffle_items, part.shuffle_options)
    for ti in items:
        plans[ti.part_id].slots.append(
            Slot(
                test_item=ti.pk,
                item_version=ti.item_version_id,
                content=ItemContent.from_json(ti.item_version.content),
                points=Decimal(ti.points).normalize(),
                fixed=ti.fixed_position,
                group=ti.group,
            )
        )
    return list(plans.values())


def versions_json(versions: list[TestVersion]) -> list[dict[str, Any]]:
    """The versions' answer keys in the make_versions CLI contract (keys as import_questions)."""
    return [
        {
            "code": v.code,
            "items": [
                {
                    "position": r["position"],
                    "item_version": str(r["item_version"]),
                    "key": r["key"],
                }
                for r in v.layout
            ],
        }
        for v in versions
    ]


def make_versions(
    actor: Any,
    test: Test,
    *,
    count: int,
    seed: str | int = 0,
    codes: list[str] | None = None,
) -> list[TestVersion]:
    """N versions of the test, replacing earlier ones; the same seed gives the same versions."""
    codes = codes or version_codes(count)
    if len(codes) != count or len(set(codes)) != count:
        raise ValidationError(_("Cần %(n)s mã đề khác nhau.") % {"n": count})
    plans = part_plans(test)
    if not any(p.slots for p in plans):
        raise ValidationError(_("Đề chưa có câu hỏi nào."))
    with transaction.atomic():
        test.versions.all().delete()
        versions = [
            TestVersion(
                test=test,
                code=code,
                seed=str(seed),
                layout=build_layout(plans, version_rng(seed, code)),
            )
            for code in codes
        ]
        TestVersion.objects.bulk_create(versions)
        audit.record(
            "assessment.test.make_versions",
            test,
            actor=actor,
            after={"seed": str(seed), "codes": codes},
        )
    return list(test.versions.order_by("code"))


# --- Online tests --------------------------------------------------------------------------


def assign_test(
    actor: Any,
    test: Test,
    school_class: Any,
    *,
    opens: Any,
    closes: Any,
    time_limit_minutes: int,
    max_attempts: int = 1,
    shuffle_per_student: bool = True,
    result_policy: str = "after_close",
    show_correct_answers: bool = False,
    blind_grading: bool = False,
    group: StudentGroup | None = None,
) -> Assignment:
    if closes <= opens:
        raise ValidationError(_("Thời điểm đóng phải sau thời điểm mở."))
    if group is not None and group.school_class_id != school_class.pk:
        raise ValidationError(_("Nhóm không thuộc lớp đã chọn."))
    if not any(p.slots for p in part_plans(test)):
        raise ValidationError(_("Đề chưa có câu hỏi nào."))
    assignment = Assignment(
        test=test,
        school_class=school_class,
        group=group,
        opens=opens,
        closes=closes,
        time_limit_minutes=time_limit_minutes,
        max_attempts=max_attempts,
        shuffle_per_student=shuffle_per_student,
        result_policy=result_policy,
        show_correct_answers=show_correct_answers,
        blind_grading=blind_grading,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    assignment.full_clean()
    assignment.save()
    audit.record(
        "assessment.assignment.create", assignment, actor=actor, after=audit.snapshot(assignment)
    )
    return assignment


def start_attempt(student: Any, assignment: Assignment, *, now: Any = None) -> Attempt:
    """The student's open attempt, or a new one; the deadline is fixed here by the server."""
    from .permissions import takes

    now = now or timezone.now()
    if not takes(student, assignment):
        raise PermissionDenied
    if not assignment.opens <= now < assignment.closes:
        raise ValidationError(_("Bài kiểm tra không mở vào lúc này."))
    with transaction.atomic():
        attempts = Attempt.objects.select_for_update().filter(
            assignment=assignment, student=student
        )
        current = attempts.filter(state=Attempt.State.IN_PROGRESS).first()
        if current is not None and current.deadline > now:
            return current
        if current is not None:
            submit_attempt(student, current, now=now)
        done = attempts.count()
        if done >= assignment.max_attempts:
            raise ValidationError(_("Đã hết số lần làm bài."))
        seed = f"{assignment.pk}:{student.pk}:{done + 1}" if assignment.shuffle_per_student else "0"
        layout = build_layout(part_plans(assignment.test), version_rng(seed, "online"))
        deadline = min(now + dt.timedelta(minutes=assignment.time_limit_minutes), assignment.closes)
        attempt = Attempt.objects.create(
            assignment=assignment,
            student=student,
            number=done + 1,
            started=now,
            deadline=deadline,
            layout=layout,
        )
        audit.record(
            "assessment.attempt.start",
            attempt,
            actor=student,
            after={"deadline": deadline, "number": attempt.number},
        )
    return attempt


@dataclass(frozen=True)
class Ack:
    position: int
    seq: int
    saved: bool  # False: an older or repeated save, already superseded


def save_answers(
    student: Any, attempt: Attempt, answers: list[dict[str, Any]], *, now: Any = None
) -> list[Ack]:
    """Store responses; each carries the client's sequence number for its position.

    A save with a sequence number not above the stored one is acknowledged without change, so
    resending a queued save is harmless. Nothing is stored after the server's deadline.
    """
    now = now or timezone.now()
    if attempt.student_id != student.pk:
        raise PermissionDenied
    if attempt.state != Attempt.State.IN_PROGRESS or now > attempt.deadline:
        raise ValidationError(_("Đã hết giờ làm bài hoặc bài đã nộp."))
    positions = {row["position"] for row in attempt.layout}
    acks: list[Ack] = []
    with transaction.atomic():
        for entry in answers:
            position, seq = int(entry["position"]), int(entry["seq"])
            if position not in positions:
                raise ValidationError(_("Câu %(n)s không có trong bài.") % {"n": position})
            answer, created = Answer.objects.select_for_update().get_or_create(
                attempt=attempt,
                position=position,
                defaults={"response": entry.get("response"), "seq": seq, "saved": now},
            )
            if created:
                acks.append(Ack(position, seq, True))
            elif seq > answer.seq:
                answer.response, answer.seq, answer.saved = entry.get("response"), seq, now
                answer.save(update_fields=["response", "seq", "saved"])
                acks.append(Ack(position, seq, True))
            else:
                acks.append(Ack(position, answer.seq, False))
    return acks


def _policy(test: Test) -> ScoringPolicy:
    return ScoringPolicy(PartialCredit(test.multiple_response_credit), test.per_part_credit)


def _grade(attempt: Attempt, contents: dict[int, ItemContent], policy: ScoringPolicy) -> list[Any]:
    """Score every answer of the attempt; returns [(position, before, after)] of changes."""
    answers = {a.position: a for a in attempt.answers.all()}
    changes, changed = _score(attempt, answers, contents, policy)
    for answer in changed:
        answer.save(update_fields=["score"])
    attempt.save(update_fields=["score", "needs_manual"])
    return changes


def _score(
    attempt: Attempt,
    answers: dict[int, Answer],
    contents: dict[int, ItemContent],
    policy: ScoringPolicy,
) -> tuple[list[Any], list[Answer]]:
    """Sets the scores on the objects without saving: (changes, answers whose score changed)."""
    changes: list[Any] = []
    changed: list[Answer] = []
    total = Decimal(0)
    manual = False
    for row in attempt.layout:
        content = contents[row["item_version"]]
        answer = answers.get(row["position"])
        if needs_manual_grading(content):
            if answer is None:
                continue
            if answer.manual_score is None:
                manual = True
            else:
                total += answer.manual_score
            continue
        try:
            earned = to_decimal(
                score_fraction(
                    content, answer.response if answer else None, Decimal(row["points"]), policy
                )
            )
        except ManualGradingRequired:  # pragma: no cover - guarded above
            continue
        if answer is None:
            total += earned
            continue
        # A teacher's review of a short-text answer overrides the automatic match.
        review = answer.manual_score
        reviewed = content.type is ItemType.SHORT_TEXT and review is not None
        total += Decimal(review) if reviewed and review is not None else earned
        if answer.score is None or Decimal(answer.score) != earned:
            changes.append((row["position"], answer.score, earned))
            answer.score = earned
            changed.append(answer)
    attempt.score = total
    attempt.needs_manual = manual
    return changes, changed


def _contents(layouts: list[list[dict[str, Any]]]) -> dict[int, ItemContent]:
    ids = {row["item_version"] for layout in layouts for row in layout}
    return {
        pk: ItemContent.from_json(c)
        for pk, c in ItemVersion.objects.filter(pk__in=ids).values_list("pk", "content")
    }


# The grade books live in lms, which reads results through assessment.api; assessment must not
# import lms (import-linter), so it names the task instead of importing it.
RESULTS_RELEASED_TASK = "lms.tasks.feed_released_results"


def _announce_results(attempt: Attempt, now: Any = None) -> bool:
    """After commit, queue the feed of the assignment's released results when this attempt's
    result is released now ("show immediately", or graded after an "after close" test closed).
    Results released by the clock at close are fed by lms's beat task. A failing feed must not
    fail the student's submission, hence `robust`."""
    from celery import current_app

    from .views_data import result_visible

    if attempt.needs_manual or not result_visible(attempt, now):
        return False
    assignment_id = attempt.assignment_id
    transaction.on_commit(
        lambda: current_app.signature(RESULTS_RELEASED_TASK, args=[assignment_id]).delay(),
        robust=True,
    )
    return True


def submit_attempt(student: Any, attempt: Attempt, *, now: Any = None) -> Attempt:
    now = now or timezone.now()
    if attempt.student_id != student.pk:
        raise PermissionDenied
    with transaction.atomic():
        attempt = Attempt.objects.select_for_update().get(pk=attempt.pk)
        if attempt.state == Attempt.State.SUBMITTED:
            return attempt
        attempt.state = Attempt.State.SUBMITTED
        attempt.submitted = min(now, attempt.deadline)
        attempt.save(update_fields=["state", "submitted"])
        _grade(attempt, _contents([attempt.layout]), _policy(attempt.assignment.test))
        audit.record(
            "assessment.attempt.submit", attempt, actor=student, after={"score": attempt.score}
        )
        _announce_results(attempt, now)
    return attempt


def grade_manually(
    grader: Any,
    answer: Answer,
    *,
    points: Decimal,
    comment: str = "",
    rubric_scores: dict[str, Any] | None = None,
) -> Answer:
    """A teacher's score for an essay or short-text answer, within the item's points."""
    row = next(r for r in answer.attempt.layout if r["position"] == answer.position)
    if _contents([[row]])[row["item_version"]].type not in MANUAL_TYPES:
        # Choice and numeric answers are scored by the key; a fix goes through correct_item,
        # which regrades every attempt alike and logs it.
        raise ValidationError(
            _("Câu %(n)s được chấm tự động theo đáp án, không chấm tay.") % {"n": answer.position}
        )
    if not Decimal(0) <= points <= Decimal(row["points"]):
        raise ValidationError(
            _("Câu %(n)s: điểm phải từ 0 đến %(max)s.")
            % {"n": answer.position, "max": row["points"]}
        )
    with transaction.atomic():
        before = {"manual_score": answer.manual_score, "comment": answer.comment}
        answer.manual_score = points
        answer.comment = comment
        answer.rubric_scores = rubric_scores or {}
        answer.graded_by = grader
        answer.save(update_fields=["manual_score", "comment", "rubric_scores", "graded_by"])
        attempt = answer.attempt
        _grade(attempt, _contents([attempt.layout]), _policy(attempt.assignment.test))
        audit.record(
            "assessment.answer.grade",
            answer,
            actor=grader,
            before=before,
            after={"manual_score": points, "comment": comment},
        )
        _announce_results(attempt)
    return answer


def grade_with_rubric(
    grader: Any, answer: Answer, *, levels: list[int], comment: str = ""
) -> Answer:
    """Grade an answer by picking one level per criterion of its test item's rubric; the score
    is exactly the sum of the picked levels' points."""
    row = next(r for r in answer.attempt.layout if r["position"] == answer.position)
    test_item = TestItem.objects.filter(pk=row["test_item"]).first()
    if test_item is None or not test_item.rubric:
        raise ValidationError(
            _("Câu %(n)s chưa có thang điểm theo tiêu chí.") % {"n": answer.position}
        )
    criteria = rubrics.parse(test_item.rubric)
    rubrics.check_total(criteria, Decimal(row["points"]))
    total, record = rubrics.score(criteria, levels)
    with transaction.atomic():
        answer.rubric_levels = record
        answer.save(update_fields=["rubric_levels"])
        return grade_manually(
            grader,
            answer,
            points=total,
            comment=comment,
            rubric_scores={r["criterion"]: r["points"] for r in record},
        )


def save_rubric_template(
    actor: Any,
    *,
    name: str,
    criteria: Any,
    shared: bool = False,
    school: Any = None,
) -> RubricTemplate:
    """Keep a rubric to reuse; `shared` offers it to the teachers of `school`."""
    name = " ".join(name.split())
    if not name:
        raise ValidationError(_("Hãy đặt tên cho mẫu thang điểm."))
    parsed = rubrics.parse(criteria)
    with transaction.atomic():
        template = RubricTemplate.objects.create(
            owner=actor,
            school=school,
            name=name[:255],
            criteria=rubrics.to_json(parsed),
            shared=shared and school is not None,
        )
        audit.record(
            "assessment.rubric_template.create",
            template,
            actor=actor,
            after=audit.snapshot(template),
        )
    return template


def set_item_rubric(
    actor: Any,
    test_item: TestItem,
    *,
    criteria: Any = None,
    template: RubricTemplate | None = None,
) -> TestItem:
    """Give a test item a structured rubric, written here (its maximum must equal the item's
    points) or taken from a template (scaled to the item's points). `criteria=[]` with no
    template removes the rubric."""
    if template is not None:
        parsed = rubrics.scaled(rubrics.parse(template.criteria), test_item.points_decimal)
    elif criteria:
        parsed = rubrics.parse(criteria)
        rubrics.check_total(parsed, test_item.points_decimal)
    else:
        parsed = []
    with transaction.atomic():
        before = {"rubric": test_item.rubric}
        test_item.rubric = rubrics.to_json(parsed)
        test_item.save(update_fields=["rubric"])
        audit.record(
            "assessment.test.item_rubric",
            test_item,
            actor=actor,
            before=before,
            after={"rubric": test_item.rubric, "template": template.pk if template else None},
        )
    return test_item


def correct_item(actor: Any, test_item: TestItem, new_version: ItemVersion) -> list[dict[str, Any]]:
    """Point a test item at a corrected version of its question and regrade every submitted
    attempt that contains it. Each changed score is logged with its before and after values.

    The pages and the API offer only versions of the same question, but the service is the
    contract other callers use, so it refuses a version of another question itself."""
    old = test_item.item_version_id
    current_item = ItemVersion.objects.filter(pk=old).values_list("item_id", flat=True).first()
    if new_version.item_id != current_item:
        raise ValidationError(
            _(
                "Phiên bản #%(version)s thuộc câu hỏi #%(other)s, không phải câu hỏi "
                "#%(item)s của bài kiểm tra; không thể dùng để sửa đáp án."
            )
            % {"version": new_version.pk, "other": new_version.item_id, "item": current_item}
        )
    with transaction.atomic():
        test_item.item_version = new_version
        test_item.save(update_fields=["item_version"])
        touched: list[Attempt] = []
        for attempt in (
            Attempt.objects.select_for_update(of=("self",))
            .filter(assignment__test_id=test_item.part.test_id)
            .select_related("assignment__test")
        ):
            rows = [row for row in attempt.layout if row["test_item"] == test_item.pk]
            for row in rows:
                row["item_version"] = new_version.pk
            if rows:
                touched.append(attempt)
        Attempt.objects.bulk_update(touched, ["layout"], batch_size=1000)
        # A whole exam's papers at once: one query for the answers, bulk writes for the scores.
        submitted = [a for a in touched if a.state == Attempt.State.SUBMITTED]
        contents = _contents([a.layout for a in submitted])
        answers: dict[int, dict[int, Answer]] = {a.pk: {} for a in submitted}
        for answer in Answer.objects.filter(attempt_id__in=answers):
            answers[answer.attempt_id][answer.position] = answer
        log: list[dict[str, Any]] = []
        regrades: list[Regrade] = []
        rescored: list[Answer] = []
        announced: set[int] = set()
        for attempt in submitted:
            before_total = attempt.score
            changes, changed = _score(
                attempt, answers[attempt.pk], contents, _policy(attempt.assignment.test)
            )
            rescored += changed
            # One feed per assignment: the feed task reads all of its released results.
            fresh = changes and attempt.assignment_id not in announced
            if fresh and _announce_results(attempt):
                announced.add(attempt.assignment_id)
            for position, before, after in changes:
                regrades.append(
                    Regrade(
                        test_item=test_item,
                        attempt=attempt,
                        position=position,
                        before=before,
                        after=after,
                        total_before=before_total,
                        total_after=attempt.score,
                        old_version=old,
                        new_version=new_version.pk,
                        actor=actor if getattr(actor, "pk", None) else None,
                    )
                )
                log.append(
                    {"attempt": attempt.pk, "position": position, "before": before, "after": after}
                )
                audit.record(
                    "assessment.attempt.regrade",
                    attempt,
                    actor=actor,
                    before={"position": position, "score": before, "total": before_total},
                    after={"position": position, "score": after, "total": attempt.score},
                )
        Answer.objects.bulk_update(rescored, ["score"], batch_size=1000)
        Attempt.objects.bulk_update(submitted, ["score", "needs_manual"], batch_size=1000)
        Regrade.objects.bulk_create(regrades, batch_size=1000)
        audit.record(
            "assessment.test.correct_item",
            test_item,
            actor=actor,
            before={"item_version": old},
            after={"item_version": new_version.pk},
        )
    return log


def publish_item_statistics(actor: Any, assignment: Assignment) -> dict[int, dict[str, Any]]:
    """Write the item analysis of an assignment back to the bank, per item version."""
    from .analysis import item_analysis

    stats = item_analysis(assignment)
    with transaction.atomic():
        for version, values in stats.items():
            record_item_statistics(version, values)
        audit.record(
            "assessment.assignment.item_statistics",
            assignment,
            actor=actor,
            after={"item_versions": sorted(stats)},
        )
    return stats


# --- Editing from the teacher's pages --------------------------------------------------------

TEST_FIELDS = ("title", "exam_name", "grade", "duration_minutes", "rounding")


def update_test(actor: Any, test: Test, **fields: Any) -> Test:
    """Change the header fields of a test (title, exam name, grade, time allowed, rounding)."""
    unknown = set(fields) - set(TEST_FIELDS)
    if unknown:
        raise ValidationError(_("Không sửa được trường: %(f)s") % {"f": ", ".join(sorted(unknown))})
    with transaction.atomic():
        before = audit.snapshot(test, list(fields))
        for name, value in fields.items():
            setattr(test, name, value)
        test.full_clean()
        test.save(update_fields=list(fields))
        audit.record(
            "assessment.test.update",
            test,
            actor=actor,
            before=before,
            after=audit.snapshot(test, list(fields)),
        )
    return test


def update_part(actor: Any, part: TestPart, *, title: str, instructions: str = "") -> TestPart:
    if not title.strip():
        raise ValidationError(_("Tên phần không được để trống."))
    with transaction.atomic():
        before = audit.snapshot(part, ["title", "instructions"])
        part.title, part.instructions = title.strip(), instructions
        part.save(update_fields=["title", "instructions"])
        audit.record(
            "assessment.test.update_part",
            part,
            actor=actor,
            before=before,
            after=audit.snapshot(part, ["title", "instructions"]),
        )
    return part


def add_part(actor: Any, test: Test, *, title: str) -> TestPart:
    if not title.strip():
        raise ValidationError(_("Tên phần không được để trống."))
    with transaction.atomic():
        last = test.parts.order_by("-order").values_list("order", flat=True).first() or 0
        part = TestPart.objects.create(test=test, order=last + 1, title=title.strip())
        audit.record("assessment.test.add_part", part, actor=actor, after=audit.snapshot(part))
    return part


def remove_item(actor: Any, test_item: TestItem) -> None:
    with transaction.atomic():
        before = audit.snapshot(test_item)
        test_item.delete()
        audit.record("assessment.test.remove_item", None, actor=actor, before=before)


def set_item_points(actor: Any, test_item: TestItem, points: Decimal) -> TestItem:
    if points <= 0:
        raise ValidationError(_("Câu %(n)s: điểm phải lớn hơn 0.") % {"n": test_item.order})
    with transaction.atomic():
        before = {"points": test_item.points}
        test_item.points = points
        if test_item.rubric:
            # the rubric follows the item's points, scaled as rubrics.py documents
            test_item.rubric = rubrics.to_json(
                rubrics.scaled(rubrics.parse(test_item.rubric), points)
            )
        test_item.save(update_fields=["points", "rubric"])
        audit.record(
            "assessment.test.item_points",
            test_item,
            actor=actor,
            before=before,
            after={"points": points},
        )
    return test_item


@dataclass(frozen=True)
class CellSpec:
    """One cell of the grid editor: the part is the one holding this item type."""

    part: int
    item_type: str
    count: int
    points_each: Decimal
    topic: int | None = None
    level: str = ""


def save_blueprint(actor: Any, test: Test, cells: list[CellSpec]) -> list[BlueprintCell]:
    """Replace the test's blueprint with these cells (count 0 cells are dropped).

    Every cell is checked first; on any error nothing changes and every bad cell is named.
    """
    parts = {p.pk: p for p in test.parts.all()}
    topics = set(
        Topic.objects.filter(pk__in={c.topic for c in cells if c.topic}).values_list(
            "pk", flat=True
        )
    )
    errors: list[str] = []
    kept: list[BlueprintCell] = []
    for n, spec in enumerate(cells, start=1):
        if spec.count == 0:
            continue
        where = _("Ô %(n)s (%(type)s, mức %(level)s)") % {
            "n": n,
            "type": spec.item_type,
            "level": LEVEL_LABELS.get(spec.level, spec.level or "-"),
        }
        if spec.part not in parts:
            errors.append(_("%(where)s: phần không thuộc đề.") % {"where": where})
            continue
        if spec.topic is not None and spec.topic not in topics:
            errors.append(_("%(where)s: không có chủ đề này.") % {"where": where})
            continue
        if spec.item_type not in {t.value for t in ItemType}:
            errors.append(_("%(where)s: dạng câu hỏi không hợp lệ.") % {"where": where})
            continue
        if spec.count < 0 or spec.count > 200:
            errors.append(_("%(where)s: số câu phải từ 0 đến 200.") % {"where": where})
            continue
        if spec.points_each <= 0:
            errors.append(_("%(where)s: điểm mỗi câu phải lớn hơn 0.") % {"where": where})
            continue
        if spec.level and spec.level not in LEVEL_LABELS:
            errors.append(_("%(where)s: mức độ không hợp lệ.") % {"where": where})
            continue
        kept.append(
            BlueprintCell(
                part_id=spec.part,
                topic_id=spec.topic,
                level=spec.level,
                item_type=spec.item_type,
                count=spec.count,
                points_each=spec.points_each,
            )
        )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        old = list(
            BlueprintCell.objects.filter(part__test=test).values(
                "part", "topic", "level", "item_type", "count", "points_each"
            )
        )
        BlueprintCell.objects.filter(part__test=test).delete()
        BlueprintCell.objects.bulk_create(kept)
        audit.record(
            "assessment.blueprint.save",
            test,
            actor=actor,
            before={"cells": old},
            after={
                "cells": [
                    {
                        "part": c.part_id,
                        "topic": c.topic_id,
                        "level": c.level,
                        "item_type": c.item_type,
                        "count": c.count,
                        "points_each": c.points_each,
                    }
                    for c in kept
                ]
            },
        )
    return list(BlueprintCell.objects.filter(part__test=test))


def create_group(actor: Any, school_class: Any, *, name: str, students: list[Any]) -> StudentGroup:
    """A named subset of a class; every member must be enrolled in the class."""
    name = " ".join(name.split())
    if not name:
        raise ValidationError(_("Tên nhóm không được để trống."))
    enrolled = set(school_class.enrolments.values_list("student_id", flat=True))
    outside = [s for s in students if s.pk not in enrolled]
    if outside:
        raise ValidationError(
            _("Học sinh không thuộc lớp %(c)s: %(names)s")
            % {"c": school_class.name, "names": ", ".join(s.full_name for s in outside)}
        )
    if not students:
        raise ValidationError(_("Nhóm cần ít nhất một học sinh."))
    if StudentGroup.objects.filter(school_class=school_class, name=name).exists():
        raise ValidationError(_("Lớp đã có nhóm tên “%(n)s”.") % {"n": name})
    with transaction.atomic():
        group = StudentGroup.objects.create(
            school_class=school_class,
            name=name,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        group.students.set(students)
        audit.record(
            "assessment.group.create",
            group,
            actor=actor,
            after={"name": name, "class": school_class.pk, "students": [s.pk for s in students]},
        )
    return group
