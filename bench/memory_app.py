"""The ceiling: daphne with a consumer that forwards each message to the sockets
of its room in memory, with no channel layer, no database and no protocol.

What one daphne process can do at all on this machine; beside bare and ours in
bench/chat_load.py. Served by plain daphne:

    daphne bench.memory_app:application
"""
import json

import django
from django.conf import settings

if not settings.configured:
    settings.configure()
    django.setup()

from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402

ROOMS: dict[str, set] = {}


class MemoryRoomConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        self.room = self.scope["url_route"]["kwargs"]["room"]
        ROOMS.setdefault(self.room, set()).add(self)
        await self.accept()

    async def disconnect(self, code):
        ROOMS.get(self.room, set()).discard(self)

    async def receive(self, text_data=None, bytes_data=None):
        frame = json.dumps({"message": json.loads(text_data)["message"]})
        for consumer in list(ROOMS.get(self.room, ())):
            await consumer.send(text_data=frame)


application = ProtocolTypeRouter({
    "websocket": URLRouter([path("ws/room/<str:room>/", MemoryRoomConsumer.as_asgi())]),
})
