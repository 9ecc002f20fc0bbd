"""The staff console in the Django admin, in headless Chromium, with a guest on a real socket."""
import asyncio
import json
import threading

import pytest
import websockets
from playwright.sync_api import expect

from tests.browser.conftest import log_in, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


class GuestSocket:
    """A guest on the product's socket, driven from this thread (Playwright owns its loop)."""

    def __init__(self, url: str):
        self.url = url
        self.frames: list[dict] = []
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()

    def run(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=30)

    async def _open(self):
        self.ws = await websockets.connect(self.url, origin="http://localhost")
        self.count = 0

    async def _request(self, action, data):
        self.count += 1
        request_id = f"g{self.count}"
        await self.ws.send(json.dumps({"type": "request", "id": request_id, "action": action, "data": data}))
        while True:
            frame = json.loads(await self.ws.recv())
            if frame["type"] == "request":  # heartbeat
                await self.ws.send(json.dumps({"type": "response", "id": frame["id"], "ok": True, "data": {}}))
            elif frame.get("id") == request_id:
                return frame["data"]
            else:
                self.frames.append(frame)

    async def _events_until(self, name, timeout=15):
        while not any(f.get("event") == name for f in self.frames):
            frame = json.loads(await asyncio.wait_for(self.ws.recv(), timeout))
            if frame["type"] == "request":
                await self.ws.send(json.dumps({"type": "response", "id": frame["id"], "ok": True, "data": {}}))
            else:
                self.frames.append(frame)
        return [f for f in self.frames if f.get("type") == "event" and "created_at" in f["data"]]  # stored ones

    def open(self):
        self.run(self._open())

    def request(self, action, data=None):
        return self.run(self._request(action, data or {}))

    def stored_events_until(self, name):
        return self.run(self._events_until(name))

    def close(self):
        self.run(self.ws.close())
        self.loop.call_soon_threadsafe(self.loop.stop)


def test_an_agent_goes_available_accepts_chats_and_ends_the_chat(browser, product, agent_user):
    guest = GuestSocket(f"ws://localhost:{product.port}/ws/guest/")
    guest.open()
    guest.request("hello")
    conversation = guest.request("conversation.start", {"queue": "support"})["conversation"]
    guest.request("message.send", {"conversation": conversation, "body": "My parcel never came"})
    guest.request("conversation.escalate", {"conversation": conversation})

    console = browser.new_context(viewport={"width": 1200, "height": 800}).new_page()
    console.on("dialog", lambda dialog: dialog.accept())
    log_in(console, product.url, "alex")
    console.goto(f"{product.url}/admin/chat/conversation/console/")
    expect(console.locator("#console-connection")).to_have_text("Online")
    console.select_option("#agent-status", "available")
    expect(console.locator("#offers")).to_contain_text("a customer waiting")
    console.get_by_role("button", name="Accept").click()
    expect(console.locator("#chat-log")).to_contain_text("My parcel never came")
    expect(console.locator("#chat-presence")).to_have_text("Customer online")

    console.fill("#chat-input", "Let me check that for you")
    console.press("#chat-input", "Enter")
    guest.request("message.send", {"conversation": conversation, "body": "Thank you"})
    expect(console.locator("#chat-log")).to_contain_text("Thank you")
    screenshot(console, "console-chat")
    console.get_by_role("button", name="End chat").click()
    expect(console.locator("#chat-log")).to_contain_text("The chat ended")

    events = guest.stored_events_until("survey.offered")
    names = [f["event"] for f in events]
    assert "Let me check that for you" in [f["data"]["body"] for f in events]
    assert names[-3:] == ["message.new", "chat.ended", "survey.offered"]
    assert events[-2]["data"]["data"]["ended_by"] == "staff"
    guest.close()
