"""A WebSocket client speaking the product's protocol, for end-to-end tests."""
import asyncio
import json

import websockets

ORIGIN = "http://localhost"


class ChatClient:
    def __init__(self, ws, answer_pings: bool):
        self.ws = ws
        self.answer_pings = answer_pings
        self.count = 0
        self.pending: dict[str, asyncio.Future] = {}
        self.events: asyncio.Queue = asyncio.Queue()
        self.error_frames: list[dict] = []
        self.pings_answered = 0
        self.replay_frames = 0  # events.replay frames, whose events are queued one by one
        self.events_in_answers = 0  # message.new events carried by answers to message.send, queued too
        self.closed = asyncio.get_running_loop().create_future()
        self.reader = asyncio.create_task(self._read())

    @classmethod
    async def connect(cls, url: str, *, origin: str = ORIGIN, cookie: str | None = None,
                      answer_pings: bool = True) -> "ChatClient":
        headers = {"Cookie": cookie} if cookie else None
        ws = await websockets.connect(url, origin=origin, additional_headers=headers, max_size=None)
        return cls(ws, answer_pings)

    async def _read(self):
        try:
            async for text in self.ws:
                frame = json.loads(text)
                if frame["type"] == "response" and frame.get("ok") and "event" in frame["data"]:
                    # As the widget takes it: the sender's own message.new, carried by the answer.
                    self.events_in_answers += 1
                    event = frame["data"]["event"]
                    await self.events.put({"type": "event", "event": event["type"], "data": event, "answer": frame["id"]})
                if frame["type"] == "response" and frame["id"] in self.pending:
                    self.pending.pop(frame["id"]).set_result(frame)
                elif frame["type"] == "request" and frame["action"] == "ping":
                    if self.answer_pings:
                        self.pings_answered += 1
                        await self.ws.send(json.dumps({"type": "response", "id": frame["id"], "ok": True, "data": {}}))
                elif frame["type"] == "event" and frame["event"] == "events.replay":
                    self.replay_frames += 1
                    for event in frame["data"]["events"]:
                        await self.events.put({"type": "event", "event": event["type"], "data": event})
                elif frame["type"] == "event":
                    await self.events.put(frame)
                else:
                    self.error_frames.append(frame)
        except websockets.ConnectionClosed:
            pass
        finally:
            self.closed.set_result(self.ws.close_code)

    async def request(self, action: str, data: dict | None = None, timeout: float = 10) -> dict:
        self.count += 1
        request_id = f"c{self.count}"
        future = asyncio.get_running_loop().create_future()
        self.pending[request_id] = future
        await self.ws.send(json.dumps({"type": "request", "id": request_id, "action": action, "data": data or {}}))
        return await asyncio.wait_for(future, timeout)

    async def ok(self, action: str, data: dict | None = None) -> dict:
        response = await self.request(action, data)
        assert response["ok"], response
        return response["data"]

    async def send_raw(self, text) -> None:
        await self.ws.send(text)

    async def next_event(self, name: str | None = None, timeout: float = 10) -> dict:
        while True:
            frame = await asyncio.wait_for(self.events.get(), timeout)
            if name is None or frame["event"] == name:
                return frame

    async def next_stored(self, timeout: float = 10) -> dict:
        """The next sequenced event's data, skipping ephemeral ones (typing, presence, reservation updates)."""
        while True:
            frame = await self.next_event(timeout=timeout)
            if "seq" in frame["data"]:
                return frame["data"]

    async def messages(self, count: int, timeout: float = 10) -> list[dict]:
        return [(await self.next_event("message.new", timeout))["data"] for _ in range(count)]

    def drain_events(self) -> list[dict]:
        frames = []
        while not self.events.empty():
            frames.append(self.events.get_nowait())
        return frames

    async def close_code(self, timeout: float = 10) -> int | None:
        return await asyncio.wait_for(asyncio.shield(self.closed), timeout)

    async def close(self) -> None:
        await self.ws.close()
        await self.reader
