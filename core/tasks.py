"""Background jobs of core."""

from __future__ import annotations

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone


@shared_task(ignore_result=True)
def record_heartbeat(token: str) -> None:
    """Leave a mark in the cache: proves a worker consumed a task from the broker.

    Used by operators (and the test suite) to check the broker → worker → cache path end to end.
    """
    cache.set(f"celery-heartbeat:{token}", timezone.now().isoformat(), 300)


@shared_task(ignore_result=True)
def purge_expired_personal_data() -> None:
    """Nightly (CELERY_BEAT_SCHEDULE): retention limits of docs/privacy.md. Idempotent."""
    from .privacy import purge_expired_personal_data as purge

    purge()
