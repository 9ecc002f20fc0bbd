"""Ours on two daphne processes: the guest on one, the agent on the other.

    .venv/bin/python -m bench.two_processes [--write]

Every message then crosses processes through the Redis channel layer. In the
same run, with the same rooms, one process serving both ends is measured too,
so the scaling figure is a ratio on one machine (target of the operations
issue: two processes at least 1.7 × one). Same rules as bench/chat_load.py: a
step passes when every message arrives within the drain time, nothing errs and
p99 of send → receipt is under 100 ms.
"""
import argparse
import asyncio
import sys
import time
from functools import partial

from bench.chat_load import OURS_LOAD_SETTINGS, raise_open_files_limit
from bench.clients import ProtocolSocket
from bench.docs import replace_section
from bench.load import CpuMeter, Recorder, ramp, sustained_rate, warm_up
from bench.rooms import ProductRoom, close_all, open_concurrently
from bench.servers import BenchEnvironment

SECTION = "## Two processes (bench/two_processes.py)"
ROOMS = 100
RATES = [50, 100, 150, 200, 300, 400, 600, 800]
STEP_SECONDS = 10
DRAIN_SECONDS = 10


async def open_split_room(guest_url: str, staff_url: str, seeded: dict, recorder: Recorder) -> ProductRoom:
    """bench.rooms.open_product_room, with the two ends on different processes."""
    conversation = seeded["conversation"]
    sender = await ProtocolSocket.open(guest_url, on_response=recorder.on_response)
    await sender.request("hello", {"token": seeded["guest_token"]})
    await sender.request("conversation.subscribe", {"conversation": conversation})
    receiver = await ProtocolSocket.open(staff_url, path="staff", cookie=seeded["staff_cookie"],
                                         on_message=recorder.on_message)
    await receiver.request("hello", {})
    await receiver.request("conversation.subscribe", {"conversation": conversation})
    return ProductRoom(sender, receiver, conversation)


async def measure(env: BenchEnvironment, processes: int) -> int | None:
    # Rooms of their own: subscribing to the rooms of an earlier measurement
    # would first replay all of its messages, as the protocol promises.
    seeded = env.seed_rooms(ROOMS)
    servers = [env.ours(**OURS_LOAD_SETTINGS) for _ in range(processes)]
    guest_url, staff_url = servers[0].ws_url, servers[-1].ws_url
    recorder = Recorder()
    meter = CpuMeter(server_pid=servers[0].pid, redis_pid=env.redis.process.pid)
    rooms = await open_concurrently([partial(open_split_room, guest_url, staff_url, room, recorder) for room in seeded])
    label = f"{processes} process{'es' if processes > 1 else ''}"
    print(f"{label}: {len(rooms)} rooms", file=sys.stderr, flush=True)
    try:
        await warm_up(rooms, recorder, meter)
        steps = await ramp(rooms, recorder, meter, label, rates=RATES, seconds=STEP_SECONDS,
                           drain_seconds=DRAIN_SECONDS)
        return sustained_rate(steps)
    finally:
        await close_all([socket for room in rooms for socket in room.sockets()])
        for server in servers:
            env.stop(server)


async def run() -> str:
    raise_open_files_limit()
    with BenchEnvironment() as env:
        one = await measure(env, 1)
        two = await measure(env, 2)
    ratio = (two / one) if one and two else None
    show = lambda value: "-" if value is None else f"{value:,.0f}"  # noqa: E731
    return "\n".join([
        SECTION, "",
        f"`.venv/bin/python -m bench.two_processes`, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
        f"{ROOMS} one-to-one rooms, steps of {STEP_SECONDS} s, SQLite (WAL) and one private Redis, "
        "the load generator in its own process on the same 2-core machine.", "",
        "| ours | highest sustained msg/s (p99 < 100 ms, all delivered) |",
        "|---|---:|",
        f"| one process, both ends on it | {show(one)} |",
        f"| two processes, guest on one, agent on the other | {show(two)} |", "",
        f"Two processes / one: {'-' if ratio is None else f'{ratio:.2f}'} (target at least 1.7). "
        "Every message is still written by one SQLite database, which serialises writers, and on this "
        "machine the two processes share 2 cores with Redis and the load generator.", "",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", action="store_true", help=f"replace the section '{SECTION}' of docs/benchmarks.md")
    args = parser.parse_args()
    text = asyncio.run(run())
    print(text)
    if args.write:
        replace_section(SECTION, text)


if __name__ == "__main__":
    main()
