"""One-to-one rooms for the load: a sender socket and a receiver socket each."""
import asyncio
from dataclasses import dataclass
from typing import Awaitable, Callable

from bench.clients import OnMessage, OnResponse, ProtocolSocket, RoomSocket

# Handshakes in flight at once while rooms are set up: well under Twisted's
# default listen backlog of 50, which plain daphne (the baseline) keeps.
OPEN_CONCURRENCY = 20


@dataclass
class ProductRoom:
    sender: ProtocolSocket
    receiver: ProtocolSocket
    conversation: str

    async def send(self, request_id: str, body: str) -> None:
        await self.sender.send_message(request_id, self.conversation, body)

    def sockets(self) -> list[ProtocolSocket]:
        return [self.sender, self.receiver]


@dataclass
class BareRoom:
    sender: RoomSocket
    receiver: RoomSocket

    async def send(self, request_id: str, body: str) -> None:
        await self.sender.send_message(body)

    def sockets(self) -> list[RoomSocket]:
        return [self.sender, self.receiver]


async def open_product_room(guest_url: str, staff_url: str, seeded: dict, on_message: OnMessage,
                            on_response: OnResponse) -> ProductRoom:
    """The guest of a seeded conversation sends; the socket of the staff member assigned to it receives
    (on another process when the URLs differ). Both are subscribed, so both get every message.new, as both
    sockets of a bare room do: the guest its own inside the answers to its sends."""
    conversation = seeded["conversation"]
    sender = await ProtocolSocket.open(guest_url, on_response=on_response)
    await sender.request("hello", {"token": seeded["guest_token"]})
    await sender.request("conversation.subscribe", {"conversation": conversation})
    receiver = await ProtocolSocket.open(staff_url, path="staff", cookie=seeded["staff_cookie"], on_message=on_message)
    await receiver.request("hello", {})
    await receiver.request("conversation.subscribe", {"conversation": conversation})
    return ProductRoom(sender, receiver, conversation)


async def open_bare_room(sender_url: str, receiver_url: str, room: str, on_message: OnMessage) -> BareRoom:
    # The tutorial consumer joins the room's group before it accepts: once open, the receiver is in.
    sender = await RoomSocket.open(sender_url, room)
    receiver = await RoomSocket.open(receiver_url, room, on_message)
    return BareRoom(sender, receiver)


async def open_concurrently(openers: list[Callable[[], Awaitable]]) -> list:
    gate = asyncio.Semaphore(OPEN_CONCURRENCY)

    async def one(opener):
        async with gate:
            return await opener()

    return await asyncio.gather(*(one(opener) for opener in openers))


async def close_all(sockets: list) -> None:
    gate = asyncio.Semaphore(100)

    async def one(socket):
        async with gate:
            await socket.close()

    await asyncio.gather(*(one(socket) for socket in sockets), return_exceptions=True)
