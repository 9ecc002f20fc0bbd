"""Idle sockets held open on one process, and what each costs in resident memory
(scenario 1 of `python -m bench`, sized by the plan of bench/chat_load.py)."""
import asyncio
import sys
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Awaitable, Callable

from bench.clients import ProtocolSocket, RoomSocket
from bench.report import TargetRow, number, ratio
from bench.rooms import OPEN_CONCURRENCY, close_all
from bench.servers import BenchEnvironment, Server

if TYPE_CHECKING:
    from bench.chat_load import Plan

# Opened and kept before the baseline is read, so one-time costs of the first
# connections (lazy imports, thread pools, caches) are not charged per socket.
WARM_SOCKETS = 20
# The bare consumer has no heartbeat: its idle sockets need only settle.
BARE_HOLD_SECONDS = 3
TARGET_KB_PER_SOCKET = 50


@dataclass
class MemoryPoint:
    target: int
    open: int  # sockets beyond the warm ones still open when RSS was read
    failed: Counter  # sockets that could not be opened or greeted, by error
    closed: Counter  # sockets the server closed while held, by close code
    rss_kb: int
    baseline_kb: int
    pings_answered: int

    @property
    def per_socket_kb(self) -> float | None:
        return (self.rss_kb - self.baseline_kb) / self.open if self.open else None


async def open_idle_guest(base_url: str, index: int) -> ProtocolSocket:
    socket = await ProtocolSocket.open(base_url)
    await socket.request("hello", {})
    return socket


async def open_idle_room(base_url: str, index: int) -> RoomSocket:
    return await RoomSocket.open(base_url, f"idle{index}")


OpenSocket = Callable[[str, int], Awaitable[ProtocolSocket | RoomSocket]]


async def idle_memory(server: Server, open_socket: OpenSocket, levels: list[int],
                      hold_seconds: float) -> list[MemoryPoint]:
    """RSS with `level` more idle sockets than a warm baseline, for each level in turn,
    each held `hold_seconds` before RSS is read."""
    gate = asyncio.Semaphore(OPEN_CONCURRENCY)
    sockets: list = []
    failed: Counter = Counter()

    async def open_one(index: int) -> None:
        async with gate:
            try:
                sockets.append(await open_socket(server.ws_url, index))
            except Exception as error:
                failed[str(error)[:80]] += 1

    async def open_up_to(count: int) -> None:
        await asyncio.gather(*(open_one(index) for index in range(len(sockets) + sum(failed.values()), count)))

    def still_open() -> list:
        return [socket for socket in sockets if not socket.closed]

    try:
        await open_up_to(WARM_SOCKETS)
        await asyncio.sleep(hold_seconds)
        warm, baseline_kb = len(still_open()), server.rss_kb()
        points = []
        for level in levels:
            await open_up_to(WARM_SOCKETS + level)
            await asyncio.sleep(hold_seconds)
            points.append(MemoryPoint(
                target=level, open=len(still_open()) - warm, failed=failed.copy(),
                closed=Counter(socket.ws.close_code for socket in sockets if socket.closed),
                rss_kb=server.rss_kb(), baseline_kb=baseline_kb,
                pings_answered=sum(getattr(socket, "pings_answered", 0) for socket in sockets),
            ))
        return points
    finally:
        await close_all(sockets)


async def idle_figures(env: BenchEnvironment, name: str, plan: "Plan") -> list[MemoryPoint]:
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


@dataclass
class IdleSockets:
    plan: "Plan"
    bare: list[MemoryPoint]
    ours: list[MemoryPoint]

    def targets(self) -> list[TargetRow]:
        ours, bare = self.ours[-1], self.bare[-1]
        return [TargetRow(
            target=f"at most {TARGET_KB_PER_SOCKET} KB per idle guest socket, heartbeats on",
            measured=f"{number(ours.per_socket_kb)} KB, {ours.open:,} of {ours.target:,} sockets held",
            bare=f"{number(bare.per_socket_kb)} KB", ratio=ratio(ours.per_socket_kb, bare.per_socket_kb),
            met=ours.per_socket_kb is not None and ours.per_socket_kb <= TARGET_KB_PER_SOCKET
            and ours.open == ours.target,
        )]

    def section(self) -> str:
        return "\n".join([
            "### 1. Idle sockets on one process (bench/capacity.py)",
            "",
            "Ours: guests that say hello and are then held "
            f"{self.plan.idle_hold_seconds:g} s (answering heartbeats) before RSS is read; bare: sockets of rooms "
            f"of their own, held {BARE_HOLD_SECONDS} s (it has no heartbeat). KB per socket is the RSS growth "
            f"(VmRSS) over a baseline with {WARM_SOCKETS} sockets open, divided by the sockets added and still open.",
            "",
            *memory_table({"bare": self.bare, "ours": self.ours}),
        ])


def memory_table(servers: dict[str, list[MemoryPoint]]) -> list[str]:
    lines = [
        "| server | idle sockets open | RSS MB | KB per socket | KB per socket, this step only "
        "| failed to open | closed by the server | heartbeats answered |",
        "|---|---:|---:|---:|---:|---|---|---:|",
    ]
    for name, points in servers.items():
        previous = None
        for point in points:
            marginal = (None if previous is None or point.open == previous.open
                        else (point.rss_kb - previous.rss_kb) / (point.open - previous.open))
            lines.append(
                f"| {name} | {point.open:,} of {point.target:,} | {point.rss_kb / 1024:,.1f} "
                f"| {number(point.per_socket_kb)} | {number(marginal)} | {counts(point.failed)} | "
                f"{counts(point.closed, 'code ')} | {point.pings_answered:,} |"
            )
            previous = point
    return lines


def counts(counter: Counter, prefix: str = "") -> str:
    return ", ".join(f"{count} × {prefix}{key}" for key, count in counter.most_common()) or "0"


async def measure(plan: "Plan") -> IdleSockets:
    with BenchEnvironment() as env:
        ours = await idle_figures(env, "ours", plan)
        bare = await idle_figures(env, "bare", plan)
    return IdleSockets(plan, bare, ours)
