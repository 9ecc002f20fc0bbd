"""The wallboard's periodic work: compute every queue's figures once, keep a
snapshot a minute for the chart, and push the figures to every open wallboard."""
from datetime import datetime, timedelta

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.utils import timezone

from queueing.models import QueueSnapshot
from queueing.wallboard import WALLBOARD_EVENT, WALLBOARD_GROUP, queues_live, wallboard_figures


def wallboard_publish(*, now: datetime | None = None) -> dict:
    """Returns what was sent. Not stored and not sequenced: every update carries
    all the figures, so a dropped one is replaced by the next, 5 s later."""
    now = now or timezone.now()
    live = queues_live(now=now)
    queue_snapshots_record(live=live, now=now)
    figures = wallboard_figures(live=live, now=now)
    async_to_sync(get_channel_layer().group_send)(
        WALLBOARD_GROUP, {"type": "personal.notify", "event": WALLBOARD_EVENT, "data": figures}
    )
    return figures


def queue_snapshots_record(*, live, now: datetime) -> bool:
    """The minute's snapshot of every queue, once (later runs in the same minute
    write nothing), and the snapshots past their keep time deleted. True when written."""
    minute = now.replace(second=0, microsecond=0)
    if QueueSnapshot.objects.filter(taken_at=minute).exists():
        return False
    # ignore_conflicts: two runs racing on the same minute (a redelivered task)
    # leave one row per queue.
    QueueSnapshot.objects.bulk_create([
        QueueSnapshot(queue_id=queue.queue_id, taken_at=minute, waiting=queue.waiting,
                      longest_wait_seconds=queue.longest_wait_seconds, service_level=queue.service_level)
        for queue in live
    ], ignore_conflicts=True)
    QueueSnapshot.objects.filter(taken_at__lt=now - timedelta(seconds=settings.WALLBOARD_SNAPSHOT_KEEP_SECONDS)).delete()
    return True
