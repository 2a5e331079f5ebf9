"""Background jobs of the question bank."""

from __future__ import annotations

from celery import shared_task


@shared_task(ignore_result=True)
def run_import(job_id: int) -> None:
    """Store the items of a committed import job; idempotent (a finished job is skipped)."""
    from .services import run_import_job

    run_import_job(job_id)
