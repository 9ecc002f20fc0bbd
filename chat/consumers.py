"""The customer and staff sockets: authenticate, parse, call a service, manage
groups, turn events into frames. Decisions live in chat.services."""
import asyncio
import logging
import secrets
import time
from dataclasses import dataclass

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from chat import broadcast, metrics
from chat.access import Actor, canonical_id, conversation_for_actor
from chat.addresses import client_address
from chat.fanout import process_fanout
from chat.lifecycle import SERVER_NAME, process_sockets
from chat.message_writer import message_writer
from chat.models import Participant
from chat.protocol import (
    ActionError, CloseCode, FrameError, Reason, error_frame, event_frame, field, parse_frame,
    request_frame, response_error, response_ok,
)
from chat.ratelimit import TokenBucket
from chat.selectors import (
    HISTORY_PAGE_MAX, conversation_history, conversation_with_presence, events_after,
)
from chat.service_errors import as_action_errors
from chat.services.connections import connection_close
from chat.services.conversations import conversation_start, read_mark
from chat.services.messages import MessageDraft
from chat.services.ending import conversation_end_by
from chat.services.escalation import conversation_escalate
from chat.services.queue_actions import (
    conversation_reservation, guest_reservation_cancel, guest_reservation_rejoin, guest_reservation_seen,
    staff_offer_accept,
    staff_status_set,
)
from chat.services.sessions import guest_hello, staff_hello
from chat.transcripts import transcript_text
from contactcenter.logging import bind_connection, request_context
from queueing.selectors import reservation_payload
from queueing.wallboard import WALLBOARD_GROUP, wallboard_state
from surveys.services import survey_submit

logger = logging.getLogger(__name__)

# How long an event that came before the one it follows waits for it, before the
# missing one is read back from the database (docs/protocol.md, delivery).
REORDER_WAIT_SECONDS = 0.25
# message.send requests of one socket stored at once, at most: the next frame is
# read while the earlier ones are being stored (see `receive`).
MAX_SENDS_IN_FLIGHT = 32


@dataclass(frozen=True, slots=True)
class AnswerWithEvent:
    """An action's answer and the event the action stored, which the answer
    carries to the socket if it is the next one the socket is due."""
    data: dict
    event: dict


