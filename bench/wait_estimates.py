"""How good are the wait estimates? A simulated day of chat traffic, scored.

    .venv/bin/python bench/wait_estimates.py [--seeds 5]

Pure Python: a discrete-event simulation of one queue (seeded random arrivals
with a midday peak, log-normal chat lengths, agents holding CAPACITY chats each
and taking a few seconds to accept an offer), for several agent counts. At every
arrival it asks queueing.estimates for the new customer's wait from the figures
the product would see at that moment, and compares it with the wait that
customer then really had. Printed: the mean absolute error in seconds of the
product's estimate, its two halves alone, and the plain average of past waits
(seed 004's method), on the same traffic.
"""
import argparse
import heapq
import math
import random
import statistics
import sys
from collections import deque
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from queueing.estimates import QueueFigures, estimate_wait_seconds  # noqa: E402

DAY_SECONDS = 12 * 3600  # 08:00 to 20:00
CAPACITY = 2  # chats per agent at once
MEAN_CHAT_SECONDS = 480
RECENT_SAMPLES = 50  # as queueing.selectors.RECENT_SAMPLES


def arrivals_per_hour(t: float, agents: int) -> float:
    """Quiet morning and evening, a peak at 14:00 that overloads the agents for a while."""
    capacity_per_hour = agents * CAPACITY * 3600 / MEAN_CHAT_SECONDS
    return capacity_per_hour * (0.55 + 0.6 * math.exp(-(((t / 3600) - 6) / 1.8) ** 2))


def simulate(agents: int, seed: int) -> dict[str, list[float]]:
    rng = random.Random(seed)
    slots = agents * CAPACITY
    peak = max(arrivals_per_hour(t, agents) for t in range(0, DAY_SECONDS, 60)) / 3600
    events = []  # (time, order, kind, customer)
    t, order = 0.0, 0
    while True:  # non-homogeneous Poisson arrivals by thinning
        t += rng.expovariate(peak)
        if t >= DAY_SECONDS:
            break
        if rng.random() < arrivals_per_hour(t, agents) / 3600 / peak:
            order += 1
            heapq.heappush(events, (t, order, "arrive", order))
    sigma = 0.6
    mu = math.log(MEAN_CHAT_SECONDS) - sigma ** 2 / 2

    line: deque = deque()
    busy = 0
    arrived_at, matched_at, predictions = {}, {}, {}
    recent_waits: deque = deque(maxlen=RECENT_SAMPLES)  # (ended at, wait)
    recent_handles: deque = deque(maxlen=RECENT_SAMPLES)
    all_waits = []
    errors = {"product": [], "capacity model only": [], "recent waits only": [], "plain average": []}

    def offer(now: float) -> None:
        nonlocal busy, order
        while line and busy < slots:
            customer = line.popleft()
            busy += 1
            accepted = now + rng.uniform(3, 25)  # the agent takes a few seconds to accept
            order += 1
            heapq.heappush(events, (accepted, order, "match", customer))

    while events:
        now, _, kind, customer = heapq.heappop(events)
        if kind == "arrive":
            arrived_at[customer] = now
            figures = QueueFigures(
                waiting=len(line), open_slots=slots, free_slots=slots - busy,
                recent_waits=tuple((now - ended, wait) for ended, wait in reversed(recent_waits)),
                recent_handle_times=tuple((now - ended, length) for ended, length in reversed(recent_handles)),
            )
            position = len(line) + 1
            predictions[customer] = {
                "product": estimate_wait_seconds(position=position, figures=figures),
                "capacity model only": estimate_wait_seconds(position=position, figures=figures, model_weight=1),
                "recent waits only": estimate_wait_seconds(position=position, figures=figures, model_weight=0),
                "plain average": statistics.fmean(all_waits) if all_waits else None,
            }
            line.append(customer)
            offer(now)
        elif kind == "match":
            wait = now - arrived_at[customer]
            for method, predicted in predictions.pop(customer).items():
                if predicted is not None:
                    errors[method].append(abs(predicted - wait))
            recent_waits.append((now, wait))
            all_waits.append(wait)
            matched_at[customer] = now
            order += 1
            heapq.heappush(events, (now + rng.lognormvariate(mu, sigma), order, "end", customer))
        else:
            busy -= 1
            recent_handles.append((now, now - matched_at.pop(customer)))
            offer(now)
    return errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    print(f"one queue, {DAY_SECONDS // 3600} h of traffic, {CAPACITY} chats per agent, "
          f"mean chat {MEAN_CHAT_SECONDS} s, {args.seeds} seeded days per row")
    print("mean absolute error of the estimate given at arrival, seconds")
    methods = ["product", "capacity model only", "recent waits only", "plain average"]
    print(f"{'agents':>6} {'customers':>9} " + " ".join(f"{m:>20}" for m in methods))
    totals = {m: [] for m in methods}
    for agents in (2, 3, 5, 8):
        errors = {m: [] for m in methods}
        for seed in range(args.seeds):
            for method, values in simulate(agents, seed).items():
                errors[method] += values
        for method in methods:
            totals[method] += errors[method]
        print(f"{agents:>6} {len(errors['product']):>9} "
              + " ".join(f"{statistics.fmean(errors[m]):>20.0f}" for m in methods))
    print(f"{'all':>6} {len(totals['product']):>9} " + " ".join(f"{statistics.fmean(totals[m]):>20.0f}" for m in methods))


if __name__ == "__main__":
    main()
