"""Background jobs: server-side submission at the deadline, scoring after submission."""

from __future__ import annotations

from typing import Any

from celery import shared_task


@shared_task(ignore_result=True)
def submit_expired() -> int:
    """Celery beat, every few seconds: submits attempts whose time ran out (idempotent)."""
    from .services import submit_expired as run

    return run()


@shared_task(ignore_result=True, acks_late=True)
def grade_attempt(attempt_id: int) -> None:
    from .services import grade_attempt as run

    run(attempt_id)


@shared_task(bind=True, ignore_result=True, acks_late=True, max_retries=5)
def grade_attempts(self: Any, attempt_ids: list[int]) -> None:
    """grade_attempt for submissions that came together (the fast path sends a burst's in few
    messages: one send to the broker each cost as much as the submission itself). A lost
    database connection is retried, with backoff, for the attempts it stopped."""
    from django.db import InterfaceError, OperationalError

    from .services import grade_attempt as run

    failed = []
    for attempt_id in attempt_ids:
        try:
            run(attempt_id)
        except (OperationalError, InterfaceError):
            failed.append(attempt_id)
    if failed:
        raise self.retry(args=[failed], countdown=2**self.request.retries)
