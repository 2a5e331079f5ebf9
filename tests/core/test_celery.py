"""Celery runs tasks eagerly in the embedded default and through a real worker on Redis."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
import warnings

import pytest
from celery.exceptions import AlwaysEagerIgnored
from django.conf import settings
from django.core.cache import cache

from config.celery import app
from core.tasks import record_heartbeat


@pytest.mark.skipif(bool(settings.REDIS_URL), reason="the embedded default has no REDIS_URL")
def test_embedded_default_runs_tasks_eagerly():
    assert app.conf.task_always_eager
    token = uuid.uuid4().hex
    record_heartbeat.delay(token)
    assert cache.get(f"celery-heartbeat:{token}") is not None


@pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL (the PostgreSQL+Redis CI run)")
def test_a_real_worker_consumes_a_task_from_the_redis_broker():
    queue = f"test-{uuid.uuid4().hex[:8]}"
    token = uuid.uuid4().hex
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "-Q",
            queue,
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=WARNING",
        ],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        # send_task always goes through the broker, whatever task_always_eager says.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AlwaysEagerIgnored)
            app.send_task("core.tasks.record_heartbeat", args=[token], queue=queue)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and cache.get(f"celery-heartbeat:{token}") is None:
            assert worker.poll() is None, worker.stdout.read().decode() if worker.stdout else ""
            time.sleep(0.2)
        assert cache.get(f"celery-heartbeat:{token}") is not None
    finally:
        worker.terminate()
        worker.wait(timeout=20)


def test_every_beat_entry_names_a_registered_task():
    app.loader.import_default_modules()
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert "lms-activity-notices" in schedule
    for name, entry in schedule.items():
        assert entry["task"] in app.tasks, name