class ChatConsumer(AsyncWebsocketConsumer):
    """What the guest and staff sockets share: the frame protocol and the lifecycle."""

    actions: dict[str, str] = {
        "hello": "action_hello",
        "conversation.subscribe": "action_subscribe",
        "conversation.history": "action_history",
        "message.send": "action_message_send",
        "typing": "action_typing",
        "read": "action_read",
        "conversation.end": "action_end",
        "conversation.transcript": "action_transcript",
    }

    async def __call__(self, scope, receive, send):
        self.connection_id = secrets.token_hex(16)
        bind_connection(self.connection_id)
        self.actor: Actor | None = None
        self.registered = False
        self.accepted = False
        self.closing = False
        self.close_code: int | None = None
        # conversation id -> newest seq delivered to this socket
        self.subscriptions: dict[str, int] = {}
        # conversation id -> events that came before the ones they follow, by seq
        self.held: dict[str, dict[int, dict]] = {}
        # conversation id -> the task that reads a gap back if it is not filled first
        self.refills: dict[str, asyncio.Task] = {}
        self.delivery_lock = asyncio.Lock()
        self.sends_in_flight: set[asyncio.Task] = set()
        self.server_requests: dict[str, tuple[str, float]] = {}
        self.server_request_count = 0
        self.pending_ping: str | None = None
        self.rtt_ms: float | None = None
        self.bucket = TokenBucket(settings.CHAT_RATE_PER_SECOND, settings.CHAT_RATE_BURST)
        self.admitted = process_sockets.admit(self)
        try:
            await super().__call__(scope, receive, send)
        finally:
            process_sockets.release(self, self.close_code)
            await self._forget()

    async def dispatch(self, message):
        """Channels' dispatch, without its `aclose_old_connections()` hop to the
        database thread before every frame and every group event: that thread
        is shared by all sockets of the process, and each of our database calls
        (`database_sync_to_async`) closes stale connections itself, before and after."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"no handler for message type {message['type']}")
        await handler(message)

    # -- lifecycle -------------------------------------------------------

    async def websocket_connect(self, message):
        # A close code needs an accepted socket; refusing the handshake would only give HTTP 403.
        await self.accept()
        # Only now may the heartbeat send to it: daphne refuses a send before the accept.
        self.accepted = True
        if not self.admitted:
            await self.close_with(CloseCode.CONCURRENCY_LIMIT_EXCEEDED)
        elif not self.may_connect():
            await self.close_with(CloseCode.UNAUTHORIZED)
        else:
            await self.send_frame(event_frame("connection.ready", {
                "connection_id": self.connection_id,
                "heartbeat_seconds": settings.CHAT_HEARTBEAT_SECONDS,
                "max_frame_bytes": settings.CHAT_MAX_FRAME_BYTES,
            }))

    def may_connect(self) -> bool:
        return True

    async def websocket_disconnect(self, message):
        if self.close_code is None:
            self.close_code = message.get("code")
        raise StopConsumer()

    async def _forget(self):
        """Drop groups, close the registry row, tell others this person went offline."""
        for task in [*self.refills.values(), *self.sends_in_flight]:
            # A send already handed to the writer is stored all the same; its
            # answer has no socket left to go to.
            task.cancel()
        try:
            for conversation_id in list(self.subscriptions):
                await process_fanout().leave(broadcast.conversation_group(conversation_id), self)
            if self.registered:
                await self.channel_layer.group_discard(self.personal_group(), self.channel_name)
                offline_in = await database_sync_to_async(connection_close)(
                    connection_id=self.connection_id, close_code=self.close_code
                )
                await self._publish_presence(offline_in, online=False)
        except Exception:
            logger.exception("cleanup of connection %s failed", self.connection_id)

    async def close_with(self, code: int):
        if self.closing:
            return
        self.closing = True
        self.close_code = int(code)
        try:
            # int(): autobahn refuses anything whose type is not exactly int, IntEnum included.
            await self.close(int(code))
        except Exception:
            logger.warning("close of %s failed", self.connection_id, exc_info=True)

    async def send_frame(self, text: str):
        if self.closing:
            return
        try:
            await self.send(text_data=text)
            metrics.FRAMES_OUT.inc()
        except Exception:
            logger.warning("send to %s failed; closing", self.connection_id)
            await self.close_with(CloseCode.UNEXPECTED_CLOSE)

    async def heartbeat(self, newest: dict[str, int]):
        """Called by the process every heartbeat interval (seed 002), with the
        newest seq of every conversation subscribed to in the process."""
        if self.closing or not self.accepted:
            return
        if self.pending_ping is not None:
            await self.close_with(CloseCode.HEARTBEAT_TIMEOUT)
            return
        self._expire_server_requests()
        self.pending_ping = await self.send_request("ping", {})
        # The layer delivers at most once: catch up on anything it dropped.
        for conversation_id, delivered in list(self.subscriptions.items()):
            if newest.get(conversation_id, delivered) > delivered:
                await self._advance(conversation_id)

    # -- frames from the client --------------------------------------------

    async def receive(self, text_data=None, bytes_data=None):
        metrics.FRAMES_IN.inc()
        if text_data is None:
            await self._send_error_frame("binary frames are not supported; send JSON text")
            return
        if len(text_data) > settings.CHAT_MAX_FRAME_BYTES or len(text_data.encode()) > settings.CHAT_MAX_FRAME_BYTES:
            await self.close_with(CloseCode.MESSAGE_TOO_BIG)
            return
        try:
            frame = parse_frame(text_data)
        except FrameError as error:
            if error.request_id is not None:
                await self._send_response_error(error.request_id, Reason.INVALID, error.detail)
            else:
                await self._send_error_frame(error.detail)
            return
        if frame["type"] == "response":
            self._resolve_server_request(frame)
        elif frame["action"] == "message.send":
            with request_context(frame["data"]):
                await self._send_in_flight(frame)
        else:
            # Whatever follows a message.send (an end, a read mark) sees it stored.
            await self._settle_sends()
            with request_context(frame["data"]):
                await self._handle_request(frame)

    async def _send_in_flight(self, frame):
        """Handle a message.send without waiting for it before the next frame.

        Channels reads a socket's next frame only when the handler of the one
        before has returned, so a socket that waited for each message to be
        stored had one message per batch of the message writer, and a busy one
        queued behind its own batches (bench: chat). Sends are still stored in
        the order they came in: each task hands its draft to the writer before
        its first pause, and tasks start in the order they were made."""
        if len(self.sends_in_flight) >= MAX_SENDS_IN_FLIGHT:
            await asyncio.wait(self.sends_in_flight, return_when=asyncio.FIRST_COMPLETED)
        task = asyncio.get_running_loop().create_task(self._handle_request(frame))
        self.sends_in_flight.add(task)
        task.add_done_callback(self.sends_in_flight.discard)

    async def _settle_sends(self):
        if self.sends_in_flight:
            await asyncio.wait(self.sends_in_flight)

    async def _handle_request(self, frame):
        request_id, action = frame["id"], frame["action"]
        method = self.actions.get(action)
        started = time.monotonic()
        try:
            if not self.bucket.take():
                raise ActionError(Reason.RATE_LIMITED, "too many requests; slow down")
            if method is None:
                raise ActionError(Reason.INVALID, f"unknown action '{action[:64]}'")
            if self.actor is None and action != "hello":
                raise ActionError(Reason.FORBIDDEN, "say hello first")
            # asyncio.timeout, not wait_for: that makes a task per request.
            async with asyncio.timeout(settings.CHAT_REQUEST_TIMEOUT_SECONDS):
                answer = await getattr(self, method)(frame["data"])
            if isinstance(answer, AnswerWithEvent):
                await self._answer_with_event(request_id, answer)
            else:
                await self.send_frame(response_ok(request_id, answer))
        except ActionError as error:
            await self._send_response_error(request_id, error.reason, error.detail)
        except asyncio.TimeoutError:
            await self._send_response_error(request_id, Reason.TIMEOUT, "the request took too long")
        except Exception:
            logger.exception("action %s failed on %s", action[:64], self.connection_id)
            await self._send_response_error(request_id, Reason.FAILED, "the server could not carry out the request")
        finally:
            metrics.REQUEST_SECONDS.labels(action=action if method else "unknown").observe(time.monotonic() - started)

    async def _answer_with_event(self, request_id: str, answer: AnswerWithEvent):
        """One frame for what would be a response and an event (the sender's own
        message.new): at 3,200 msg/s a third of the frames a process wrote
        (bench: chat). Sent under the delivery lock, so no later event overtakes
        it. If the socket is not due that event yet (one before it is still on
        its way), the answer goes without it and the event comes in its place."""
        event = answer.event
        conversation_id = event["conversation"]
        async with self.delivery_lock:
            if self.subscriptions.get(conversation_id) == event["seq"] - 1:
                await self.send_frame(response_ok(request_id, {**answer.data, "event": event}))
                self.subscriptions[conversation_id] = event["seq"]
                await self._deliver_held(conversation_id)
                return
        await self.send_frame(response_ok(request_id, answer.data))
        await self._advance(conversation_id, event)

    async def _send_response_error(self, request_id: str, reason: Reason, detail: str):
        metrics.ERRORS.labels(reason=reason).inc()
        await self.send_frame(response_error(request_id, reason, detail))

    async def _send_error_frame(self, detail: str):
        metrics.ERRORS.labels(reason=Reason.INVALID).inc()
        await self.send_frame(error_frame(detail))

    # -- server-initiated requests -----------------------------------------

    async def send_request(self, action: str, data: dict) -> str:
        self.server_request_count += 1
        request_id = f"S{self.server_request_count}"
        self.server_requests[request_id] = (action, time.monotonic())
        await self.send_frame(request_frame(request_id, action, data))
        return request_id

    def _resolve_server_request(self, frame):
        request = self.server_requests.pop(frame["id"], None)
        if request is None:
            logger.warning("response to unknown request %r on %s dropped", frame["id"], self.connection_id)
            return
        action, sent_at = request
        if action == "ping" and frame["id"] == self.pending_ping:
            self.pending_ping = None
            rtt = time.monotonic() - sent_at
            self.rtt_ms = rtt * 1000
            metrics.HEARTBEAT_RTT_SECONDS.observe(rtt)

    def _expire_server_requests(self):
        # Seed 002: a response that never came is forgotten after twice the timeout.
        too_old = time.monotonic() - 2 * settings.CHAT_REQUEST_TIMEOUT_SECONDS
        for request_id, (_, sent_at) in list(self.server_requests.items()):
            if sent_at < too_old:
                del self.server_requests[request_id]

    # -- delivery ----------------------------------------------------------

    async def conversation_event(self, message):
        """A stored event from the layer: deliver in seq order, no gap, no duplicate."""
        if message.get("answered_on") == self.connection_id:
            # This socket's own message: the answer to its message.send carries
            # it (_answer_with_event). Should that answer never go (the request
            # timed out), the next event or heartbeat finds the gap and reads it back.
            return
        await self._advance(message["event"]["conversation"], message["event"])

    async def _advance(self, conversation_id: str, event: dict | None = None):
        """Deliver `event` (or, with none, whatever the database holds past what
        this socket has seen), in seq order, with no gap and no duplicate."""
        async with self.delivery_lock:
            delivered = self.subscriptions.get(conversation_id)
            if delivered is None or (event is not None and event["seq"] <= delivered):
                return
            if event is None:
                await self._refill(conversation_id)
                return
            held = self.held.setdefault(conversation_id, {})
            held[event["seq"]] = event
            await self._deliver_held(conversation_id)
            if held and conversation_id not in self.refills:
                # A gap. Usually the missing event is still on its way: a socket's own
                # process hands it its events at once, another process's come through
                # Redis a moment later. Only if it does not come, read it back.
                self.refills[conversation_id] = asyncio.get_running_loop().create_task(
                    self._refill_after_wait(conversation_id))

    async def _deliver_held(self, conversation_id: str):
        held = self.held.get(conversation_id)
        while held and (event := held.pop(self.subscriptions[conversation_id] + 1, None)) is not None:
            await self._deliver(event)
        if not held:
            self.held.pop(conversation_id, None)

    async def _refill_after_wait(self, conversation_id: str):
        await asyncio.sleep(REORDER_WAIT_SECONDS)
        async with self.delivery_lock:
            self.refills.pop(conversation_id, None)
            if self.held.get(conversation_id) and conversation_id in self.subscriptions:
                await self._refill(conversation_id)

    async def _refill(self, conversation_id: str):
        """Read back what the fan-out dropped or has not brought (a gap, a resync, a replay)."""
        while not self.closing:
            missing = await database_sync_to_async(events_after)(conversation_id, self.subscriptions[conversation_id])
            if len(missing) > 1:
                # One frame for many: a reconnect storm replayed 50 missed events
                # to each of 1,000 guests, and a frame each was most of its cost.
                await self.send_frame(event_frame("events.replay", {"conversation": conversation_id, "events": missing}))
                self.subscriptions[conversation_id] = missing[-1]["seq"]
            elif missing:
                await self._deliver(missing[0])
            else:
                break
        held = self.held.pop(conversation_id, {})
        delivered = self.subscriptions[conversation_id]
        self.held[conversation_id] = {seq: event for seq, event in held.items() if seq > delivered}
        await self._deliver_held(conversation_id)

    async def _deliver(self, event: dict):
        await self.send_frame(event_frame(event["type"], event))
        self.subscriptions[event["conversation"]] = event["seq"]

    async def conversation_signal(self, message):
        data = message["data"]
        if data.get("conversation") in self.subscriptions and message.get("sender_channel") != self.channel_name:
            await self.send_frame(event_frame(message["name"], data))

    async def personal_notify(self, message):
        await self.send_frame(event_frame(message["event"], message["data"]))

    async def _publish_presence(self, conversation_ids, *, online: bool):
        for conversation_id in conversation_ids:
            await broadcast.send_signal(conversation_id, "presence", {
                "conversation": conversation_id, "actor": self.actor_summary(), "online": online,
            })

    def actor_summary(self) -> dict:
        return {"kind": self.actor.kind, "guest": str(self.actor.guest_id) if self.actor.guest_id else None,
                "user": self.actor.user_id}

    # -- actions -----------------------------------------------------------

    def connection_info(self) -> dict:
        return {"connection_id": self.connection_id, "server": SERVER_NAME, "channel_name": self.channel_name,
                "remote_addr": client_address(self.scope)}

    def personal_group(self) -> str:
        if self.actor.kind == Participant.Kind.GUEST:
            return broadcast.guest_group(self.actor.guest_id)
        return broadcast.staff_group(self.actor.user_id)

    async def after_hello(self, result: dict) -> dict:
        self.registered = True
        await self.channel_layer.group_add(self.personal_group(), self.channel_name)
        await self._publish_presence(result.pop("went_online"), online=True)
        return result

    async def action_subscribe(self, data):
        given = field(data, "conversation", str, max_length=64)
        # As events name it, so an id written otherwise (upper case, no dashes) joins the same group;
        # what is no UUID is refused as `forbidden` by the lookup, like any unknown id.
        conversation_id = canonical_id(given) or given
        after_seq = field(data, "after_seq", int, required=False) or 0
        group = broadcast.conversation_group(conversation_id)
        # Join the group before reading, so nothing committed in between is missed.
        await process_fanout().join(group, self)
        try:
            conversation, presence = await database_sync_to_async(conversation_with_presence)(
                actor=self.actor, conversation_id=conversation_id
            )
        except ActionError:
            if conversation_id not in self.subscriptions:
                await process_fanout().leave(group, self)
            raise
        conversation_id = str(conversation.pk)
        async with self.delivery_lock:
            self.subscriptions[conversation_id] = min(after_seq, conversation.last_seq)
        await self._advance(conversation_id)
        return {
            "conversation": conversation_id,
            "status": conversation.status,
            "last_seq": self.subscriptions[conversation_id],
            "participants": presence,
            "reservation": await database_sync_to_async(conversation_reservation)(conversation_id=conversation_id),
        }

    async def action_history(self, data):
        return await database_sync_to_async(conversation_history)(
            actor=self.actor,
            conversation_id=field(data, "conversation", str, max_length=64),
            before_seq=field(data, "before_seq", int, required=False),
            limit=field(data, "limit", int, required=False) or HISTORY_PAGE_MAX,
        )

    async def action_message_send(self, data):
        stored, duplicate = await message_writer().send(MessageDraft(
            actor=self.actor,
            conversation_id=field(data, "conversation", str, max_length=64),
            body=field(data, "body", str),
            client_msg_id=field(data, "client_msg_id", str, required=False, max_length=64),
            answered_on=self.connection_id,
        ))
        answer = {"conversation": stored["conversation"], "seq": stored["seq"], "duplicate": duplicate,
                  "created_at": stored["created_at"]}
        if duplicate:
            # Stored by an earlier try: the event went out then, or comes by replay.
            return answer
        metrics.MESSAGES_STORED.inc()
        return AnswerWithEvent(answer, stored)

    def subscribed(self, data) -> str:
        conversation_id = field(data, "conversation", str, max_length=64)
        if conversation_id not in self.subscriptions:
            raise ActionError(Reason.FORBIDDEN, "subscribe to the conversation first")
        return conversation_id

    async def action_typing(self, data):
        conversation_id = self.subscribed(data)
        active = field(data, "active", bool)
        await broadcast.send_signal(conversation_id, "typing", {
            "conversation": conversation_id, "actor": self.actor_summary(), "active": active,
        }, sender_channel=self.channel_name)
        return {}

    async def action_read(self, data):
        conversation_id = self.subscribed(data)
        participant = await database_sync_to_async(read_mark)(
            actor=self.actor, conversation_id=conversation_id, seq=field(data, "seq", int)
        )
        await broadcast.send_signal(conversation_id, "read", {
            "conversation": conversation_id, "participant": participant.id, "up_to_seq": participant.last_read_seq,
        }, sender_channel=self.channel_name)
        return {"seq": participant.last_read_seq}


    async def call(self, service, **kwargs):
        """A service call on the database thread, its refusals turned into error responses."""
        return await database_sync_to_async(as_action_errors(service))(**kwargs)

    async def action_end(self, data):
        conversation = await self.call(
            conversation_end_by, actor=self.actor, conversation_id=field(data, "conversation", str, max_length=64),
            reason=field(data, "reason", str, required=False, max_length=100) or "",
        )
        return {"conversation": str(conversation.pk), "status": conversation.status}

    async def action_transcript(self, data):
        return {"text": await self.call(self._transcript, conversation_id=field(data, "conversation", str, max_length=64))}

    def _transcript(self, conversation_id):
        return transcript_text(conversation_for_actor(self.actor, conversation_id))


class GuestConsumer(ChatConsumer):
    """The widget's socket. Identity comes from the signed guest token in `hello`."""

    actions = {
        **ChatConsumer.actions,
        "conversation.start": "action_start",
        "conversation.escalate": "action_escalate",
        "reservation.cancel": "action_reservation_cancel",
        "reservation.rejoin": "action_reservation_rejoin",
        "reservation.seen": "action_reservation_seen",
        "survey.submit": "action_survey_submit",
    }

    async def action_hello(self, data):
        if self.actor is not None:
            raise ActionError(Reason.INVALID, "hello was already said on this socket")
        token = field(data, "token", str, required=False, max_length=512)
        result = await database_sync_to_async(guest_hello)(token=token, connection=self.connection_info())
        self.actor = Actor(kind=Participant.Kind.GUEST, guest_id=result["guest"]["id"])
        return await self.after_hello(result)

    async def action_start(self, data):
        queue_name = field(data, "queue", str, required=False, max_length=50)
        conversation = await database_sync_to_async(conversation_start)(
            guest_id=self.actor.guest_id, queue_name=queue_name
        )
        return await self.action_subscribe({"conversation": str(conversation.pk), "after_seq": 0})

    async def action_escalate(self, data):
        reservation = await self.call(conversation_escalate, actor=self.actor,
                                      conversation_id=field(data, "conversation", str, max_length=64))
        return {"reservation": await database_sync_to_async(reservation_payload)(reservation)}

    async def action_reservation_cancel(self, data):
        return await self.call(guest_reservation_cancel, actor=self.actor,
                               public_id=field(data, "reservation", str, max_length=64))

    async def action_reservation_seen(self, data):
        return await self.call(guest_reservation_seen, actor=self.actor,
                               public_id=field(data, "reservation", str, max_length=64))

    async def action_reservation_rejoin(self, data):
        return await self.call(guest_reservation_rejoin, actor=self.actor,
                               public_id=field(data, "reservation", str, max_length=64))

    async def action_survey_submit(self, data):
        answers = field(data, "answers", list)
        invitation = await self.call(survey_submit, token=field(data, "invitation", str, max_length=300), answers=answers)
        return {"answered_at": invitation.answered_at.isoformat()}


