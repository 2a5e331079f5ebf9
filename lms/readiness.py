"""The flipped-lesson "who prepared" report: per student what they viewed before class and how
the readiness quiz went, plus the questions most students missed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Max

from core.api import name_sort_key

from .grading import round1
from .models import Activity, FlippedLesson, Progress, QuizAnswer, QuizQuestion


@dataclass
class Viewed:
    activity_id: int
    title: str
    at: dt.datetime | None
    seconds: int
    in_time: bool


@dataclass
class StudentReadiness:
    student_id: int
    full_name: str
    viewed: list[Viewed] = field(default_factory=list)
    quiz_score: Decimal | None = None
    quiz_at: dt.datetime | None = None
    prepared: bool = False

    @property
    def viewed_count(self) -> int:
        return sum(1 for v in self.viewed if v.at is not None)


@dataclass
class MissedQuestion:
    question_id: int
    position: int
    prompt: str
    answered: int
    missed: int
    most_common_wrong: str | None

    @property
    def missed_percent(self) -> int:
        return round(100 * self.missed / self.answered) if self.answered else 0


@dataclass
class ReadinessReport:
    lesson_id: int
    title: str
    class_starts_at: dt.datetime
    materials: list[Activity]
    quizzes: list[Activity]
    students: list[StudentReadiness]
    missed: list[MissedQuestion]

    @property
    def prepared_count(self) -> int:
        return sum(1 for s in self.students if s.prepared)


def readiness_report(lesson: FlippedLesson) -> ReadinessReport:
    """Prepared = every before-class material opened and every readiness quiz answered, all
    before the class period starts (what is done after the bell did not prepare anyone)."""
    before = list(lesson.activities.filter(phase=Activity.Phase.BEFORE).order_by("position", "pk"))
    materials = [a for a in before if a.kind != Activity.Kind.QUIZ]
    quizzes = [a for a in before if a.kind == Activity.Kind.QUIZ]
    starts = lesson.class_starts_at
    learners = [
        e.user
        for e in lesson.course.enrolments.select_related("user")
        if e.user_id != lesson.course.owner_id
    ]
    learners.sort(key=lambda u: name_sort_key(u.full_name))
    progress = {
        (p.user_id, p.activity_id): p
        for p in Progress.objects.filter(activity__in=before, user__in=learners)
    }
    answered_at = {
        (row["user_id"], row["question__activity_id"]): row["last"]
        for row in QuizAnswer.objects.filter(question__activity__in=quizzes, user__in=learners)
        .values("user_id", "question__activity_id")
        .annotate(last=Max("answered_at"))
    }
    students: list[StudentReadiness] = []
    for user in learners:
        row = StudentReadiness(user.pk, user.full_name)
        for a in materials:
            p = progress.get((user.pk, a.pk))
            at = p.first_viewed_at if p else None
            row.viewed.append(
                Viewed(a.pk, a.title, at, p.seconds if p else 0, bool(at and at <= starts))
            )
        quiz_ok = True
        scores: list[Decimal] = []
        for q in quizzes:
            p = progress.get((user.pk, q.pk))
            if p is None or p.score is None:
                quiz_ok = False
                continue
            scores.append(p.score)
            at = answered_at.get((user.pk, q.pk))
            row.quiz_at = at
            if at is None or at > starts:
                quiz_ok = False
        if scores:
            row.quiz_score = round1(sum(scores, Decimal(0)) / len(scores))
        row.prepared = quiz_ok and all(v.in_time for v in row.viewed)
        students.append(row)
    return ReadinessReport(
        lesson.pk, lesson.title, starts, materials, quizzes, students, _most_missed(quizzes)
    )


def _most_missed(quizzes: list[Activity]) -> list[MissedQuestion]:
    out: list[MissedQuestion] = []
    for question in QuizQuestion.objects.filter(activity__in=quizzes).prefetch_related("answers"):
        answers = list(question.answers.all())
        wrong = [a.choice for a in answers if not a.correct]
        common = max(set(wrong), key=wrong.count) if wrong else None
        out.append(
            MissedQuestion(
                question.pk,
                question.position,
                question.prompt,
                len(answers),
                len(wrong),
                question.options[common] if common is not None else None,
            )
        )
    out.sort(key=lambda m: (-m.missed_percent, -m.missed, m.position))
    return out
