"""Stepped offered load over one-to-one rooms: latency from send to receipt on
the other socket, delivered rate, errors and losses per step."""
import asyncio
import math
import os
import sys
import time
from collections import Counter
from dataclasses import dataclass, field

from bench.servers import cpu_seconds, machine_busy_seconds

BODY_PREFIX = "bench|"
P99_LIMIT_MS = 100.0
# The generator shares the machine with the servers; a step whose sends ran
# more than 5% behind schedule did not offer its rate and cannot pass.
SCHEDULE_SLACK = 1.05
# A step whose delivered rate stayed below this share of the offered one found
# the server's capacity: the ramp stops there.
KEPT_UP_SHARE = 0.9
# Between steps, the server counts as idle again below this share of one core.
IDLE_CPU_SHARE = 0.10
SETTLE_TIMEOUT_SECONDS = 30


@dataclass
class RampPlan:
    """The rooms and stepped rates of a load scenario (bench/chat_load.py, bench/two_processes.py)."""
    rooms: int
    rates: list[int]
    step_seconds: float
    drain_seconds: float
    profile_seconds: int


@dataclass
class StepTally:
    step: int
    sent: int = 0
    delivered: set = field(default_factory=set)
    latencies_ns: list = field(default_factory=list)
    duplicates: int = 0
    # Arrived after the step's drain window: counted as not delivered, reported apart.
    late: int = 0
    window_closed: bool = False
    errors: Counter = field(default_factory=Counter)
    last_received_ns: int = 0

    def receive(self, key: tuple, latency_ns: int, received_ns: int) -> None:
        if self.window_closed:
            self.late += 1
        elif key in self.delivered:
            self.duplicates += 1
        else:
            self.delivered.add(key)
            self.latencies_ns.append(latency_ns)
            self.last_received_ns = max(self.last_received_ns, received_ns)


@dataclass
class StepResult:
    offered_rate: int
    planned_seconds: float
    expected: int
    delivered: int
    duplicates: int
    latencies_ms: list[float]
    send_seconds: float
    delivery_seconds: float
    cpu_percent: dict[str, float]
    # Live: late messages and error responses may still come in for this step after it is over.
    tally: StepTally

    @property
    def errors(self) -> Counter:
        return self.tally.errors

    def percentile(self, share: float) -> float | None:
        if not self.latencies_ms:
            return None
        return self.latencies_ms[min(len(self.latencies_ms) - 1, math.ceil(share * len(self.latencies_ms)) - 1)]

    @property
    def delivered_rate(self) -> float:
        return self.delivered / self.delivery_seconds if self.delivery_seconds else 0.0

    @property
    def failures(self) -> list[str]:
        reasons = []
        if self.send_seconds > self.planned_seconds * SCHEDULE_SLACK:
            reasons.append(f"sends {self.send_seconds / self.planned_seconds - 1:.0%} behind schedule")
        if self.delivered < self.expected:
            late = f" ({self.tally.late} of them later)" if self.tally.late else ""
            reasons.append(f"{self.expected - self.delivered} not delivered in time{late}")
        if self.duplicates:
            reasons.append(f"{self.duplicates} duplicates")
        if self.errors:
            reasons.append(", ".join(f"{count} {reason}" for reason, count in self.errors.most_common()))
        p99 = self.percentile(0.99)
        if p99 is None or p99 >= P99_LIMIT_MS:
            reasons.append("p99 >= 100 ms")
        return reasons

    @property
    def passed(self) -> bool:
        return not self.failures

    @property
    def kept_up(self) -> bool:
        """Everything delivered in time at (nearly) the offered rate, whatever the latency."""
        return (self.delivered == self.expected and not self.errors and not self.duplicates
                and self.delivered_rate >= KEPT_UP_SHARE * self.offered_rate)


class Recorder:
    """Hands every receipt and response to the tally of the step it was sent in."""

    def __init__(self):
        self.tallies: dict[int, StepTally] = {}

    def start(self, step: int) -> StepTally:
        tally = self.tallies[step] = StepTally(step)
        return tally

    def on_message(self, body: str, received_ns: int) -> None:
        if not body.startswith(BODY_PREFIX):
            return  # one of the product's own messages, e.g. a notice
        step, room, number, sent_ns = body[len(BODY_PREFIX):].split("|")
        tally = self.tallies.get(int(step))
        if tally is not None:
            tally.receive((room, number), received_ns - int(sent_ns), received_ns)

    def on_response(self, request_id: str, ok: bool, reason: str | None) -> None:
        step = request_id.split(".", 1)[0]
        tally = self.tallies.get(int(step)) if step.isdigit() else None
        if not ok and tally is not None:
            tally.errors[reason] += 1


