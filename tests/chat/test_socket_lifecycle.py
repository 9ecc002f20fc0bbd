"""Seed 002's connection lifecycle, against real daphne processes and Redis."""
import asyncio
import json
import signal

import pytest
import websockets
from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model

from tests.chat.client import ChatClient
from tests.conftest import staff_cookie

pytestmark = pytest.mark.django_db(transaction=True)


async def guest(server, **kwargs) -> ChatClient:
    client = await ChatClient.connect(f"{server.ws_url}/ws/guest/", **kwargs)
    await client.next_event("connection.ready")
    return client


async def wait_for_metric(server, name: str, expected: float, timeout: float = 10) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while (value := await asyncio.to_thread(server.metric, name)) != expected:
        assert loop.time() < deadline, f"{name} is {value}, expected {expected}"
        await asyncio.sleep(0.1)


async def test_connection_over_the_limit_is_closed_with_4013_and_counted(start_daphne):
    server = start_daphne(CHAT_MAX_CONNECTIONS=3)
    clients = [await guest(server) for _ in range(3)]
    refused = await ChatClient.connect(f"{server.ws_url}/ws/guest/")
    assert await refused.close_code() == 4013
    await wait_for_metric(server, "chat_connections_open", 3)
    assert server.metric("chat_connections_total") == 4
    for client in clients:
        await client.close()
    await wait_for_metric(server, "chat_connections_open", 0)


async def test_silent_socket_is_closed_with_3334_while_an_answering_one_stays(start_daphne):
    server = start_daphne(CHAT_HEARTBEAT_SECONDS=0.5)
    silent = await guest(server, answer_pings=False)
    answering = await guest(server)
    assert await silent.close_code(timeout=5) == 3334
    assert not answering.closed.done()
    assert answering.pings_answered >= 1
    await answering.close()
    await wait_for_metric(server, "chat_connections_open", 0)


async def test_sigterm_drains_every_socket_with_3333_then_exits(start_daphne):
    server = start_daphne()
    clients = [await guest(server) for _ in range(5)]
    server.signal(signal.SIGTERM)
    codes = await asyncio.gather(*(client.close_code() for client in clients))
    assert codes == [3333] * 5
    assert await asyncio.to_thread(server.wait) == 0
    assert "draining 5 sockets" in server.output()


async def test_frame_over_the_size_limit_closes_with_4009(start_daphne):
    server = start_daphne(CHAT_MAX_FRAME_BYTES=1024)
    client = await guest(server)
    await client.send_raw(json.dumps({"type": "request", "id": "c1", "action": "hello", "data": {"x": "a" * 2000}}))
    assert await client.close_code() == 4009


async def test_counters_are_exact_after_a_storm_of_every_close_path(start_daphne):
    server = start_daphne(CHAT_MAX_CONNECTIONS=12, CHAT_HEARTBEAT_SECONDS=0.5, CHAT_MAX_FRAME_BYTES=1024)
    kept = [await guest(server) for _ in range(4)]
    client_closed = [await guest(server) for _ in range(2)]
    too_big = [await guest(server) for _ in range(2)]
    silent = [await guest(server, answer_pings=False) for _ in range(2)]
    dropped = [await guest(server) for _ in range(2)]
    over_limit = [await ChatClient.connect(f"{server.ws_url}/ws/guest/") for _ in range(2)]

    for client in client_closed:
        await client.close()
    for client in too_big:
        await client.send_raw("x" * 2000)
    for client in dropped:
        client.ws.transport.abort()  # TCP gone, no close frame
    codes = await asyncio.gather(*(c.close_code() for c in too_big + silent + over_limit))
    assert codes == [4009, 4009, 3334, 3334, 4013, 4013]

    await wait_for_metric(server, "chat_connections_open", len(kept))
    assert server.metric("chat_connections_total") == 14
    for client in kept:
        assert not client.closed.done()
        await client.close()
    await wait_for_metric(server, "chat_connections_open", 0)


async def test_origin_outside_the_allowed_list_is_refused(start_daphne):
    server = start_daphne()
    with pytest.raises(websockets.InvalidStatus) as refused:
        await websockets.connect(f"{server.ws_url}/ws/guest/", origin="http://evil.example")
    assert refused.value.response.status_code == 403


async def test_staff_socket_without_a_staff_session_is_closed_with_4001(start_daphne, support_queue):
    server = start_daphne()
    url = f"{server.ws_url}/ws/staff/"
    assert await (await ChatClient.connect(url)).close_code() == 4001
    assert await (await ChatClient.connect(url, cookie="sessionid=forged")).close_code() == 4001

    cookie = await sync_to_async(staff_cookie)("sam", support_queue)
    staff = await ChatClient.connect(url, cookie=cookie)
    await staff.ok("hello")
    await sync_to_async(change_password)("sam")
    # As in Django's views, a password change ends the sessions made before it.
    assert await (await ChatClient.connect(url, cookie=cookie)).close_code() == 4001


def change_password(username: str) -> None:
    user = get_user_model().objects.get(username=username)
    user.set_password("another-pw")
    user.save()


async def test_bad_frames_are_answered_and_never_close_the_socket(start_daphne):
    server = start_daphne()
    client = await guest(server)
    for raw in ["not json", "[1, 2]", '{"type": "shout", "id": "x"}', '{"type": "request"}',
                '{"type": "request", "id": 7, "action": "hello"}']:
        await client.send_raw(raw)
    await client.send_raw(b"\x00binary")
    await client.send_raw('{"type": "response", "id": "S999", "ok": true, "data": {}}')  # logged, dropped
    await client.send_raw('{"type": "request", "id": "r1", "action": "hello", "data": []}')
    unknown = await client.request("no.such.action")
    before_hello = await client.request("message.send", {"conversation": "x", "body": "hi"})
    await client.ok("hello")
    wrong_type = await client.request("message.send", {"conversation": 5, "body": "hi"})
    missing = await client.request("message.send", {"body": "hi"})

    assert [frame["error"]["reason"] for frame in client.error_frames] == ["invalid"] * 7
    assert unknown["error"]["reason"] == "invalid"
    assert before_hello["error"]["reason"] == "forbidden"
    assert wrong_type["error"] == {"reason": "invalid", "detail": "'conversation' must be of type str"}
    assert missing["error"] == {"reason": "invalid", "detail": "'conversation' is required"}
    assert not client.closed.done()
    await client.close()


async def test_requests_beyond_the_rate_limit_answer_rate_limited(start_daphne):
    server = start_daphne(CHAT_RATE_BURST=5, CHAT_RATE_PER_SECOND=1)
    client = await guest(server)
    answers = [await client.request("no.such.action") for _ in range(7)]
    reasons = [answer["error"]["reason"] for answer in answers]
    assert reasons[:5] == ["invalid"] * 5
    assert "rate_limited" in reasons[5:]
    await client.close()
