"""One process of the routing storm (test_concurrency.py): route one queue,
accept and complete in all, as fast as possible against the shared test
database, and report what this process won as one JSON line.

    python -m tests.queueing.storm <queue id> <go file> <seed> <ready file>
"""
import json
import os
import random
import sys
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contactcenter.settings")

import django  # noqa: E402

django.setup()

from django.db import transaction  # noqa: E402

from queueing import broadcast  # noqa: E402
from queueing.errors import QueueingError  # noqa: E402
from queueing.models import Reservation  # noqa: E402
from queueing.services.reservations import reservation_complete  # noqa: E402
from queueing.services.routing import offer_accept, route_queue  # noqa: E402

DEADLINE_SECONDS = 60


def main(queue_id: int, go_file: Path, seed: int, ready_file: Path) -> None:
    rng = random.Random(seed)
    ready_file.touch()  # set up: the test says go once every process is
    while not go_file.exists():  # every process starts routing at the same moment
        time.sleep(0.005)
    won = {"offered": [], "accepted": [], "completed": [], "conflicts": 0}
    send_to_agent = broadcast.notify_agent_on_commit

    def record_offers(agent, event, data):
        # Offers are made by route_queue and also by completions (a freed slot
        # is routed at once): the offer event is the one place that sees them all.
        if event == broadcast.EventName.RESERVATION_OFFERED:
            transaction.on_commit(lambda: won["offered"].append(data["id"]))
        send_to_agent(agent, event, data)

    broadcast.notify_agent_on_commit = record_offers
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        route_queue(queue_id=queue_id)
        # Accept and complete in every queue, racing the other processes for them.
        offered = list(Reservation.objects.filter(status="offered").select_related("offered_agent"))
        matched = list(Reservation.objects.filter(status="matched"))
        if not offered and not matched and not Reservation.objects.filter(status="queued").exists():
            break
        for reservation in rng.sample(offered, min(2, len(offered))):
            try:
                offer_accept(reservation=reservation, user_id=reservation.offered_agent.user_id)
                won["accepted"].append(reservation.pk)
            except QueueingError:
                won["conflicts"] += 1
        for reservation in rng.sample(matched, min(2, len(matched))):
            try:
                reservation_complete(reservation=reservation)
                won["completed"].append(reservation.pk)
            except QueueingError:
                won["conflicts"] += 1
    print(json.dumps(won), flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4]))
