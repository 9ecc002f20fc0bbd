"""Reservation updates end to end: real daphne, Redis and a Celery worker; the
API over HTTP, guests on their sockets and on Server-Sent Events."""
import asyncio
import json
import time
import urllib.error
import urllib.request

import pytest

from queueing.models import Queue
from queueing.tasks import expire_quiet_and_overdue_reservations
from tests.chat.client import ChatClient
from tests.processes import CeleryWorker

pytestmark = pytest.mark.django_db(transaction=True)

# Long enough for an update that is coming to arrive; an update that must not
# come has had the same time to show up.
SETTLE_SECONDS = 1.5


@pytest.fixture
def queues(transactional_db):
    return {
        "support": Queue.objects.create(name="support", display_name="Support", idle_timeout_seconds=2),
        "sales": Queue.objects.create(name="sales", display_name="Sales"),
    }


def call_api(server, method: str, path: str, guest_token: str, body: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(
        server.http_url + path, method=method, data=json.dumps(body or {}).encode(),
        headers={"Authorization": f"Guest {guest_token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


class Customer:
    """A guest with a socket, in line through the API."""

    def __init__(self, server, socket: ChatClient, token: str):
        self.server, self.socket, self.token = server, socket, token
        self.reservation: dict = {}

    @classmethod
    async def join(cls, server, queue: str) -> "Customer":
        socket = await ChatClient.connect(f"{server.ws_url}/ws/guest/")
        await socket.next_event("connection.ready")
        customer = cls(server, socket, (await socket.ok("hello"))["guest"]["token"])
        status, customer.reservation = await customer.api("POST", "/api/v1/reservations/", {"queue": queue})
        assert status == 201, customer.reservation
        joined = await customer.update()
        assert joined["id"] == customer.reservation["id"] and joined["status"] == "queued"
        return customer

    async def api(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        return await asyncio.to_thread(call_api, self.server, method, path, self.token, body)

    async def update(self, event: str = "reservation.updated", timeout: float = 10) -> dict:
        return (await self.socket.next_event(event, timeout))["data"]

    async def nothing_more(self) -> list[dict]:
        await asyncio.sleep(0)
        return [frame for frame in self.socket.drain_events() if frame["event"].startswith("reservation.")]


class EventStream:
    """A minimal SSE client over HTTP/1.0, so the body is the raw stream."""

    def __init__(self, reader, writer):
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, server, public_id: str, last_event_id: int | None = None) -> tuple["EventStream", dict]:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        resume = f"Last-Event-ID: {last_event_id}\r\n" if last_event_id is not None else ""
        writer.write(f"GET /events/reservations/{public_id}/ HTTP/1.0\r\nHost: 127.0.0.1\r\n{resume}\r\n".encode())
        headers = (await reader.readuntil(b"\r\n\r\n")).decode().lower()
        return cls(reader, writer), headers

    async def next_block(self, timeout: float = 10) -> dict:
        """The next SSE block as its fields; a comment block as {"comment": ...}."""
        raw = (await asyncio.wait_for(self.reader.readuntil(b"\n\n"), timeout)).decode()
        fields = {}
        for line in raw.strip("\n").split("\n"):
            name, _, value = line.partition(":")
            fields[name or "comment"] = value.strip()
        return fields

    async def next_event(self, timeout: float = 10) -> dict:
        while "event" not in (block := await self.next_block(timeout)):
            pass
        return block

    def close(self):
        self.writer.close()


async def test_position_updates_reach_exactly_the_guests_behind(start_daphne, queues):
    server = start_daphne()
    first, leaving, third, fourth = [await Customer.join(server, "support") for _ in range(4)]
    elsewhere = await Customer.join(server, "sales")
    assert [c.reservation["queue_position"] for c in (first, leaving, third, fourth)] == [1, 2, 3, 4]

    status, _ = await leaving.api("POST", f"/api/v1/reservations/{leaving.reservation['id']}/cancel/")
    assert status == 200

    assert (await leaving.update())["status"] == "canceled"
    third_now, fourth_now = await third.update(), await fourth.update()
    assert (third_now["queue_position"], fourth_now["queue_position"]) == (2, 3)
    # No history in this queue: no estimate (seed 004).
    assert third_now["estimated_wait_until"] is None and fourth_now["estimated_wait_until"] is None
    await asyncio.sleep(SETTLE_SECONDS)
    for customer in (first, leaving, third, fourth, elsewhere):
        assert await customer.nothing_more() == []
        await customer.socket.close()


async def test_sse_stream_gets_the_same_update_as_the_socket_and_resumes(start_daphne, queues):
    server = start_daphne(QUEUE_SSE_KEEPALIVE_SECONDS=0.5)
    ahead = await Customer.join(server, "support")
    customer = await Customer.join(server, "support")
    public_id = customer.reservation["id"]
    stream, headers = await EventStream.open(server, public_id)
    assert "200" in headers.splitlines()[0] and "content-type: text/event-stream" in headers
    current = await stream.next_event()
    assert current["event"] == "reservation.updated" and json.loads(current["data"])["queue_position"] == 2

    await ahead.api("POST", f"/api/v1/reservations/{ahead.reservation['id']}/cancel/")

    on_socket, on_stream = await customer.update(), await stream.next_event()
    assert json.loads(on_stream["data"]) == on_socket and on_socket["queue_position"] == 1
    assert int(on_stream["id"]) == on_socket["version"]
    assert (await stream.next_block())["comment"] == "keep-alive"
    stream.close()

    # A browser reconnecting with the newest id it has is not sent it again...
    resumed, _ = await EventStream.open(server, public_id, last_event_id=on_socket["version"])
    assert "event" not in await resumed.next_block()
    resumed.close()
    # ...and one that missed updates gets the current state at once.
    behind, _ = await EventStream.open(server, public_id, last_event_id=on_socket["version"] - 1)
    assert json.loads((await behind.next_event())["data"]) == on_socket
    behind.close()
    for c in (ahead, customer):
        await c.socket.close()


async def test_sse_for_an_unknown_reservation_is_404(start_daphne, queues):
    server = start_daphne()
    status, _ = await asyncio.to_thread(server.get, "/events/reservations/00000000-0000-4000-8000-000000000000/")
    assert status == 404


async def test_a_quiet_guest_is_warned_then_expired_with_the_reason_by_the_worker(start_daphne, queues, tmp_path):
    server = start_daphne()
    # The queue's idle timeout is 2 s; a 1 s warning lead warns after 1 s quiet.
    worker = await asyncio.to_thread(CeleryWorker, tmp_path, QUEUE_IDLE_WARNING_SECONDS=1)
    try:
        quiet = await Customer.join(server, "support")
        behind = await Customer.join(server, "support")
        started = time.monotonic()
        await behind.api("POST", f"/api/v1/reservations/{behind.reservation['id']}/seen/")

        await asyncio.sleep(max(0.0, started + 1.2 - time.monotonic()))
        await asyncio.to_thread(expire_quiet_and_overdue_reservations.delay)
        warning = await quiet.update("reservation.idle_warning")
        assert warning["id"] == quiet.reservation["id"]

        await asyncio.sleep(max(0.0, started + 2.2 - time.monotonic()))
        await behind.api("POST", f"/api/v1/reservations/{behind.reservation['id']}/seen/")
        await asyncio.to_thread(expire_quiet_and_overdue_reservations.delay)
        expired = await quiet.update()
        assert (expired["status"], expired["expire_reason"]) == ("expired", "idle")
        assert (await behind.update())["queue_position"] == 1

        status, rejoined = await quiet.api("POST", f"/api/v1/reservations/{quiet.reservation['id']}/rejoin/")
        assert status == 200 and rejoined["queue_position"] == 1
        for customer in (quiet, behind):
            await customer.socket.close()
    finally:
        await asyncio.to_thread(worker.stop)