class CpuMeter:
    """CPU used over a window, in percent of one core, by the server, Redis, the load
    generator (this process) and the rest of the machine (other people's work included)."""

    def __init__(self, *, server_pid: int, redis_pid: int):
        self.pids = {"server": server_pid, "redis": redis_pid, "generator": os.getpid()}

    def snapshot(self) -> tuple[float, dict[str, float]]:
        used = {name: cpu_seconds(pid) for name, pid in self.pids.items()}
        return time.perf_counter(), {**used, "rest": machine_busy_seconds() - sum(used.values())}

    def percent_since(self, before: tuple[float, dict[str, float]]) -> dict[str, float]:
        now, used = self.snapshot()
        wall = now - before[0]
        return {name: 100 * (used[name] - before[1][name]) / wall for name in used}

    async def settle(self) -> None:
        """Wait (bounded) until the server has worked off any backlog of the previous step."""
        deadline = time.monotonic() + SETTLE_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            before = self.snapshot()
            await asyncio.sleep(0.5)
            if self.percent_since(before)["server"] < 100 * IDLE_CPU_SHARE:
                return


async def run_step(rooms: list, recorder: Recorder, meter: CpuMeter, *, step: int, rate: int,
                   seconds: float, drain_seconds: float) -> StepResult:
    tally = recorder.start(step)
    per_room = max(1, round(rate * seconds / len(rooms)))
    interval = len(rooms) / rate
    planned_seconds = per_room * interval
    start = time.perf_counter() + 0.05
    cpu_before = meter.snapshot()

    async def send_all(index: int, room) -> None:
        # Rooms are spread evenly over one interval so the total offered rate is smooth.
        first = start + interval * index / len(rooms)
        for number in range(per_room):
            delay = first + number * interval - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            try:
                await room.send(f"{step}.{index}.{number}",
                                f"{BODY_PREFIX}{step}|{index}|{number}|{time.perf_counter_ns()}")
                tally.sent += 1
            except Exception as error:
                tally.errors[f"send failed: {type(error).__name__}"] += 1

    await asyncio.gather(*(send_all(index, room) for index, room in enumerate(rooms)))
    send_seconds = time.perf_counter() - start
    cpu_percent = meter.percent_since(cpu_before)
    deadline = time.perf_counter() + drain_seconds
    while len(tally.delivered) < tally.sent and time.perf_counter() < deadline:
        await asyncio.sleep(0.02)
    tally.window_closed = True
    closed = sum(socket.closed for room in rooms for socket in room.sockets())
    if closed:
        tally.errors["sockets closed"] = closed
    return StepResult(
        offered_rate=rate, planned_seconds=planned_seconds, expected=per_room * len(rooms),
        delivered=len(tally.delivered), duplicates=tally.duplicates, tally=tally,
        latencies_ms=sorted(ns / 1e6 for ns in tally.latencies_ns), send_seconds=send_seconds,
        delivery_seconds=max(0.0, tally.last_received_ns / 1e9 - start), cpu_percent=cpu_percent,
    )


# Steps between the highest passing rate and the first failing one: each halves
# the gap (on a log scale), so with doubling rates the sustained rate is known
# to within a fifth of itself rather than two fifths.
NARROWING_STEPS = 2


async def ramp(rooms: list, recorder: Recorder, meter: CpuMeter, label: str, *, rates: list[int],
               seconds: float, drain_seconds: float) -> list[StepResult]:
    """Step the offered rate up while the server keeps up (latency aside), then narrow down
    between the highest passing rate and the first failing one above it."""
    results: list[StepResult] = []

    async def step(rate: int) -> StepResult:
        await meter.settle()
        result = await run_step(rooms, recorder, meter, step=len(results) + 1, rate=rate,
                                seconds=seconds, drain_seconds=drain_seconds)
        results.append(result)
        p99 = result.percentile(0.99)
        print(f"  {label} {rate:>5} msg/s: p99 {'-' if p99 is None else f'{p99:.1f}'} ms, "
              f"delivered {result.delivered}/{result.expected}, {'; '.join(result.failures) or 'pass'}",
              file=sys.stderr, flush=True)
        return result

    for rate in rates:
        if not (await step(rate)).kept_up:
            break
    for _ in range(NARROWING_STEPS):
        highest_pass = sustained_rate(results)
        if highest_pass is None:
            break
        first_fail = min((r.offered_rate for r in results if not r.passed and r.offered_rate > highest_pass),
                         default=None)
        if first_fail is None:
            break
        between = round(math.sqrt(highest_pass * first_fail))
        if not highest_pass < between < first_fail:
            break
        await step(between)
    return results


def sustained_rate(results: list[StepResult]) -> int | None:
    """The highest offered rate that passed (p99 < 100 ms, all delivered, no errors)."""
    return max((result.offered_rate for result in results if result.passed), default=None)


async def warm_up(rooms: list, recorder: Recorder, meter: CpuMeter) -> None:
    """One message per room, so first-use costs (the product's one-time notice, caches) stay out of the steps."""
    result = await run_step(rooms, recorder, meter, step=0, rate=len(rooms), seconds=1, drain_seconds=30)
    if result.delivered < result.expected:
        raise RuntimeError(f"warm-up lost messages: {result.failures}")
