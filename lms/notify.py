"""In-app (websocket) and e-mail notices of the LMS, sent only after the transaction commits."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils.translation import gettext as _

from core.api import User, notify_user

from .models import Activity


def _email(user_ids: list[int], subject: str, body: str) -> None:
    def send() -> None:
        for email in (
            User.objects.filter(pk__in=user_ids).exclude(email="").values_list("email", flat=True)
        ):
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email], fail_silently=True)

    transaction.on_commit(send)


def _tell(user_ids: list[int], message: str, url: str) -> None:
    for uid in user_ids:
        notify_user(uid, message, url=url)
    _email(user_ids, message, f"{message}\n{url}")


def activity_url(activity: Activity) -> str:
    return f"/lms/activities/{activity.pk}/"


def results_released(student_id: int, activity: Activity) -> None:
    _tell(
        [student_id],
        _("Đã có kết quả: %(title)s") % {"title": activity.title},
        activity_url(activity),
    )


def assignment_due(activity: Activity, learner_ids: list[int]) -> None:
    _tell(
        learner_ids,
        _("Sắp đến hạn nộp bài: %(title)s") % {"title": activity.title},
        activity_url(activity),
    )


def test_opened(activity: Activity, learner_ids: list[int]) -> None:
    _tell(
        learner_ids,
        _("Bài kiểm tra đã mở: %(title)s") % {"title": activity.title},
        activity_url(activity),
    )


def content_approved(author_id: int, title: str, url: str) -> None:
    _tell([author_id], _("Học liệu đã được duyệt: %(title)s") % {"title": title}, url)


def learners_of(activity: Activity) -> list[Any]:
    return list(activity.module.course.enrolments.values_list("user_id", flat=True))
