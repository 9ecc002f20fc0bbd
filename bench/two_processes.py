"""Chat load on two processes (scenario 2 of `python -m bench`, the scaling part):
the guest on one daphne process, the agent on the other.

Every message then crosses processes through the Redis channel layer. In the
same run, with rooms of the same kind, one process serving both ends is
measured too, so the scaling figure is a ratio on one machine (target: two
processes at least 1.7 × one). The bare consumer goes through the same two
set-ups, so the run also shows how far this machine lets any Channels consumer
scale. Same rules as bench/chat_load.py. When ours misses the target, both of
its processes are profiled with py-spy at the first rate they did not keep up with.

`python -m bench.two_processes` is `python -m bench --only two-processes`.
"""
import sys
from dataclasses import dataclass
from functools import partial
from typing import Callable

from bench.chat_load import OURS_LOAD_SETTINGS, profile_saturated
from bench.load import CpuMeter, RampPlan, Recorder, StepResult, ramp, sustained_rate, warm_up
from bench.report import Profile, TargetRow, number, profile_lines, ratio, steps_table, sustained_text
from bench.rooms import close_all, open_bare_room, open_concurrently, open_product_room
from bench.servers import BenchEnvironment

TARGET_SCALING = 1.7

FULL = RampPlan(rooms=100, rates=[50, 100, 150, 200, 300, 400, 600, 800, 1200, 1600, 2400, 3200], step_seconds=10,
            drain_seconds=10, profile_seconds=10)
QUICK = RampPlan(rooms=100, rates=[50, 200, 800], step_seconds=3, drain_seconds=5, profile_seconds=3)


@dataclass
class Ramp:
    steps: list[StepResult]
    profiles: list[Profile]

    @property
    def sustained(self) -> int | None:
        return sustained_rate(self.steps)


def room_urls(servers: list, index: int) -> tuple[str, str]:
    """The sender's and the receiver's server of room `index`: different ones when there are several."""
    return servers[index % len(servers)].ws_url, servers[(index + 1) % len(servers)].ws_url


async def measure_ramp(env: BenchEnvironment, plan: RampPlan, *, product: bool, processes: int,
                       profile_if: Callable[[int | None], bool] = lambda sustained: False) -> Ramp:
    """Rooms with the sender on one process and the receiver on the next, taking turns, so each
    process holds half the senders and half the receivers, as behind a proxy that spreads
    connections; py-spy of every process over one more step when `profile_if(sustained rate)` says so."""
    recorder = Recorder()
    if product:
        # Rooms of their own: subscribing to the rooms of an earlier measurement
        # would first replay all of its messages, as the protocol promises.
        seeded = env.seed_rooms(plan.rooms)
        servers = [env.ours(**OURS_LOAD_SETTINGS) for _ in range(processes)]
        openers = [partial(open_product_room, *room_urls(servers, index), room, recorder.on_message,
                           recorder.on_response) for index, room in enumerate(seeded)]
    else:
        servers = [env.bare() for _ in range(processes)]
        openers = [partial(open_bare_room, *room_urls(servers, index), f"r{index}", recorder.on_message)
                   for index in range(plan.rooms)]
    label = ramp_label(product, processes)
    meter = CpuMeter(server_pid=servers[0].pid, redis_pid=env.redis.process.pid)
    print(f"{label}: opening {plan.rooms} rooms", file=sys.stderr, flush=True)
    rooms = await open_concurrently(openers)
    try:
        await warm_up(rooms, recorder, meter)
        steps = await ramp(rooms, recorder, meter, label, rates=plan.rates, seconds=plan.step_seconds,
                           drain_seconds=plan.drain_seconds)
        profiles = []
        if profile_if(sustained_rate(steps)):
            names = ["ours, the guests' process", "ours, the agents' process"] if processes == 2 else ["ours"]
            profiles = await profile_saturated(dict(zip(names, servers)), rooms, recorder, meter, steps,
                                               seconds=plan.profile_seconds, drain_seconds=plan.drain_seconds,
                                               directory=env.directory)
        return Ramp(steps, profiles)
    finally:
        await close_all([socket for room in rooms for socket in room.sockets()])
        for server in servers:
            env.stop(server)


