"""The one door through which chat events leave for the sockets (chat.fanout)
and, between processes, the channel layer.

Stored events go out only after the transaction that stored them commits
(`publish_payloads_on_commit`); a consumer that sees a gap in sequence numbers
reads the missing events back from the database, so a dropped fan-out costs
latency, never a message. Ephemeral signals (typing, presence, read receipts)
are not stored and may be lost.
"""
import contextvars
import os

from asgiref.sync import SyncToAsync, async_to_sync
from django.db import transaction

from chat.fanout import process_fanout
from chat.models import Event, Participant


def conversation_group(conversation_id) -> str:
    return f"conversation.{conversation_id}"


def guest_group(guest_id) -> str:
    return f"guest.{guest_id}"


def staff_group(user_id) -> str:
    return f"staff.{user_id}"


def event_payload(event: Event) -> dict:
    """What sockets, history and webhooks get of a stored event."""
    return stored_event_payload(event.conversation_id, event.seq, event.type, event.author, event.body, event.data,
                                event.client_msg_id, event.created_at)


def stored_event_payload(conversation_id, seq, type, author, body, data, client_msg_id, created_at) -> dict:
    """`event_payload` of an event stored without a model instance (chat.services.events).
    `author`: None, a Participant, or its facts (chat.services.events.Author)."""
    return _payload(conversation_id, seq, type, author and author.id, author and author.kind,
                    author and author.display_name, body, data, client_msg_id, created_at)


# The columns of `event_payloads`, in `_payload`'s order.
PAYLOAD_COLUMNS = ("conversation_id", "seq", "type", "author_id", "author__kind", "author__display_name",
                   "body", "data", "client_msg_id", "created_at")


def event_payloads(events) -> list[dict]:
    """`event_payload` of each event of a queryset, read as plain rows: building
    model instances was most of the cost of a replay (bench: resume storm)."""
    return [_payload(*row) for row in events.values_list(*PAYLOAD_COLUMNS)]


def _payload(conversation_id, seq, type, author_id, author_kind, author_name, body, data, client_msg_id,
             created_at) -> dict:
    return {
        "conversation": str(conversation_id),
        "seq": seq,
        "type": type,
        "kind": author_kind or Participant.Kind.SYSTEM,
        "author": {"id": author_id, "name": author_name} if author_id else None,
        "body": body,
        "data": data,
        "client_msg_id": client_msg_id,
        "created_at": created_at.isoformat(),
    }


def group_send_on_commit(messages: list[tuple[str, dict]]) -> None:
    """Send group messages after the transaction commits, in order."""
    if messages:
        transaction.on_commit(lambda: _send_soon(messages))


def _send_soon(messages: list[tuple[str, dict]]) -> None:
    """From a consumer's database thread, hand the messages to the process's
    event loop and return: waiting for them (async_to_sync) kept the one
    database thread every socket shares idle for every send. Anywhere else
    (Celery, the admin, a test), send and wait, all in one event loop:
    async_to_sync starts a loop per call, and channels-redis a connection per
    loop, so one call per message would cost a connection each."""
    loop = getattr(SyncToAsync.threadlocal, "main_event_loop", None)
    same_process = getattr(SyncToAsync.threadlocal, "main_event_loop_pid", None) == os.getpid()
    if loop is None or not same_process or not loop.is_running():
        async_to_sync(_send_all)(messages)
        return
    # A fresh context: this thread's marks that it runs inside sync_to_async
    # would make every database call of the delivery refuse to run ("would deadlock").
    loop.call_soon_threadsafe(_hand_to_fanout, messages, context=contextvars.Context())


def _hand_to_fanout(messages: list[tuple[str, dict]]) -> None:
    process_fanout().publish_soon(messages)


async def _send_all(messages: list[tuple[str, dict]]) -> None:
    fanout = process_fanout()
    for group, message in messages:
        await fanout.publish(group, message)


def publish_payloads_on_commit(stored: list[tuple[dict, str | None]]) -> None:
    """Stored events (their `event_payload`s) to the sockets following their
    conversations, after commit; each with the connection id of the socket that
    gets it in the answer to its request instead, if any."""
    group_send_on_commit([
        (conversation_group(payload["conversation"]), {"type": "conversation.event", "event": payload,
                                                       "answered_on": answered_on})
        for payload, answered_on in stored
    ])


async def send_signal(conversation_id, name: str, data: dict, *, sender_channel: str | None = None) -> None:
    await process_fanout().publish(
        conversation_group(conversation_id),
        {"type": "conversation.signal", "name": name, "data": data, "sender_channel": sender_channel},
    )


def personal_message(event: str, data: dict) -> dict:
    return {"type": "personal.notify", "event": event, "data": data}


def _notify_on_commit(group: str, event: str, data: dict) -> None:
    group_send_on_commit([(group, personal_message(event, data))])


def notify_guest_on_commit(guest_id, event: str, data: dict) -> None:
    """An event for every socket of one guest (reservation updates), after commit.

    Not sequenced: the state it reports can always be read again, so a lost
    one is corrected by the next or by a read on reconnect.
    """
    _notify_on_commit(guest_group(guest_id), event, data)


def notify_staff_on_commit(user_id, event: str, data: dict) -> None:
    """An event for every socket of one staff member (offers, status), after commit."""
    _notify_on_commit(staff_group(user_id), event, data)
