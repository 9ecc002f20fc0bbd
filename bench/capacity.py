"""Idle sockets held open on one process, and what each costs in resident memory."""
import asyncio
from collections import Counter
from dataclasses import dataclass
from typing import Awaitable, Callable

from bench.clients import ProtocolSocket, RoomSocket
from bench.rooms import OPEN_CONCURRENCY, close_all
from bench.servers import Server

# Opened and kept before the baseline is read, so one-time costs of the first
# connections (lazy imports, thread pools, caches) are not charged per socket.
WARM_SOCKETS = 20


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