def ramp_label(product: bool, processes: int) -> str:
    return f"{'ours' if product else 'bare'}, {processes} process{'es' if processes > 1 else ''}"


@dataclass
class TwoProcessLoad:
    plan: RampPlan
    ours_one: Ramp
    ours_two: Ramp
    bare_one: Ramp
    bare_two: Ramp

    @property
    def ours_scaling(self) -> float | None:
        return scaling(self.ours_one, self.ours_two)

    @property
    def met(self) -> bool:
        return self.ours_scaling is not None and self.ours_scaling >= TARGET_SCALING

    def rate(self, ramp: Ramp) -> str:
        return sustained_text(ramp.sustained, self.plan.rates)

    def targets(self) -> list[TargetRow]:
        bare_scaling = scaling(self.bare_one, self.bare_two)
        return [TargetRow(
            target=f"two processes ≥ {TARGET_SCALING} × one",
            measured=f"{self.rate(self.ours_two)} msg/s = {number(self.ours_scaling, 2)} × one process "
                     f"({self.rate(self.ours_one)} msg/s)",
            bare=f"{self.rate(self.bare_two)} msg/s = {number(bare_scaling, 2)} × one process "
                 f"({self.rate(self.bare_one)} msg/s)",
            ratio=ratio(self.ours_two.sustained, self.bare_two.sustained), met=self.met, where="profile in § 2b",
        )]

    def section(self) -> str:
        plan = self.plan
        ramps = {ramp_label(True, 1): self.ours_one, ramp_label(True, 2): self.ours_two,
                 ramp_label(False, 1): self.bare_one, ramp_label(False, 2): self.bare_two}
        return "\n".join([
            "### 2b. Chat load on two processes (bench/two_processes.py)",
            "",
            f"{plan.rooms} one-to-one rooms as in § 2a, with the guest's socket (the sender) on one process and "
            "the agent's (the receiver) on the other, rooms taking turns, so each process holds half the senders "
            "and half the receivers and both write to the database; beside it the same rooms with both ends on "
            "one process. "
            f"Bare the same way: the two sockets of a room on two plain daphne processes. Steps of "
            f"{plan.step_seconds:g} s; the CPU column is the first process's.",
            "",
            "| | one process | two processes | two / one |",
            "|---|---:|---:|---:|",
            f"| ours, highest sustained msg/s | {self.rate(self.ours_one)} | {self.rate(self.ours_two)} "
            f"| {number(self.ours_scaling, 2)} |",
            f"| bare, highest sustained msg/s | {self.rate(self.bare_one)} | {self.rate(self.bare_two)} "
            f"| {number(scaling(self.bare_one, self.bare_two), 2)} |",
            "",
            "#### Offered load, step by step",
            "",
            *steps_table({label: ramp.steps for label, ramp in ramps.items()}),
            "",
            "#### Where ours spends its time on two processes",
            "",
            *(profile_lines(self.ours_two.profiles) if not self.met
              else [f"Not profiled: the target ({TARGET_SCALING} × one process) is met."]),
        ])


def scaling(one: Ramp, two: Ramp) -> float | None:
    return two.sustained / one.sustained if one.sustained and two.sustained else None


async def measure(plan: RampPlan) -> TwoProcessLoad:
    with BenchEnvironment() as env:
        ours_one = await measure_ramp(env, plan, product=True, processes=1)
        ours_two = await measure_ramp(
            env, plan, product=True, processes=2,
            profile_if=lambda two: not (ours_one.sustained and two and two / ours_one.sustained >= TARGET_SCALING),
        )
        bare_one = await measure_ramp(env, plan, product=False, processes=1)
        bare_two = await measure_ramp(env, plan, product=False, processes=2)
    return TwoProcessLoad(plan, ours_one, ours_two, bare_one, bare_two)


if __name__ == "__main__":
    from bench.__main__ import main

    main(["--only", "two-processes", *sys.argv[1:]])
