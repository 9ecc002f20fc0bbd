"""A connect storm with history replay: GUESTS guests reconnect at once, each
resuming MISSED messages it missed while away.

    .venv/bin/python -m bench.resume_storm [--guests 1000] [--missed 50] [--write]

Ours: one daphne process (contactcenter.serve) on a fresh SQLite database and a
private Redis. Each guest opens a socket, says hello with its token and
subscribes after the last seq it saw; the clock stops for a guest when it holds
every missed message exactly once, in order. Beside it, in the same run, the
same number of sockets connect at once to the bare tutorial consumer
(bench.bare_app, plain daphne): a connect storm with nothing to replay, the
floor of what a storm costs here. Target of the operations issue: the
1,000-guest resume finished in under 5 s with every missed message delivered once.
"""
import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import websockets

from bench.clients import ORIGIN
from bench.docs import replace_section
from bench.servers import BASE_DIR, BenchEnvironment

SECTION = "## Connect storm with history replay (bench/resume_storm.py)"
DEADLINE_SECONDS = 120


async def resume(url: str, token: str, conversation: str, seen: int, missed: int) -> tuple[float, int, bool]:
    """Seconds until the guest holds all it missed; how many events came; whether in order, once each."""
    started = time.perf_counter()
    async with websockets.connect(url, origin=ORIGIN, proxy=None, open_timeout=DEADLINE_SECONDS,
                                  max_size=None) as ws:
        await ws.send(json.dumps({"type": "request", "id": "h", "action": "hello", "data": {"token": token}}))
        await ws.send(json.dumps({"type": "request", "id": "s", "action": "conversation.subscribe",
                                  "data": {"conversation": conversation, "after_seq": seen}}))
        seqs = []
        while len(seqs) < missed:
            frame = json.loads(await ws.recv())
            if frame["type"] == "request":
                await ws.send(json.dumps({"type": "response", "id": frame["id"], "ok": True, "data": {}}))
            elif frame["type"] == "response" and not frame["ok"]:
                raise RuntimeError(frame["error"])
            elif frame["type"] == "event" and "seq" in frame["data"] and "created_at" in frame["data"]:
                seqs.append(frame["data"]["seq"])
        elapsed = time.perf_counter() - started
    return elapsed, len(seqs), seqs == list(range(seen + 1, seen + missed + 1))


async def bare_connect(url: str) -> float:
    started = time.perf_counter()
    async with websockets.connect(url, origin=ORIGIN, proxy=None, open_timeout=DEADLINE_SECONDS):
        return time.perf_counter() - started


def summary(name: str, durations: list[float], wall: float, extra: str) -> str:
    ordered = sorted(durations)
    p = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return (f"| {name} | {len(durations)} | {wall:.2f} | {statistics.median(ordered):.2f} | {p(0.99):.2f} | "
            f"{max(ordered):.2f} | {extra} |")


async def run(guests: int, missed: int) -> str:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    with BenchEnvironment() as env:
        rooms = env.seed_rooms(guests)
        seen = json.loads(subprocess.run([sys.executable, "-m", "bench.missed", str(missed)], cwd=BASE_DIR,
                                         env=env._ours_env(), check=True, stdout=subprocess.PIPE).stdout)
        ours = env.ours()
        url = f"{ours.ws_url}/ws/guest/"
        started = time.perf_counter()
        results = await asyncio.gather(*(
            resume(url, room["guest_token"], room["conversation"], seen[room["conversation"]], missed)
            for room in rooms
        ), return_exceptions=True)
        ours_wall = time.perf_counter() - started
        env.stop(ours)
        failures = [r for r in results if isinstance(r, BaseException)]
        done = [r for r in results if not isinstance(r, BaseException)]
        exact = sum(1 for _, count, in_order in done if count == missed and in_order)

        bare = env.bare()
        started = time.perf_counter()
        bare_results = await asyncio.gather(*(bare_connect(f"{bare.ws_url}/ws/room/storm/") for _ in range(guests)),
                                            return_exceptions=True)
        bare_wall = time.perf_counter() - started
        bare_done = [r for r in bare_results if not isinstance(r, BaseException)]

    verdict = "meets" if ours_wall < 5 and exact == guests else "misses"
    return "\n".join([
        SECTION, "",
        f"`.venv/bin/python -m bench.resume_storm --guests {guests} --missed {missed}`, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores; one daphne process each, "
        "SQLite (WAL) and a private Redis; the clients are one asyncio process on the same machine.", "",
        "| server | sockets done | wall s (all) | p50 s | p99 s | max s | |",
        "|---|---:|---:|---:|---:|---:|---|",
        summary("ours: hello + resume", [r[0] for r in done], ours_wall,
                f"{exact} of {guests} got all {missed} missed messages once, in order; {len(failures)} failed"),
        summary("bare: connect only", bare_done, bare_wall, f"{guests - len(bare_done)} failed"),
        "",
        f"Ours {verdict} the target: {guests} guests resumed {guests * missed:,} missed messages in "
        f"{ours_wall:.2f} s (target under 5 s, every message once).",
        "Each replayed event is its own frame: 50 frames and a database page read per guest, all on the "
        "process's one database thread and event loop.", "",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--guests", type=int, default=1000)
    parser.add_argument("--missed", type=int, default=50)
    parser.add_argument("--write", action="store_true", help=f"replace the section '{SECTION}' of docs/benchmarks.md")
    args = parser.parse_args()
    text = asyncio.run(run(args.guests, args.missed))
    print(text)
    if args.write:
        replace_section(SECTION, text)


if __name__ == "__main__":
    main()
