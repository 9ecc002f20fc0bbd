"""Chat load on one process (scenario 2 of `python -m bench`): the product's
consumer against the Channels tutorial's, in the same run.

For the bare baseline (bench.bare_app on plain daphne) and for ours (one
contactcenter.serve process), one after the other: one-to-one rooms (a sender
and a receiver socket each; ours are a guest and the staff member assigned to
its conversation, bench/seed.py); the offered rate is stepped up while the
server keeps up, and a step passes when every message arrives, nothing errs and
p99 from send to receipt on the other socket is under 100 ms. Ours is then
profiled with py-spy at the first rate it did not keep up with.

The plan also sizes scenario 1 (idle sockets, bench/capacity.py).
`python -m bench.chat_load` is `python -m bench --only chat`.
"""
import resource
import sys
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from bench.load import P99_LIMIT_MS, CpuMeter, RampPlan, Recorder, StepResult, ramp, run_step, sustained_rate, warm_up
from bench.pyspy import Recording, py_spy_path
from bench.report import Profile, TargetRow, number, profile_lines, ratio, steps_table, sustained_text
from bench.rooms import close_all, open_bare_room, open_concurrently, open_product_room
from bench.servers import BenchEnvironment, Server

# The product's per-socket limit (10 requests/s, bursts of 30) would answer a
# sender with rate_limited from 1,000 msg/s over 100 rooms on: the benchmark
# measures the pipeline behind the limiter, so the limiter is opened wide.
OURS_LOAD_SETTINGS = {"CHAT_RATE_PER_SECOND": 1_000_000, "CHAT_RATE_BURST": 1_000_000}
TARGET_RATIO = 5
# The third server of the scenario: the ceiling of one daphne process (bench/memory_app.py).
ALONE = "daphne alone"


@dataclass
class Plan(RampPlan):
    idle_levels: list[int]
    # Ours: a full run holds idle sockets through one default heartbeat (20 s),
    # so every one has answered a ping when memory is read.
    idle_hold_seconds: float


# Steps of 20 s: each spans one of ours' heartbeat ticks (CHAT_HEARTBEAT_SECONDS, 20 s by default), whose
# work lands in every step alike instead of in some steps only.
FULL = Plan(rooms=100, rates=[25, 50, 100, 200, 400, 800, 1600, 3200, 6400], step_seconds=20, drain_seconds=10,
            idle_levels=[1000, 2000], idle_hold_seconds=22, profile_seconds=10)
QUICK = Plan(rooms=100, rates=[25, 100, 400, 1600], step_seconds=3, drain_seconds=5,
             idle_levels=[200, 400], idle_hold_seconds=3, profile_seconds=3)


def raise_open_files_limit() -> None:
    # Thousands of sockets here and, inherited, in the servers started from here.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


async def profile_saturated(servers: dict[str, Server], rooms: list, recorder: Recorder, meter: CpuMeter,
                            steps: list[StepResult], *, seconds: int, drain_seconds: float,
                            directory: Path) -> list[Profile]:
    """py-spy of each server over one more step, at the first rate they did not keep up with (or the highest)."""
    if py_spy_path() is None:
        return []
    saturated = next((step.offered_rate for step in steps if not step.kept_up), None)
    rate = saturated or max(step.offered_rate for step in steps)
    during = (f"at {rate:,} msg/s offered "
              f"({'the first rate it did not keep up with' if saturated else 'the highest rate offered'})")
    await meter.settle()
    recordings = {name: Recording(server.pid, seconds, directory / f"profile-{index}.pyspy.txt")
                  for index, (name, server) in enumerate(servers.items())}
    # A little longer than the recordings, which start once py-spy has attached.
    await run_step(rooms, recorder, meter, step=len(steps) + 1, rate=rate, seconds=seconds + 1,
                   drain_seconds=drain_seconds)
    return [Profile(process=name, seconds=seconds, during=during, threads=recording.threads())
            for name, recording in recordings.items()]


