"""Chat socket benchmark: the product's consumer against the Channels tutorial's.

    .venv/bin/python -m bench.chat_load [--quick]

Starts its own Redis, SQLite database and daphne processes on 127.0.0.1 and
stops them at the end. For the bare baseline (bench.bare_app on plain daphne)
and for ours (one contactcenter.serve process), one after the other:

1. one-to-one rooms (a sender and a receiver socket each; ours are a guest and
   the staff member assigned to its conversation, bench/seed.py); the offered
   rate is stepped up while the server keeps up, and a step passes when every
   message arrives, nothing errs and p99 from send to receipt on the other
   socket is under 100 ms;
2. resident memory per idle socket, at each socket count.

Ours is also profiled with py-spy (when installed) at the first rate it did not keep up with.
Prints a Markdown report; a full run also writes it into its own section of
docs/benchmarks.md. --quick runs fewer, shorter, smaller steps and leaves the
docs alone.
"""
import argparse
import asyncio
import resource
import sys
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from bench.capacity import WARM_SOCKETS, idle_memory, open_idle_guest, open_idle_room
from bench.load import CpuMeter, Recorder, StepResult, ramp, run_step, warm_up
from bench.pyspy import Recording, py_spy_path
from bench.report import Profile, ServerFigures, render, write_section
from bench.rooms import close_all, open_bare_room, open_concurrently, open_product_room
from bench.servers import BASE_DIR, BenchEnvironment, Server

DOCS = BASE_DIR / "docs" / "benchmarks.md"

# The product's per-socket limit (10 requests/s, bursts of 30) would answer a
# sender with rate_limited from 1,000 msg/s over 100 rooms on: the benchmark
# measures the pipeline behind the limiter, so the limiter is opened wide.
OURS_LOAD_SETTINGS = {"CHAT_RATE_PER_SECOND": 1_000_000, "CHAT_RATE_BURST": 1_000_000}
# The bare consumer has no heartbeat: its idle sockets need only settle.
BARE_HOLD_SECONDS = 3


@dataclass
class Plan:
    rooms: int
    rates: list[int]
    step_seconds: float
    drain_seconds: float
    idle_levels: list[int]
    # Ours: a full run holds idle sockets through one default heartbeat (20 s),
    # so every one has answered a ping when memory is read.
    idle_hold_seconds: float
    profile_seconds: int


# Steps of 20 s: each spans one of ours' heartbeat ticks (CHAT_HEARTBEAT_SECONDS, 20 s by default), whose
# work lands in every step alike instead of in some steps only.
FULL = Plan(rooms=100, rates=[25, 50, 100, 200, 400, 800, 1600, 3200], step_seconds=20, drain_seconds=10,
            idle_levels=[1000, 2000], idle_hold_seconds=22, profile_seconds=10)
QUICK = Plan(rooms=100, rates=[25, 100, 400, 1600], step_seconds=3, drain_seconds=5,
             idle_levels=[200, 400], idle_hold_seconds=3, profile_seconds=3)


def raise_open_files_limit() -> None:
    # Thousands of sockets here and, inherited, in the servers started from here.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


async def profile_saturated(server: Server, rooms: list, recorder: Recorder, meter: CpuMeter,
                            steps: list[StepResult], plan: Plan, directory: Path) -> Profile | None:
    """py-spy over one more step at the first rate the server did not keep up with (or the top rate)."""
    if py_spy_path() is None:
        return None
    rate = next((step.offered_rate for step in steps if not step.kept_up), plan.rates[-1])
    await meter.settle()
    recording = Recording(server.pid, plan.profile_seconds, directory / "ours.pyspy.txt")
    # A little longer than the recording, which starts once py-spy has attached.
    await run_step(rooms, recorder, meter, step=len(steps) + 1, rate=rate,
                   seconds=plan.profile_seconds + 1, drain_seconds=plan.drain_seconds)
    return Profile(rate=rate, seconds=plan.profile_seconds, threads=recording.threads())


async def load_figures(env: BenchEnvironment, name: str, plan: Plan) -> tuple[list[StepResult], Profile | None]:
    recorder = Recorder()
    if name == "bare":
        server = env.bare()
        openers = [partial(open_bare_room, server.ws_url, f"r{index}", recorder.on_message)
                   for index in range(plan.rooms)]
    else:
        server = env.ours(**OURS_LOAD_SETTINGS)
        openers = [partial(open_product_room, server.ws_url, seeded, recorder.on_message, recorder.on_response)
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
            profile = await profile_saturated(server, rooms, recorder, meter, steps, plan, env.directory)
        return steps, profile
    finally:
        await close_all([socket for room in rooms for socket in room.sockets()])
        env.stop(server)


async def idle_figures(env: BenchEnvironment, name: str, plan: Plan):
    print(f"{name}: idle sockets {plan.idle_levels}", file=sys.stderr, flush=True)
    if name == "bare":
        server = env.bare()
        opener, hold_seconds = open_idle_room, BARE_HOLD_SECONDS
    else:
        server = env.ours(CHAT_MAX_CONNECTIONS=WARM_SOCKETS + max(plan.idle_levels))
        opener, hold_seconds = open_idle_guest, plan.idle_hold_seconds
    try:
        return await idle_memory(server, opener, plan.idle_levels, hold_seconds=hold_seconds)
    finally:
        env.stop(server)


def setup_note(plan: Plan) -> str:
    return (
        f"Each server is one daphne process; both use one private Redis (RedisChannelLayer, capacity 1,000) and "
        f"ours a fresh SQLite database (WAL); the load generator is a separate asyncio process on the same "
        f"machine. {plan.rooms} one-to-one rooms. Ours: active conversations made with the product's services "
        f"(bench/seed.py), the guest's socket sends and the socket of the staff member assigned to it receives. "
        f"Bare: two sockets of one room. Both sockets of a room receive every message. Steps of "
        f"{plan.step_seconds:g} s; a step "
        f"passes when every message reaches the receiver within {plan.drain_seconds:g} s, nothing errs and p99 "
        f"of send → receipt is under 100 ms. Ours runs with its per-socket rate limit opened "
        f"(CHAT_RATE_PER_SECOND), so the pipeline behind it is measured. Idle sockets: ours say hello as new "
        f"guests and are held {plan.idle_hold_seconds:g} s before RSS is read; KB per socket "
        f"is the RSS growth (VmRSS) over a baseline with {WARM_SOCKETS} sockets open, divided by the sockets "
        f"added and still open."
    )


async def run(plan: Plan, command: str) -> str:
    with BenchEnvironment() as env:
        bare_steps, _ = await load_figures(env, "bare", plan)
        ours_steps, profile = await load_figures(env, "ours", plan)
        ours_memory = await idle_figures(env, "ours", plan)
        bare_memory = await idle_figures(env, "bare", plan)
    return render(
        command=command, setup=setup_note(plan), profile=profile,
        bare=ServerFigures("bare", bare_steps, bare_memory), ours=ServerFigures("ours", ours_steps, ours_memory),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a short smoke run; docs/benchmarks.md is not written")
    args = parser.parse_args()
    raise_open_files_limit()
    command = ".venv/bin/python -m bench.chat_load" + (" --quick" if args.quick else "")
    report = asyncio.run(run(QUICK if args.quick else FULL, command))
    print(report)
    if not args.quick:
        write_section(DOCS, report)
        print(f"written to {DOCS}", file=sys.stderr)


if __name__ == "__main__":
    main()
