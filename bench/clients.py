"""Lean WebSocket clients for the load generator: the product's protocol and the bare room.

Lean because one process drives thousands of sockets at thousands of frames a
second on a small shared machine: no per-event queues, one callback per
received chat message with the time it arrived.
"""
import asyncio
import itertools
import json
import time
from typing import Callable

import websockets

ORIGIN = "http://localhost"
# A connect storm against a busy two-core machine can take seconds per handshake.
OPEN_TIMEOUT = 30

OnMessage = Callable[[str, int], None]  # (body, perf_counter_ns at receipt)
OnResponse = Callable[[str, bool, str | None], None]  # (request id, ok, error reason)
OnEvent = Callable[[str, int], None]  # (event name, perf_counter_ns at receipt), for the other events


def ignore(*args) -> None:
    pass


async def open_websocket(url: str, cookie: str | None = None) -> websockets.ClientConnection:
    # proxy=None: websockets honours *_proxy variables by default; bench traffic stays on loopback.
    return await websockets.connect(url, origin=ORIGIN, proxy=None, open_timeout=OPEN_TIMEOUT, max_size=None,
                                    additional_headers={"Cookie": cookie} if cookie else None)


class ProtocolSocket:
    """A guest or staff socket of the product (docs/protocol.md): requests by id, heartbeats answered,
    responses to fire-and-forget requests, every message.new and any other event handed to callbacks."""

    def __init__(self, ws: websockets.ClientConnection, on_message: OnMessage, on_response: OnResponse,
                 on_event: OnEvent):
        self.ws = ws
        self.on_message = on_message
        self.on_response = on_response
        self.on_event = on_event
        self.ready = asyncio.get_running_loop().create_future()
        self.pending: dict[str, asyncio.Future] = {}
        self.request_ids = itertools.count(1)
        self.pings_answered = 0
        self.reader = asyncio.create_task(self._read())

    @classmethod
    async def open(cls, base_url: str, *, path: str = "guest", cookie: str | None = None,
                   on_message: OnMessage = ignore, on_response: OnResponse = ignore,
                   on_event: OnEvent = ignore) -> "ProtocolSocket":
        ws = await open_websocket(f"{base_url}/ws/{path}/", cookie)
        socket = cls(ws, on_message, on_response, on_event)
        try:
            await asyncio.wait_for(socket.ready, OPEN_TIMEOUT)
        except BaseException:
            await ws.close()
            raise
        return socket

    @property
    def closed(self) -> bool:
        return self.reader.done()

    async def _read(self) -> None:
        try:
            async for text in self.ws:
                received_ns = time.perf_counter_ns()
                frame = json.loads(text)
                kind = frame["type"]
                if kind == "event":
                    if frame["event"] == "message.new":
                        self.on_message(frame["data"]["body"], received_ns)
                    elif frame["event"] == "events.replay":
                        for event in frame["data"]["events"]:
                            if event["type"] == "message.new":
                                self.on_message(event["body"], received_ns)
                    elif frame["event"] == "connection.ready" and not self.ready.done():
                        self.ready.set_result(frame["data"])
                    else:
                        self.on_event(frame["event"], received_ns)
                elif kind == "response":
                    if frame["ok"] and "event" in frame["data"]:  # the sender's own message.new
                        self.on_message(frame["data"]["event"]["body"], received_ns)
                    future = self.pending.pop(frame["id"], None)
                    if future is not None:
                        future.set_result(frame)
                    else:
                        self.on_response(frame["id"], frame["ok"], None if frame["ok"] else frame["error"]["reason"])
                elif kind == "request" and frame["action"] == "ping":
                    await self.ws.send(json.dumps({"type": "response", "id": frame["id"], "ok": True, "data": {}}))
                    self.pings_answered += 1
        except websockets.ConnectionClosed:
            pass
        finally:
            closed = ConnectionError(f"socket closed with {self.ws.close_code}")
            for future in [self.ready, *self.pending.values()]:
                if not future.done():
                    future.set_exception(closed)

    async def request(self, action: str, data: dict, timeout: float = OPEN_TIMEOUT) -> dict:
        """Send a request and return the data of its successful response."""
        request_id = f"c{next(self.request_ids)}"
        future = asyncio.get_running_loop().create_future()
        self.pending[request_id] = future
        await self._send(request_id, action, data)
        frame = await asyncio.wait_for(future, timeout)
        if not frame["ok"]:
            raise RuntimeError(f"{action} failed: {frame['error']}")
        return frame["data"]

    async def send_message(self, request_id: str, conversation: str, body: str) -> None:
        """message.send without waiting; its response goes to on_response."""
        await self._send(request_id, "message.send",
                         {"conversation": conversation, "body": body, "client_msg_id": request_id})

    async def _send(self, request_id: str, action: str, data: dict) -> None:
        await self.ws.send(json.dumps({"type": "request", "id": request_id, "action": action, "data": data}))

    async def close(self) -> None:
        await self.ws.close()
        await self.reader


class RoomSocket:
    """A socket of the bare tutorial consumer: `{"message": ...}` both ways."""

    def __init__(self, ws: websockets.ClientConnection, on_message: OnMessage):
        self.ws = ws
        self.on_message = on_message
        self.reader = asyncio.create_task(self._read())

    @classmethod
    async def open(cls, base_url: str, room: str, on_message: OnMessage = ignore) -> "RoomSocket":
        return cls(await open_websocket(f"{base_url}/ws/room/{room}/"), on_message)

    @property
    def closed(self) -> bool:
        return self.reader.done()

    async def _read(self) -> None:
        try:
            async for text in self.ws:
                received_ns = time.perf_counter_ns()
                self.on_message(json.loads(text)["message"], received_ns)
        except websockets.ConnectionClosed:
            pass

    async def send_message(self, body: str) -> None:
        await self.ws.send(json.dumps({"message": body}))

    async def close(self) -> None:
        await self.ws.close()
        await self.reader