async def load_figures(env: BenchEnvironment, name: str, plan: Plan) -> tuple[list[StepResult], Profile | None]:
    recorder = Recorder()
    if name in ("bare", ALONE):
        server = env.bare() if name == "bare" else env.bare("bench.memory_app:application")
        openers = [partial(open_bare_room, server.ws_url, server.ws_url, f"r{index}", recorder.on_message)
                   for index in range(plan.rooms)]
    else:
        server = env.ours(**OURS_LOAD_SETTINGS)
        openers = [partial(open_product_room, server.ws_url, server.ws_url, seeded, recorder.on_message,
                           recorder.on_response)
                   for seeded in env.seed_rooms(plan.rooms)]
    meter = CpuMeter(server_pid=server.pid, redis_pid=env.redis.process.pid)
    print(f"{name}: opening {plan.rooms} rooms", file=sys.stderr, flush=True)
    rooms = await open_concurrently(openers)
    try:
        await warm_up(rooms, recorder, meter)
        steps = await ramp(rooms, recorder, meter, name, rates=plan.rates,
                           seconds=plan.step_seconds, drain_seconds=plan.drain_seconds)
        profile = None
        if name == "ours":
            profiles = await profile_saturated({"ours": server}, rooms, recorder, meter, steps,
                                               seconds=plan.profile_seconds, drain_seconds=plan.drain_seconds,
                                               directory=env.directory)
            profile = profiles[0] if profiles else None
        return steps, profile
    finally:
        await close_all([socket for room in rooms for socket in room.sockets()])
        env.stop(server)


@dataclass
class OneProcessLoad:
    plan: Plan
    bare: list[StepResult]
    ours: list[StepResult]
    alone: list[StepResult]
    profile: Profile | None

    def targets(self) -> list[TargetRow]:
        bare, ours = sustained_rate(self.bare), sustained_rate(self.ours)
        p99 = next((step.percentile(0.99) for step in self.ours if step.passed and step.offered_rate == ours), None)
        rates = self.plan.rates
        return [TargetRow(
            target=f"chat throughput of one daphne process ≥ {TARGET_RATIO} × bare, p99 < {P99_LIMIT_MS:.0f} ms",
            measured=f"{sustained_text(ours, rates)} msg/s (p99 {number(p99)} ms)" if ours else "no rate passed",
            bare=f"{sustained_text(bare, rates)} msg/s", ratio=ratio(ours, bare),
            met=bool(ours and bare and ours >= TARGET_RATIO * bare), where="profile in § 2a",
        )]

    def section(self) -> str:
        plan = self.plan
        bare_rate, ours_rate = sustained_rate(self.bare), sustained_rate(self.ours)
        bare_most, ours_most = most_delivered(self.bare), most_delivered(self.ours)
        alone_rate, alone_most = sustained_rate(self.alone), most_delivered(self.alone)
        return "\n".join([
            "### 2a. Chat load on one process (bench/chat_load.py)",
            "",
            f"{plan.rooms} one-to-one rooms. Ours: active conversations made with the product's services "
            "(bench/seed.py), the guest's socket sends and the socket of the staff member assigned to it receives, "
            "both on one process. Bare: two sockets of one room. Both sockets of a room receive every message. "
            f"Steps of {plan.step_seconds:g} s; a step passes when every message reaches the receiver within "
            f"{plan.drain_seconds:g} s, nothing errs and p99 of send → receipt is under {P99_LIMIT_MS:.0f} ms. "
            "Ours runs with its per-socket rate limit opened (CHAT_RATE_PER_SECOND), so the pipeline behind it "
            f"is measured. {ALONE.capitalize()}: plain daphne with a consumer that forwards each message to the "
            "two sockets of its room in memory (bench/memory_app.py): no channel layer, nothing stored, no "
            "protocol, and as many frames a message as ours (whose answer to the sender carries the sender's own "
            "copy): what one daphne process can do at all on this machine.",
            "",
            f"| | bare | ours | ours / bare | {ALONE} |",
            "|---|---:|---:|---:|---:|",
            f"| highest sustained rate, msg/s (p99 < {P99_LIMIT_MS:.0f} ms, all delivered) | "
            f"{sustained_text(bare_rate, plan.rates)} | {sustained_text(ours_rate, plan.rates)} "
            f"| {ratio(ours_rate, bare_rate)} | {sustained_text(alone_rate, plan.rates)} |",
            f"| most delivered in a step, msg/s (latency aside) | {number(bare_most, 0)} | {number(ours_most, 0)} "
            f"| {ratio(ours_most, bare_most)} | {number(alone_most, 0)} |",
            "",
            "#### Offered load, step by step",
            "",
            *steps_table({"bare": self.bare, "ours": self.ours, ALONE: self.alone}),
            "",
            "#### Where ours spends its time",
            "",
            *profile_lines([self.profile] if self.profile else []),
        ])


def most_delivered(steps: list[StepResult]) -> float | None:
    return max((step.delivered_rate for step in steps), default=None)


async def measure(plan: Plan) -> OneProcessLoad:
    with BenchEnvironment() as env:
        bare, _ = await load_figures(env, "bare", plan)
        ours, profile = await load_figures(env, "ours", plan)
        alone, _ = await load_figures(env, ALONE, plan)
    return OneProcessLoad(plan, bare, ours, alone, profile)


if __name__ == "__main__":
    from bench.__main__ import main

    main(["--only", "chat", *sys.argv[1:]])
