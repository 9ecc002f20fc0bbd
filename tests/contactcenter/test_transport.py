"""The write-through transport of contactcenter.serve, on a real daphne process:
what the kernel does not take at once still goes out whole and in order."""
import asyncio
import json

import pytest
import websockets

from tests.chat.client import ORIGIN, ChatClient

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("support_queue")]

BODY = "x" * 3_900
MESSAGES = 100
# 60 pages of 100 events of about 4 KB: far more than the kernel buffers of a socket hold
HISTORY_REQUESTS = 60


async def test_frames_written_while_the_client_does_not_read_arrive_whole_and_in_order(start_daphne):
    server = start_daphne(CHAT_RATE_PER_SECOND=1000, CHAT_RATE_BURST=1000)
    guest = await ChatClient.connect(f"{server.ws_url}/ws/guest/")
    token = (await guest.ok("hello"))["guest"]["token"]
    conversation = (await guest.ok("conversation.start", {"queue": "support"}))["conversation"]
    for number in range(MESSAGES):
        await guest.ok("message.send", {"conversation": conversation, "body": f"{number:03d}{BODY}"})
    await guest.close()

    # websockets stops reading the socket once max_queue frames wait unread, so
    # the kernel buffers fill and the server's writes go partial.
    ws = await websockets.connect(f"{server.ws_url}/ws/guest/", origin=ORIGIN, max_size=None, max_queue=1)
    await ws.send(json.dumps({"type": "request", "id": "greeting", "action": "hello", "data": {"token": token}}))
    for number in range(HISTORY_REQUESTS):
        await ws.send(json.dumps({"type": "request", "id": f"page{number}", "action": "conversation.history",
                                  "data": {"conversation": conversation}}))
    await asyncio.sleep(2)

    pages = []
    while len(pages) < HISTORY_REQUESTS:
        frame = json.loads(await asyncio.wait_for(ws.recv(), 30))
        if frame["type"] == "response" and frame["id"].startswith("page"):
            pages.append(frame)
    await ws.close()

    assert [page["id"] for page in pages] == [f"page{number}" for number in range(HISTORY_REQUESTS)]
    newest = pages[0]["data"]["events"]
    guest_bodies = [event["body"] for event in newest if event["type"] == "message.new" and event["kind"] == "guest"]
    # The bot answers some of them: the page of the newest 100 events holds the newest half at least.
    assert len(guest_bodies) >= MESSAGES // 2
    assert guest_bodies == [f"{number:03d}{BODY}" for number in range(MESSAGES - len(guest_bodies), MESSAGES)]
    assert all(page["data"]["events"] == newest for page in pages)
