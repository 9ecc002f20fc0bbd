"""What the guests of the connect storm with history replay do (scenario 3 of
`python -m bench`, run by bench/storm.py).

Ours: each guest opens a socket, says hello with its token and subscribes
after the last seq it saw; the clock stops for a guest when it holds every
missed message exactly once, in order. Bare: a socket of the tutorial
consumer connects, with nothing to replay.

`python -m bench.resume_storm` is `python -m bench --only resume`.
"""
import json
import sys
import time

import websockets

from bench.clients import ORIGIN

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
            elif frame["type"] == "event" and frame["event"] == "events.replay":
                seqs.extend(event["seq"] for event in frame["data"]["events"])
            elif frame["type"] == "event" and "seq" in frame["data"] and "created_at" in frame["data"]:
                seqs.append(frame["data"]["seq"])
        elapsed = time.perf_counter() - started
    return elapsed, len(seqs), seqs == list(range(seen + 1, seen + missed + 1))


async def bare_connect(url: str) -> float:
    started = time.perf_counter()
    async with websockets.connect(url, origin=ORIGIN, proxy=None, open_timeout=DEADLINE_SECONDS):
        return time.perf_counter() - started


if __name__ == "__main__":
    from bench.__main__ import main

    main(["--only", "resume", *sys.argv[1:]])
