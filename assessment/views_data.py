"""What a student receives about an attempt. Keys, solutions and rubrics are left out until the
result policy allows: the question payload is built from an allow-list of fields."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.utils import timezone

from question_bank.api import ItemContent, ItemType, ItemVersion

from .models import Attempt, ResultPolicy
from .scoring import round_total, to_decimal
from .shuffle import LETTERS


def _choice_list(content: ItemContent, order: list[str]) -> list[dict[str, str]]:
    by_id = {c.id: c for c in content.choices}
    if content.type is ItemType.TRUE_FALSE_CLUSTER:
        return [{"id": c.id, "label": c.id, "html": c.html} for c in content.choices]
    return [
        {"id": cid, "label": LETTERS[i], "html": by_id[cid].html} for i, cid in enumerate(order)
    ]


def question_payload(content: ItemContent, row: dict[str, Any]) -> dict[str, Any]:
    """One question as the player shows it: no key, no solution, no rubric."""
    return {
        "position": row["position"],
        "part": row["part"],
        "type": content.type.value,
        "points": row["points"],
        "stem_html": content.stem_html,
        "choices": _choice_list(content, row["choice_order"]),
        "targets": [{"id": t.id, "html": t.html} for t in content.targets],
        "gaps": [
            {
                "id": g.id,
                "kind": g.kind,
                "choices": [{"id": c.id, "html": c.html} for c in g.choices],
            }
            for g in content.gaps
        ],
    }


def attempt_payload(attempt: Attempt, now: Any = None) -> dict[str, Any]:
    now = now or timezone.now()
    ids = [row["item_version"] for row in attempt.layout]
    contents = {
        pk: ItemContent.from_json(c)
        for pk, c in ItemVersion.objects.filter(pk__in=ids).values_list("pk", "content")
    }
    answers = {a.position: a for a in attempt.answers.all()}
    return {
        "id": attempt.pk,
        "title": attempt.assignment.test.title,
        "state": attempt.state,
        "deadline": attempt.deadline.isoformat(),
        "server_now": now.isoformat(),
        "seconds_left": max(0, int((attempt.deadline - now).total_seconds())),
        "questions": [question_payload(contents[r["item_version"]], r) for r in attempt.layout],
        "answers": [
            {"position": p, "response": a.response, "seq": a.seq}
            for p, a in sorted(answers.items())
        ],
    }


def result_visible(attempt: Attempt, now: Any = None) -> bool:
    now = now or timezone.now()
    policy = attempt.assignment.result_policy
    if attempt.state != Attempt.State.SUBMITTED or policy == ResultPolicy.NEVER:
        return False
    if policy == ResultPolicy.AFTER_CLOSE:
        return now >= attempt.assignment.closes
    return True


def _answer_score(answer: Any) -> Decimal:
    if answer is None:
        return Decimal(0)
    value = answer.manual_score if answer.manual_score is not None else answer.score
    return to_decimal(Fraction(Decimal(value or 0)))


def result_payload(attempt: Attempt, now: Any = None) -> dict[str, Any]:
    """The result as the policy allows; correct answers and solutions only if also allowed."""
    if not result_visible(attempt, now):
        return {"id": attempt.pk, "state": attempt.state, "visible": False}
    test = attempt.assignment.test
    total_points = sum((Decimal(r["points"]) for r in attempt.layout), Decimal(0))
    raw = Decimal(attempt.score or 0)
    data: dict[str, Any] = {
        "id": attempt.pk,
        "state": attempt.state,
        "visible": True,
        "score": str(round_total(raw, test.rounding)),
        "max_points": str(total_points.normalize()),
        "pending_manual": attempt.needs_manual,
        "answers": [],
    }
    answers = {a.position: a for a in attempt.answers.all()}
    contents = {
        pk: ItemContent.from_json(c)
        for pk, c in ItemVersion.objects.filter(
            pk__in=[r["item_version"] for r in attempt.layout]
        ).values_list("pk", "content")
    }
    for row in attempt.layout:
        answer = answers.get(row["position"])
        entry: dict[str, Any] = {
            "position": row["position"],
            "response": answer.response if answer else None,
            "score": str(_answer_score(answer)),
            "comment": answer.comment if answer else "",
        }
        if attempt.assignment.show_correct_answers:
            content = contents[row["item_version"]]
            entry["key"] = content.key
            entry["solution_html"] = content.solution_html
        data["answers"].append(entry)
    return data


def grading_queue(assignment: Any) -> list[dict[str, Any]]:
    """Answers waiting for a teacher: essays without a manual score, oldest first.

    With blind grading the queue shows an anonymous label instead of the student's name.
    """
    from .models import Answer

    answers = (
        Answer.objects.filter(
            attempt__assignment=assignment,
            attempt__state=Attempt.State.SUBMITTED,
            manual_score__isnull=True,
        )
        .select_related("attempt__student")
        .order_by("attempt__submitted", "position")
    )
    queue = []
    for answer in answers:
        row = next(r for r in answer.attempt.layout if r["position"] == answer.position)
        content = ItemContent.from_json(
            ItemVersion.objects.values_list("content", flat=True).get(pk=row["item_version"])
        )
        if content.type is not ItemType.ESSAY:
            continue
        student = (
            f"Bài #{answer.attempt_id}"
            if assignment.blind_grading
            else answer.attempt.student.full_name
        )
        queue.append(
            {
                "answer": answer.pk,
                "student": student,
                "position": answer.position,
                "points": row["points"],
                "stem_html": content.stem_html,
                "rubric_html": content.rubric_html,
                "response": answer.response,
            }
        )
    return queue
