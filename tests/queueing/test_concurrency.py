"""Routing from several OS processes at once against the one SQLite test
database: no reservation offered or matched twice, no agent over capacity."""
import json
import subprocess
import sys
import time
from collections import Counter

import pytest

from chat.models import Conversation, Guest
from queueing.models import Agent, Reservation
from tests.processes import BASE_DIR, process_env

pytestmark = pytest.mark.django_db(transaction=True)

# Each process routes its own queue and every agent serves them all, so the
# processes race for the same agents' slots with different reservations.
PROCESSES = 4
AGENTS = 4
CAPACITY = 2
RESERVATIONS_PER_QUEUE = 15


def most_held_at_once(intervals: list[tuple]) -> int:
    """The largest number of [start, end) intervals open at the same instant."""
    edges = sorted([(start, 1) for start, _ in intervals] + [(end, -1) for _, end in intervals])
    held = most = 0
    for _, step in edges:  # at equal times -1 sorts first: a slot freed then reused is not an overlap
        held += step
        most = max(most, held)
    return most


def test_a_routing_storm_never_double_matches_or_overfills_an_agent(make_queue, make_agent, tmp_path):
    queues = [make_queue(f"q{number}") for number in range(PROCESSES)]
    agents = [make_agent(*queues, capacity=CAPACITY, status=Agent.Status.OFFLINE) for _ in range(AGENTS)]
    for queue in queues:
        for _ in range(RESERVATIONS_PER_QUEUE):
            guest = Guest.objects.create()
            Reservation.objects.create(queue=queue, guest=guest, last_seen_at=guest.created_at,
                                       conversation=Conversation.objects.create(guest=guest, queue=queue))
    Agent.objects.update(status=Agent.Status.AVAILABLE)  # all at once, with nothing routed yet
    go_file = tmp_path / "go"
    ready_files = [tmp_path / f"ready-{seed}" for seed in range(PROCESSES)]
    storm = [
        subprocess.Popen([sys.executable, "-m", "tests.queueing.storm", str(queue.pk), str(go_file), str(seed),
                          str(ready_files[seed])],
                         cwd=BASE_DIR, env=process_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for seed, queue in enumerate(queues)
    ]
    # Go once every process is set up: one still importing Django while the
    # others routed everything had won no race at all (a CI run failed so).
    deadline = time.monotonic() + 60
    while not all(ready.exists() for ready in ready_files):
        assert time.monotonic() < deadline and all(process.poll() is None for process in storm), "a process never got ready"
        time.sleep(0.01)
    go_file.touch()
    reports = []
    for process in storm:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        reports.append(json.loads(out.strip().splitlines()[-1]))

    everyone = {"offered": {str(pk) for pk in Reservation.objects.values_list("public_id", flat=True)},
                "accepted": set(Reservation.objects.values_list("pk", flat=True))}
    everyone["completed"] = everyone["accepted"]
    for outcome, expected in everyone.items():
        won = Counter(key for report in reports for key in report[outcome])
        assert max(won.values()) == 1, f"{outcome} twice: {[key for key, n in won.items() if n > 1]}"
        assert set(won) == expected, outcome
    for agent in agents:
        held = list(Reservation.objects.filter(offered_agent=agent).values_list("offered_at", "completed_at"))
        assert held and most_held_at_once(held) <= CAPACITY, agent
    assert all(r.agent_id == r.offered_agent_id for r in Reservation.objects.all())
    # They really ran against each other: everyone won some and lost some races.
    assert all(report["offered"] for report in reports)
    assert sum(report["conflicts"] for report in reports) > 0
