from django.urls import path

from chat.consumers import GuestConsumer, StaffConsumer
from chat.staff_auth import StaffSessionMiddleware

websocket_urlpatterns = [
    path("ws/guest/", GuestConsumer.as_asgi()),
    path("ws/staff/", StaffSessionMiddleware(StaffConsumer.as_asgi())),
]