class StaffConsumer(ChatConsumer):
    """The staff console's socket, authenticated by the staff member's Django session."""

    actions = {
        **ChatConsumer.actions,
        "agent.status": "action_agent_status",
        "offer.accept": "action_offer_accept",
        "conversation.escalate": "action_escalate",
        "conversation.transfer": "action_transfer",
        "wallboard.subscribe": "action_wallboard_subscribe",
    }
    watching_wallboard = False

    def may_connect(self) -> bool:
        user = self.scope.get("user")
        return bool(user and user.is_authenticated and user.is_staff and user.is_active)

    async def action_hello(self, data):
        if self.actor is not None:
            raise ActionError(Reason.INVALID, "hello was already said on this socket")
        result = await database_sync_to_async(staff_hello)(
            user_id=self.scope["user"].pk, connection=self.connection_info()
        )
        self.actor = Actor(kind=Participant.Kind.STAFF, user_id=self.scope["user"].pk)
        return await self.after_hello(result)

    async def action_agent_status(self, data):
        return await self.call(staff_status_set, actor=self.actor, status=field(data, "status", str, max_length=16))

    async def action_offer_accept(self, data):
        return await self.call(staff_offer_accept, actor=self.actor,
                               public_id=field(data, "reservation", str, max_length=64))

    async def action_escalate(self, data, transfer=False):
        reservation = await self.call(
            conversation_escalate, actor=self.actor, conversation_id=field(data, "conversation", str, max_length=64),
            queue_name=field(data, "queue", str, max_length=50), transfer=transfer,
        )
        return {"reservation": await database_sync_to_async(reservation_payload)(reservation)}

    async def action_transfer(self, data):
        return await self.action_escalate(data, transfer=True)

    async def action_wallboard_subscribe(self, data):
        # Join before reading, so an update sent in between is not missed.
        await self.channel_layer.group_add(WALLBOARD_GROUP, self.channel_name)
        self.watching_wallboard = True
        return await database_sync_to_async(wallboard_state)()

    async def _forget(self):
        if self.watching_wallboard:
            await self.channel_layer.group_discard(WALLBOARD_GROUP, self.channel_name)
        await super()._forget()
