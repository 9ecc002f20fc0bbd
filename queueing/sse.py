"""Server-Sent Events for one reservation: /events/reservations/<public id>/.

For pages that cannot keep a socket (the seed's EventSource). The unguessable
public id is the credential, as with the seed's reservation sid: EventSource
cannot send an Authorization header. The stream listens to the reservation's
group, which receives exactly what the guest's sockets receive.

Every `reservation.updated` carries the whole state, and its SSE id is the
reservation's version. A reconnecting browser sends Last-Event-ID: if it
already has the current version nothing is repeated, otherwise it gets the
current state at once (there is nothing in between worth replaying: the newest
state replaces every older one).
"""
import asyncio
import json

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.http import Http404, StreamingHttpResponse

from queueing.broadcast import EventName, reservation_group
from queueing.models import Reservation
from queueing.selectors import reservation_payload


def _current_state(public_id) -> dict | None:
    reservation = Reservation.objects.select_related("queue", "agent__user").filter(public_id=public_id).first()
    return reservation_payload(reservation) if reservation else None


def sse_frame(event: str, data: dict, event_id: int | None = None) -> str:
    lines = [f"id: {event_id}"] if event_id is not None else []
    lines += [f"event: {event}", f"data: {json.dumps(data, separators=(',', ':'))}"]
    return "\n".join(lines) + "\n\n"


def _last_event_id(request) -> int:
    try:
        return int(request.headers.get("Last-Event-ID", ""))
    except ValueError:
        return -1


async def reservation_events(request, public_id):
    if not await database_sync_to_async(Reservation.objects.filter(public_id=public_id).exists)():
        raise Http404("no such reservation")
    layer = get_channel_layer()
    channel = await layer.new_channel()
    group = reservation_group(public_id)
    # Join before reading the state, so an update committed in between is not missed.
    await layer.group_add(group, channel)
    try:
        state = await database_sync_to_async(_current_state)(public_id)
    except BaseException:
        await layer.group_discard(group, channel)
        raise
    response = StreamingHttpResponse(
        _stream(layer, channel, group, state, _last_event_id(request)), content_type="text/event-stream"
    )
    response["Cache-Control"] = "no-cache"
    # Tell nginx-style proxies not to buffer the stream.
    response["X-Accel-Buffering"] = "no"
    return response


async def _stream(layer, channel: str, group: str, state: dict, last_version: int):
    receiving = None
    try:
        if state["version"] > last_version:
            yield sse_frame(EventName.RESERVATION_UPDATED, state, state["version"])
            last_version = state["version"]
        else:
            # Headers go out with the first chunk; an up-to-date client still
            # needs them now, not at the first keep-alive.
            yield ": up to date\n\n"
        while True:
            # One receive is kept across keep-alives instead of cancelling it:
            # a cancelled receive could lose the message it was taking.
            receiving = receiving or asyncio.ensure_future(layer.receive(channel))
            done, _ = await asyncio.wait({receiving}, timeout=settings.QUEUE_SSE_KEEPALIVE_SECONDS)
            if not done:
                yield ": keep-alive\n\n"
                continue
            message, receiving = receiving.result(), None
            data = message["data"]
            if message["event"] != EventName.RESERVATION_UPDATED:
                yield sse_frame(message["event"], data)
            elif data["version"] > last_version:
                yield sse_frame(message["event"], data, data["version"])
                last_version = data["version"]
    finally:
        if receiving is not None:
            receiving.cancel()
        await layer.group_discard(group, channel)
