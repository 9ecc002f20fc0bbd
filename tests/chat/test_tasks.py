"""Celery tasks of the chat app, run by a real worker."""
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from chat.models import Connection
from chat.tasks import sweep_stale_connections

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_real_worker_closes_registry_rows_of_a_dead_process(celery_worker_process):
    long_ago = timezone.now() - timedelta(minutes=10)
    Connection.objects.create(id="d" * 32, server="dead:1", channel_name="x", last_seen_at=long_ago)
    Connection.objects.create(id="a" * 32, server="alive:2", channel_name="y", last_seen_at=timezone.now())

    sweep_stale_connections.delay()

    deadline = time.monotonic() + 20
    while Connection.objects.get(pk="d" * 32).closed_at is None:
        assert time.monotonic() < deadline, celery_worker_process.output()
        time.sleep(0.2)
    assert Connection.objects.get(pk="a" * 32).closed_at is None
    assert "chat.tasks.sweep_stale_connections" in celery_worker_process.output()
