"""The teacher's grading queue: essays and short-text answers of an assignment, in the order a
teacher works through them (by question or by student), names hidden when grading is blind."""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from question_bank.api import ItemContent, ItemType, ItemVersion

from .models import Answer, Assignment, Attempt, TestItem

MANUAL_TYPES = (ItemType.ESSAY, ItemType.SHORT_TEXT)


def anonymous_code(assignment_id: int, attempt_id: int) -> str:
    """A stable code for one attempt that reveals neither the student nor the attempt id."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"grading:{assignment_id}:{attempt_id}".encode(), "sha256"
    ).hexdigest()
    return "BL-" + digest[:6].upper()


@dataclass
class QueueRow:
    answer: int
    attempt: int
    student: str  # the name, or the anonymous code when blind
    position: int
    type: str
    points: str
    stem_html: str
    rubric_html: str
    response: Any
    auto_score: str | None
    manual_score: str | None
    comment: str
    rubric_scores: dict[str, Any]
    # the test item's structured rubric and the levels picked for this answer
    rubric: list[dict[str, Any]] = field(default_factory=list)
    rubric_levels: list[dict[str, Any]] = field(default_factory=list)

    @property
    def picked(self) -> dict[str, int | None]:
        return {r["criterion"]: r.get("level") for r in self.rubric_levels}

    @property
    def rubric_rows(self) -> list[dict[str, Any]]:
        """The criteria with the picked level marked, for the grading form."""
        picked = self.picked
        return [
            {
                "index": i,
                "name": c["name"],
                "levels": [
                    {**lv, "index": j, "checked": picked.get(c["name"]) == j}
                    for j, lv in enumerate(c["levels"])
                ],
            }
            for i, c in enumerate(self.rubric)
        ]

    @property
    def graded(self) -> bool:
        return self.manual_score is not None

    def as_dict(self) -> dict[str, Any]:
        return {
            "answer": self.answer,
            "student": self.student,
            "position": self.position,
            "type": self.type,
            "points": self.points,
            "stem_html": self.stem_html,
            "rubric_html": self.rubric_html,
            "response": self.response,
            "auto_score": self.auto_score,
            "manual_score": self.manual_score,
            "comment": self.comment,
            "rubric_scores": self.rubric_scores,
            "rubric": self.rubric,
            "rubric_levels": self.rubric_levels,
            "graded": self.graded,
        }


def queue(
    assignment: Assignment, *, order: str = "item", pending_only: bool = False
) -> list[QueueRow]:
    """Every essay and short-text answer of submitted attempts; essays not yet graded first
    within each group. `order` is "item" (question by question) or "student"."""
    answers = list(
        Answer.objects.filter(
            attempt__assignment=assignment, attempt__state=Attempt.State.SUBMITTED
        )
        .select_related("attempt__student")
        .order_by("attempt__submitted", "attempt_id", "position")
    )
    layouts = {a.attempt_id: {r["position"]: r for r in a.attempt.layout} for a in answers}
    version_ids = {layouts[a.attempt_id][a.position]["item_version"] for a in answers}
    contents = {
        pk: ItemContent.from_json(c)
        for pk, c in ItemVersion.objects.filter(pk__in=version_ids).values_list("pk", "content")
    }
    rubrics_by_item = dict(
        TestItem.objects.filter(part__test_id=assignment.test_id)
        .exclude(rubric=[])
        .values_list("pk", "rubric")
    )
    rows: list[QueueRow] = []
    for answer in answers:
        row = layouts[answer.attempt_id][answer.position]
        content = contents[row["item_version"]]
        if content.type not in MANUAL_TYPES:
            continue
        if pending_only and answer.manual_score is not None:
            continue
        rows.append(
            QueueRow(
                answer=answer.pk,
                attempt=answer.attempt_id,
                student=anonymous_code(assignment.pk, answer.attempt_id)
                if assignment.blind_grading
                else answer.attempt.student.full_name,
                position=answer.position,
                type=content.type.value,
                points=str(row["points"]),
                stem_html=content.stem_html,
                rubric_html=content.rubric_html,
                response=answer.response,
                auto_score=None if answer.score is None else str(answer.score.normalize()),
                manual_score=None
                if answer.manual_score is None
                else str(answer.manual_score.normalize()),
                comment=answer.comment,
                rubric_scores=answer.rubric_scores or {},
                rubric=rubrics_by_item.get(row["test_item"], []),
                rubric_levels=answer.rubric_levels or [],
            )
        )
    if order == "student":
        rows.sort(key=lambda r: (r.student, r.position))
    else:
        rows.sort(key=lambda r: (r.position, r.graded, r.student))
    return rows


def answer_in(assignment: Assignment, answer_id: int) -> Answer | None:
    """The answer, only if it belongs to a submitted attempt of this assignment."""
    return (
        Answer.objects.select_related("attempt__assignment__test")
        .filter(
            pk=answer_id,
            attempt__assignment=assignment,
            attempt__state=Attempt.State.SUBMITTED,
        )
        .first()
    )
