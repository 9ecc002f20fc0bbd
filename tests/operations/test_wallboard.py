"""The wallboard's figures and minute snapshots, on the database alone."""
from datetime import timedelta

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from chat.models import Conversation, Guest
from queueing.models import Agent, Queue, QueueSnapshot, Reservation
from queueing.services.wallboard import queue_snapshots_record
from queueing.wallboard import queues_live, wallboard_state

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue():
    return Queue.objects.create(name="support", display_name="Support", target_answer_seconds=60)


def reservation(queue, *, waited: timedelta | None, ended_ago=timedelta(minutes=5), status="matched"):
    guest = Guest.objects.create()
    conversation = Conversation.objects.create(guest=guest, queue=queue)
    now = timezone.now()
    made = Reservation.objects.create(queue=queue, guest=guest, conversation=conversation, status=status,
                                      last_seen_at=now)
    ended = now - ended_ago
    changes = {"matched_at": ended} if waited is not None else {"expired_at": ended}
    Reservation.objects.filter(pk=made.pk).update(created_at=ended - (waited or timedelta(minutes=10)), **changes)


def test_service_level_is_the_share_of_the_last_hours_waits_answered_within_target(queue):
    reservation(queue, waited=timedelta(seconds=30))
    reservation(queue, waited=timedelta(seconds=50))
    reservation(queue, waited=timedelta(seconds=90))
    reservation(queue, waited=None, status="expired")
    reservation(queue, waited=timedelta(seconds=5), ended_ago=timedelta(hours=2))  # outside the hour

    [live] = queues_live()
    assert live.service_level == 2 / 4
    assert sorted(live.answered_wait_seconds) == pytest.approx([30, 50, 90])


def test_agents_are_counted_per_queue_as_available_busy_or_away(queue, django_user_model):
    for name, status, capacity in [("a", "available", 3), ("b", "available", 0), ("c", "away", 3), ("d", "offline", 3)]:
        user = django_user_model.objects.create_user(name, is_staff=True)
        Agent.objects.create(user=user, status=status, capacity=capacity).queues.add(queue)

    [live] = queues_live()
    assert (live.agents_available, live.agents_busy, live.agents_away) == (1, 1, 1)


def test_one_snapshot_per_queue_and_minute_and_none_older_than_the_keep_time(queue):
    now = timezone.now().replace(second=10)
    old = QueueSnapshot.objects.create(queue=queue, taken_at=now - timedelta(days=3), waiting=4)
    assert queue_snapshots_record(live=queues_live(now=now), now=now)
    assert not queue_snapshots_record(live=queues_live(now=now), now=now + timedelta(seconds=1))
    assert list(QueueSnapshot.objects.values_list("waiting", flat=True)) == [0]
    assert not QueueSnapshot.objects.filter(pk=old.pk).exists()
    assert [point["waiting"] for point in wallboard_state(now=now)["history"]["support"]] == [0]


def test_the_wallboard_task_runs_every_five_seconds():
    assert PeriodicTask.objects.get(task="queueing.tasks.publish_wallboard").interval.every == 5
