from django.urls import path

from chat.consumers import GuestConsumer, StaffConsumer

websocket_urlpatterns = [
    path("ws/guest/", GuestConsumer.as_asgi()),
    path("ws/staff/", StaffConsumer.as_asgi()),
]
