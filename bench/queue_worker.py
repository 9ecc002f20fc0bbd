"""The Django side of the queue scenario (bench/queue_tick.py), started with the product's environment:

    python -m bench.queue_worker WAITING

Fills one queue with WAITING reservations (each with its guest and
conversation) and a history of finished chats so estimates exist, and prints
one JSON line: {"tokens": the guest tokens of the waiting}. Then it runs the
steps named on its standard input, one a line, with the real services and the
real channel layer, and answers each with one JSON line:

- `tick`: one estimate-recompute tick (`queues_refresh`, the beat task's body): {"ms", "published"};
- `head`: an agent becomes available, routing offers the head and everyone behind moves up: {"ms"};
- `ticks SECONDS`: recompute ticks one after another for that long, for a profiler: {"ticks"};
- `bare PREFIX COUNT`: bare's reference, one group_send to each of COUNT rooms `line<N>` of the
  tutorial consumer, sent the way chat.broadcast sends (one after another in one event loop): {"ms"}.

Times include the sends after commit: they are part of keeping customers told.
Each answer also says how many messages the channel layer dropped meanwhile
("dropped"): channels_redis drops a message for a full channel and only logs it.
"""
import json
import logging
import os
import sys
import time
from datetime import timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contactcenter.settings")
django.setup()

from asgiref.sync import async_to_sync  # noqa: E402
from channels_redis.core import RedisChannelLayer  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from chat.models import Conversation, Guest  # noqa: E402
from chat.services.guests import guest_token  # noqa: E402
from queueing.models import Agent, Queue, Reservation  # noqa: E402
from queueing.services.reservations import queues_refresh  # noqa: E402
from queueing.services.routing import agent_set_status  # noqa: E402

# Finished chats in the queue's history: waits and handle times for the estimator.
HISTORY = 50


class LayerDrops(logging.Handler):
    """Counts the messages channels_redis reports dropped ("N of M channels over capacity in group G")."""

    def __init__(self):
        super().__init__()
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "over capacity" in str(record.msg):
            self.count += record.args[0]


layer_drops = LayerDrops()
layer_logger = logging.getLogger("channels_redis.core")
layer_logger.setLevel(logging.INFO)
layer_logger.addHandler(layer_drops)
# Counted, not printed: a fan-out to thousands of sockets would log a line per dropped message.
layer_logger.propagate = False


def fill(waiting: int) -> tuple[Agent, list[str]]:
    now = timezone.now()
    queue = Queue.objects.create(name="support", display_name="Support")
    guests = Guest.objects.bulk_create(Guest() for _ in range(waiting + HISTORY))
    conversations = Conversation.objects.bulk_create(
        Conversation(guest=guest, queue=queue, status="waiting") for guest in guests
    )
    history = [
        Reservation(queue=queue, guest=guests[i], conversation=conversations[i], status="completed",
                    last_seen_at=now, matched_at=now - timedelta(minutes=30 - i % 20),
                    completed_at=now - timedelta(minutes=20 - i % 15))
        for i in range(HISTORY)
    ]
    Reservation.objects.bulk_create(history)
    Reservation.objects.filter(pk__in=[r.pk for r in history]).update(created_at=now - timedelta(minutes=40))
    Reservation.objects.bulk_create(
        Reservation(queue=queue, guest=guests[i], conversation=conversations[i], last_seen_at=now)
        for i in range(HISTORY, waiting + HISTORY)
    )
    agent_user = get_user_model().objects.create_user("agent", is_staff=True)
    agent = Agent.objects.create(user=agent_user, status="offline", capacity=1)
    agent.queues.add(queue)
    return agent, [guest_token(guest) for guest in guests[HISTORY:]]


def milliseconds_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def tick() -> dict:
    started = time.perf_counter()
    with transaction.atomic():
        published = queues_refresh()
    return {"ms": milliseconds_since(started), "published": published}


def head_matched(agent: Agent) -> dict:
    started = time.perf_counter()
    agent_set_status(agent=agent, status="available")
    return {"ms": milliseconds_since(started)}


def ticks_for(seconds: float) -> dict:
    deadline, count = time.perf_counter() + seconds, 0
    while time.perf_counter() < deadline:
        tick()
        count += 1
    return {"ticks": count}


def bare_fan_out(prefix: str, count: int) -> dict:
    # As bench/bare_app.py configures its layer, so the messages reach its consumers.
    layer = RedisChannelLayer(hosts=[{"address": os.environ["REDIS_URL"]}], prefix=prefix, capacity=1000)

    async def send_all():
        for index in range(count):
            await layer.group_send(f"room.line{index}", {"type": "room.message", "message": f"position {index + 1}"})

    started = time.perf_counter()
    async_to_sync(send_all)()
    return {"ms": milliseconds_since(started)}


def main(waiting: int) -> None:
    agent, tokens = fill(waiting)
    print(json.dumps({"tokens": tokens}), flush=True)
    for line in sys.stdin:
        step, *args = line.split()
        dropped_before = layer_drops.count
        if step == "tick":
            reply = tick()
        elif step == "head":
            reply = head_matched(agent)
        elif step == "ticks":
            reply = ticks_for(float(args[0]))
        elif step == "bare":
            reply = bare_fan_out(args[0], int(args[1]))
        else:
            raise ValueError(f"unknown step {step!r}")
        print(json.dumps({**reply, "dropped": layer_drops.count - dropped_before}), flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]))
