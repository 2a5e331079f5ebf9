"""Background jobs: server-side submission at the deadline, scoring after submission."""

from __future__ import annotations

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
