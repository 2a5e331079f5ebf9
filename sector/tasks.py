"""Celery tasks: they take ids, re-fetch, and are safe to run twice (the remote upserts)."""

from __future__ import annotations

from celery import shared_task

from . import outbox, services


@shared_task(ignore_result=True)
def deliver_message(message_id: int) -> None:
    """First attempt right after the lock commits; retries are the beat sweep's job."""
    outbox.deliver(ids=[message_id])


@shared_task(ignore_result=True)
def deliver_messages(message_ids: list[int]) -> None:
    """First attempt for a class's learning-result levels (one message per student)."""
    outbox.deliver(ids=message_ids)


@shared_task(ignore_result=True)
def deliver_due() -> None:
    services.deliver_results()


@shared_task(ignore_result=True)
def sync_roster() -> None:
    services.sync_roster()


@shared_task(ignore_result=True)
def reconcile() -> None:
    services.reconcile()
