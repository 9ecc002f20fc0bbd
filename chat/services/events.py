"""The one writer of conversation events: numbered, stored, then published after commit."""
from django.db.models import F
from django.utils import timezone

from chat import broadcast
from chat.models import Conversation, Event, Participant
from integrations.webhooks import emit_chat_event_on_commit


def event_record(*, conversation: Conversation, type: str, author: Participant | None = None,
                 body: str = "", data: dict | None = None, client_msg_id: str | None = None) -> Event:
    """Store one event under the next sequence number. Call inside a transaction."""
    # The UPDATE takes the conversation's row lock (PostgreSQL) or is already
    # inside SQLite's immediate write transaction: two writers never share a seq.
    Conversation.objects.filter(pk=conversation.pk).update(last_seq=F("last_seq") + 1, last_activity_at=timezone.now())
    conversation.last_seq = Conversation.objects.values_list("last_seq", flat=True).get(pk=conversation.pk)
    event = Event.objects.create(
        conversation=conversation, seq=conversation.last_seq, type=type, author=author,
        body=body, data=data or {}, client_msg_id=client_msg_id,
    )
    broadcast.publish_event_on_commit(event)
    emit_chat_event_on_commit(event)
    return event
