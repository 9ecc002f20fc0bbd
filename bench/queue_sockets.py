"""The sockets of the queue scenario (bench/queue_tick.py): waiting customers
of ours, and when each socket, ours or bare, got its message of a step."""
import asyncio
import json
import time
from typing import Callable

import websockets

from bench.clients import OPEN_TIMEOUT, open_websocket

# After the worker has sent everything, a socket still without its message after this long is not getting one.
QUIET_SECONDS = 5


class WaitingCustomer:
    """A waiting customer's guest socket: says hello with its token, answers
    heartbeats, and reports when each `reservation.updated` arrives."""

    def __init__(self, ws: websockets.ClientConnection, on_update: Callable[[int], None]):
        self.ws = ws
        self.on_update = on_update
        self.greeted = asyncio.get_running_loop().create_future()
        self.reader = asyncio.create_task(self._read())

    @classmethod
    async def open(cls, base_url: str, token: str, on_update: Callable[[int], None]) -> "WaitingCustomer":
        customer = cls(await open_websocket(f"{base_url}/ws/guest/"), on_update)
        try:
            await customer.ws.send(json.dumps({"type": "request", "id": "hello", "action": "hello",
                                               "data": {"token": token}}))
            await asyncio.wait_for(customer.greeted, OPEN_TIMEOUT)
        except BaseException:
            await customer.ws.close()
            raise
        return customer

    @property
    def closed(self) -> bool:
        return self.reader.done()

    async def _read(self) -> None:
        try:
            async for text in self.ws:
                received_ns = time.perf_counter_ns()
                frame = json.loads(text)
                if frame["type"] == "event" and frame["event"] == "reservation.updated":
                    self.on_update(received_ns)
                elif frame["type"] == "request":  # the heartbeat's ping
                    await self.ws.send(json.dumps({"type": "response", "id": frame["id"], "ok": True, "data": {}}))
                elif frame["type"] == "response" and frame["id"] == "hello" and not self.greeted.done():
                    if frame["ok"]:
                        self.greeted.set_result(None)
                    else:
                        self.greeted.set_exception(RuntimeError(f"hello failed: {frame['error']}"))
        except websockets.ConnectionClosed:
            pass
        finally:
            if not self.greeted.done():
                self.greeted.set_exception(ConnectionError(f"socket closed with {self.ws.close_code}"))

    async def close(self) -> None:
        await self.ws.close()
        await self.reader


class FanOut:
    """When each socket first got a message after the step under way began."""

    def __init__(self):
        self.started_ns = 0
        self.received_ns: dict[int, int] = {}

    def start(self) -> None:
        self.received_ns = {}
        self.started_ns = time.perf_counter_ns()

    def receive(self, socket_index: int, received_ns: int) -> None:
        self.received_ns.setdefault(socket_index, received_ns)

    async def settle(self, expected: int) -> None:
        """Until `expected` sockets have theirs, or none came for QUIET_SECONDS."""
        told, quiet_since = len(self.received_ns), time.monotonic()
        while len(self.received_ns) < expected and time.monotonic() - quiet_since < QUIET_SECONDS:
            await asyncio.sleep(0.05)
            if len(self.received_ns) > told:
                told, quiet_since = len(self.received_ns), time.monotonic()

    @property
    def last_ms(self) -> float | None:
        return (max(self.received_ns.values()) - self.started_ns) / 1e6 if self.received_ns else None
