"""The connect storm with history replay (scenario 3 of `python -m bench`):
GUESTS guests reconnect at once, each resuming MISSED messages it missed while away.

Every seeded conversation (bench/seed.py) gets MISSED messages from its agent
while nobody is connected (bench/missed.py); then all guests reconnect to one
process of ours at the same moment and resume (bench/resume_storm.py). Beside
it, on the same Redis, as many sockets connect at once to the bare tutorial
consumer: a storm with nothing to replay, the floor of what a storm costs here.
When ours misses the target, the same storm (same guests, same missed
messages) runs once more under py-spy, so the measured one is not slowed by it.
"""
import asyncio
import json
import math
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Awaitable, Callable

from bench.load import CpuMeter
from bench.pyspy import Recording, py_spy_path
from bench.report import Profile, TargetRow, number, profile_lines, ratio
from bench.resume_storm import bare_connect, resume
from bench.servers import BenchEnvironment, Server

TARGET_SECONDS = 5
# py-spy takes a moment to attach: the profiled storm starts after it, so its start is in the samples.
ATTACH_SECONDS = 0.5


@dataclass
class Plan:
    guests: int
    missed: int


FULL = Plan(guests=1000, missed=50)
QUICK = Plan(guests=200, missed=50)


@dataclass
class Storm:
    wall_seconds: float  # from the first connect to the last socket done
    done_seconds: list[float]  # per socket that finished, sorted
    failed: Counter  # sockets that did not finish, by error
    exact: int = 0  # ours: guests that got every missed message once, in order

    def percentile(self, share: float) -> float | None:
        ordered = self.done_seconds
        return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)] if ordered else None


def meets_target(storm: Storm, plan: Plan) -> bool:
    return storm.wall_seconds < TARGET_SECONDS and storm.exact == plan.guests


def failures(results: list) -> Counter:
    return Counter(f"{type(result).__name__}: {str(result)[:60]}" for result in results
                   if isinstance(result, BaseException))


async def ours_storm(url: str, rooms: list[dict], seen: dict[str, int], missed: int) -> Storm:
    started = time.perf_counter()
    results = await asyncio.gather(*(
        resume(url, room["guest_token"], room["conversation"], seen[room["conversation"]], missed)
        for room in rooms
    ), return_exceptions=True)
    wall = time.perf_counter() - started
    done = [result for result in results if not isinstance(result, BaseException)]
    return Storm(wall, sorted(seconds for seconds, _, _ in done), failures(results),
                 exact=sum(1 for _, count, in_order in done if count == missed and in_order))


async def bare_storm(url: str, sockets: int) -> Storm:
    started = time.perf_counter()
    results = await asyncio.gather(*(bare_connect(url) for _ in range(sockets)), return_exceptions=True)
    wall = time.perf_counter() - started
    return Storm(wall, sorted(result for result in results if not isinstance(result, BaseException)),
                 failures(results))


async def profile_storm(server: Server, storm: Callable[[], Awaitable[Storm]], seconds: int,
                        directory: Path) -> Profile | None:
    if py_spy_path() is None:
        return None
    recording = Recording(server.pid, seconds, directory / "storm.pyspy.txt")
    await asyncio.sleep(ATTACH_SECONDS)
    await storm()
    return Profile(process="ours", seconds=seconds,
                   during="from the start of a second storm, the same guests resuming the same messages",
                   threads=recording.threads())


@dataclass
class ResumeStorm:
    plan: Plan
    ours: Storm
    bare: Storm
    profile: Profile | None

    @property
    def met(self) -> bool:
        return meets_target(self.ours, self.plan)

    def targets(self) -> list[TargetRow]:
        plan = self.plan
        return [TargetRow(
            target=f"{plan.guests:,} guests resume {plan.missed} missed messages each in < {TARGET_SECONDS} s, "
                   "every message once",
            measured=f"{self.ours.wall_seconds:.2f} s; {self.ours.exact:,} of {plan.guests:,} got every message "
                     "once, in order",
            bare=f"{self.bare.wall_seconds:.2f} s (connect only)",
            ratio=ratio(self.ours.wall_seconds, self.bare.wall_seconds), met=self.met, where="profile in § 3",
        )]

    def section(self) -> str:
        plan, ours, bare = self.plan, self.ours, self.bare
        verdict = "meets" if self.met else "misses"
        return "\n".join([
            "### 3. Connect storm with history replay (bench/storm.py)",
            "",
            f"{plan.guests:,} guests, each with {plan.missed} messages from its agent stored while it was away, "
            "reconnect to one process of ours at once: each says hello with its token and subscribes after the "
            "last seq it saw, and is done when it holds every missed message once, in order. Bare: as many "
            "sockets connect at once to the tutorial consumer, with nothing to replay.",
            "",
            "| server | sockets done | wall s (all) | p50 s | p99 s | max s | |",
            "|---|---:|---:|---:|---:|---:|---|",
            storm_row("ours: hello + resume", ours, f"{ours.exact:,} of {plan.guests:,} got all {plan.missed} "
                      f"missed messages once, in order; {failed(ours)}"),
            storm_row("bare: connect only", bare, failed(bare)),
            "",
            f"Ours {verdict} the target: {plan.guests:,} guests resumed {plan.guests * plan.missed:,} missed "
            f"messages in {ours.wall_seconds:.2f} s (target under {TARGET_SECONDS} s, every message once).",
            "",
            "#### Where ours spends its time in the storm",
            "",
            *(profile_lines([self.profile] if self.profile else []) if not self.met
              else ["Not profiled: the target is met."]),
        ])


def storm_row(name: str, storm: Storm, note: str) -> str:
    return (f"| {name} | {len(storm.done_seconds):,} | {storm.wall_seconds:.2f} | {number(storm.percentile(0.5), 2)} "
            f"| {number(storm.percentile(0.99), 2)} | {number(storm.percentile(1.0), 2)} | {note} |")


def failed(storm: Storm) -> str:
    if not storm.failed:
        return "0 failed"
    return ", ".join(f"{count} × {error}" for error, count in storm.failed.most_common()) + " failed"


async def measure(plan: Plan) -> ResumeStorm:
    with BenchEnvironment() as env:
        print(f"resume: seeding {plan.guests} conversations with {plan.missed} missed messages each",
              file=sys.stderr, flush=True)
        rooms = env.seed_rooms(plan.guests)
        seen = json.loads(env.run_script("bench.missed", str(plan.missed)))
        server = env.ours()

        def storm() -> Awaitable[Storm]:
            return ours_storm(f"{server.ws_url}/ws/guest/", rooms, seen, plan.missed)

        ours = await storm()
        print(f"  ours: {ours.wall_seconds:.2f} s, {ours.exact} exact", file=sys.stderr, flush=True)
        profile = None
        if not meets_target(ours, plan):
            # The first storm's sockets are closing (registry rows, presence): let that pass first.
            await CpuMeter(server_pid=server.pid, redis_pid=env.redis.process.pid).settle()
            profile = await profile_storm(server, storm, math.ceil(ours.wall_seconds), env.directory)
        env.stop(server)
        bare_server = env.bare()
        bare = await bare_storm(f"{bare_server.ws_url}/ws/room/storm/", plan.guests)
        print(f"  bare: {bare.wall_seconds:.2f} s", file=sys.stderr, flush=True)
    return ResumeStorm(plan, ours, bare, profile)
