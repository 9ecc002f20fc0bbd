"""Who a staff socket belongs to: the Django session of its cookie, read once,
when the socket opens.

Channels' AuthMiddlewareStack does the same, but its session layer also
wraps every frame the socket sends, to save a session that a socket never
changes: a lazy-object lookup and two checks per frame, a twentieth of a
loaded process's time (bench: chat). Guest sockets carry no session at all:
a guest is who its signed token says (chat.services.guests).
"""
from importlib import import_module
from types import SimpleNamespace

from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from django.conf import settings
from django.contrib.auth import get_user
from django.http.cookie import parse_cookie


class StaffSessionMiddleware(BaseMiddleware):
    """Puts the session's user (or AnonymousUser) in scope["user"]."""

    async def __call__(self, scope, receive, send):
        cookies = parse_cookie("; ".join(
            value.decode("latin1") for name, value in scope.get("headers", ()) if name == b"cookie"
        ))
        user = await database_sync_to_async(session_user)(cookies.get(settings.SESSION_COOKIE_NAME))
        return await super().__call__({**scope, "user": user}, receive, send)


def session_user(session_key: str | None):
    """As a Django view sees request.user: Django's own check, the session's
    password hash included, so a password change logs sockets out too."""
    session = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    return get_user(SimpleNamespace(session=session))
