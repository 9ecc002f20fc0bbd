"""Reads for the chat sockets: replay, history, presence."""
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from chat.access import Actor, conversation_for_actor
from chat.broadcast import event_payloads
from chat.models import Connection, Conversation, Event

HISTORY_PAGE_MAX = 100
# A replay larger than this is sent in pages; the client keeps asking with its
# newest seq until it has everything (the response says whether more remain).
REPLAY_PAGE_MAX = 500


def live_connections():
    """Open registry rows whose process still refreshes them."""
    return Connection.objects.filter(closed_at__isnull=True, last_seen_at__gte=live_seen_after())


def live_seen_after():
    """A registry row last refreshed before this belongs to a process that is gone."""
    return timezone.now() - timedelta(seconds=3 * settings.CHAT_HEARTBEAT_SECONDS)


def events_after(conversation_id, after_seq: int, *, limit: int = REPLAY_PAGE_MAX) -> list[dict]:
    return event_payloads(Event.objects.filter(conversation_id=conversation_id, seq__gt=after_seq).order_by("seq")[:limit])


def conversation_with_presence(*, actor: Actor, conversation_id) -> tuple[Conversation, list[dict]]:
    conversation = conversation_for_actor(actor, conversation_id)
    return conversation, participants_presence(conversation)


def conversation_history(*, actor: Actor, conversation_id, before_seq: int | None, limit: int) -> dict:
    conversation = conversation_for_actor(actor, conversation_id)
    events = Event.objects.filter(conversation=conversation)
    if before_seq is not None:
        events = events.filter(seq__lt=before_seq)
    limit = max(1, min(limit, HISTORY_PAGE_MAX))
    page = event_payloads(events.order_by("-seq")[: limit + 1])
    return {
        "events": page[:limit][::-1],
        "has_more": len(page) > limit,
    }


def conversations_summary(conversations) -> list[dict]:
    return [
        {
            "id": str(conversation.id),
            "status": conversation.status,
            "queue": conversation.queue.name if conversation.queue else None,
            "last_seq": conversation.last_seq,
            "created_at": conversation.created_at.isoformat(),
        }
        for conversation in conversations.select_related("queue").order_by("-created_at")
    ]


def last_seqs(conversation_ids) -> dict[str, int]:
    return {str(pk): seq for pk, seq in Conversation.objects.filter(pk__in=conversation_ids).values_list("pk", "last_seq")}


def participants_presence(conversation: Conversation) -> list[dict]:
    participants = list(conversation.participants.filter(left_at__isnull=True))
    guests = [p.guest_id for p in participants if p.guest_id]
    users = [p.user_id for p in participants if p.user_id]
    # Only this conversation's people: every online id of the process made a
    # 1,000-guest reconnect storm quadratic (bench/resume_storm.py).
    online = set(
        live_connections().filter(Q(guest_id__in=guests) | Q(user_id__in=users)).values_list("guest_id", "user_id")
    )
    online_guests = {guest for guest, _ in online if guest}
    online_users = {user for _, user in online if user}
    return [
        {
            "id": participant.id,
            "kind": participant.kind,
            "name": participant.display_name,
            "online": participant.guest_id in online_guests or participant.user_id in online_users,
            "last_read_seq": participant.last_read_seq,
        }
        for participant in participants
    ]
