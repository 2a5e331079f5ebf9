"""Celery tasks of the LMS: they take ids, re-fetch and are idempotent."""

from __future__ import annotations

import httpx
from celery import shared_task
from django.conf import settings
from django.db import OperationalError
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
