"""The baseline: the Channels tutorial's chat consumer and nothing else.

One room per URL, every received text is group_sent to the room through the
same Redis channel layer as the product, nothing is stored, no auth, no
protocol. Served by plain daphne:

    REDIS_URL=redis://127.0.0.1:6379/0 daphne bench.bare_app:application
"""
import json
import os

import django
from django.conf import settings

if not settings.configured:
    settings.configure(
        CHANNEL_LAYERS={
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                "CONFIG": {
                    "hosts": [{"address": os.environ["REDIS_URL"]}],
                    "prefix": os.environ.get("CHANNEL_LAYER_PREFIX", "bench-bare"),
                    # As in contactcenter/settings.py, so both face the same layer limits.
                    "capacity": 1000,
                },
            },
        },
    )
    django.setup()

from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402


class RoomConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        self.room_group = f"room.{self.scope['url_route']['kwargs']['room']}"
        await self.channel_layer.group_add(self.room_group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        await self.channel_layer.group_discard(self.room_group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        message = json.loads(text_data)["message"]
        await self.channel_layer.group_send(self.room_group, {"type": "room.message", "message": message})

    async def room_message(self, event):
        await self.send(text_data=json.dumps({"message": event["message"]}))


application = ProtocolTypeRouter({
    "websocket": URLRouter([path("ws/room/<str:room>/", RoomConsumer.as_asgi())]),
})
