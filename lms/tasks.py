"""Celery tasks of the LMS: they take ids, re-fetch and are idempotent."""

from __future__ import annotations

from decimal import Decimal

import httpx
from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from .models import CourseEnrolment, Statement


@shared_task(
    autoretry_for=(httpx.TransportError,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def forward_statement(statement_id: str) -> None:
    """Send one stored statement to the external LRS once (forwarded_at marks it sent)."""
    statement = Statement.objects.filter(pk=statement_id, forwarded_at__isnull=True).first()
    url = getattr(settings, "LMS_XAPI_FORWARD_URL", "")
    if statement is None or not url:
        return
    response = httpx.put(
        url.rstrip("/") + "/statements",
        params={"statementId": str(statement.pk)},
        json=statement.data,
        headers={"X-Experience-API-Version": "1.0.3"},
        auth=(
            getattr(settings, "LMS_XAPI_FORWARD_USER", ""),
            getattr(settings, "LMS_XAPI_FORWARD_PASSWORD", ""),
        ),
        timeout=10,
    )
    if response.status_code >= 500:
        raise httpx.TransportError(f"LRS answered {response.status_code}")
    response.raise_for_status()
    Statement.objects.filter(pk=statement.pk).update(forwarded_at=timezone.now())


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def issue_certificate_task(enrolment_id: int) -> None:
    from . import services

    enrolment = CourseEnrolment.objects.select_related("course", "user").get(pk=enrolment_id)
    services.issue_certificate(enrolment)


@shared_task
def send_activity_notices() -> int:
    """Run every few minutes (Celery beat): "due within a day" to learners who have not
    submitted, and "test opened" once a test's window starts. Each notice is sent once."""
    from . import services

    return services.send_activity_notices(timezone.now())


@shared_task(
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=6,
)
def feed_released_results(assignment_id: int) -> int:
    """Queued by name from assessment (which must not import lms) when results of an online
    test are released: the results go to progress and the grade book. Only database trouble
    is retried; a refusal (a book closed meanwhile) is not an error and is skipped."""
    from . import services

    return services.feed_released_results(assignment_id)


@shared_task
def feed_closed_tests() -> int:
    """Every few minutes (Celery beat): feed the results "after close" tests released by closing."""
    from . import services

    return services.feed_closed_tests(timezone.now())


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def record_package_result(attempt_id: int, activity_id: int) -> bool:
    """Sent by content (by name, after commit) when a learner's package attempt is completed;
    applies the completion rule of the LMS activity they launched it from. Re-reads both by id:
    only an activity that really uses the package, for an enrolled learner, is updated."""
    from django.core.exceptions import PermissionDenied, ValidationError

    from content import api as content_api

    from . import services
    from .grading import round1
    from .models import Activity

    attempt = (
        content_api.PackageAttempt.objects.select_related("learner").filter(pk=attempt_id).first()
    )
    activity = (
        Activity.objects.select_related("module__course")
        .filter(pk=activity_id, kind=Activity.Kind.CONTENT)
        .first()
    )
    if attempt is None or activity is None or not activity.ref_id.isdigit():
        return False
    uses_package = content_api.PackagePage.objects.filter(
        pk=int(activity.ref_id), package_id=attempt.package_id
    ).exists()
    if not uses_package or not content_api.attempt_finished(attempt):
        return False
    scaled = content_api.attempt_scaled_score(attempt)
    try:
        services.record_package_result(
            attempt.learner,
            activity,
            score=None if scaled is None else round1(Decimal(str(scaled)) * 10),
            passed=True if attempt.success == "passed" else None,
        )
    except (PermissionDenied, ValidationError):
        return False  # e.g. no longer enrolled: nothing to record
    return True
