"""The sockets of the queue scenario (bench/queue_tick.py): waiting customers
of ours, and when each socket, ours or bare, got its message of a step."""
import asyncio
import time
from typing import Callable

from bench.clients import ProtocolSocket

# After the worker has sent everything, a socket still without its message after this long is not getting one.
QUIET_SECONDS = 5


async def open_waiting_customer(base_url: str, token: str, on_update: Callable[[int], None]) -> ProtocolSocket:
    """A waiting customer's guest socket: says hello with its token, answers
    heartbeats, and reports when each `reservation.updated` arrives."""

    def on_event(name: str, received_ns: int) -> None:
        if name == "reservation.updated":
            on_update(received_ns)

    customer = await ProtocolSocket.open(base_url, on_event=on_event)
    try:
        await customer.request("hello", {"token": token})
    except BaseException:
        await customer.close()
        raise
    return customer


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
