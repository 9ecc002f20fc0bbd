"""The one writer of conversation events: numbered, stored, then published after commit."""
from dataclasses import dataclass, field

from django.db import connection
from django.utils import timezone

from chat import broadcast
from chat.models import Conversation, Event, Participant
from integrations.webhooks import emit_chat_events_on_commit


@dataclass
class NewEvent:
    conversation: Conversation
    type: str
    author: Participant | None = None
    body: str = ""
    data: dict = field(default_factory=dict)
    client_msg_id: str | None = None


def event_record(*, conversation: Conversation, type: str, author: Participant | None = None,
                 body: str = "", data: dict | None = None, client_msg_id: str | None = None) -> Event:
    """Store one event under the next sequence number. Call inside a transaction."""
    (event,) = events_record([NewEvent(conversation, type, author, body, data or {}, client_msg_id)])
    return event


def events_record(new_events: list[NewEvent]) -> list[Event]:
    """Store events under the next sequence numbers of their conversations, in
    the order given, with one INSERT for all and one UPDATE per conversation.
    Call inside a transaction."""
    by_conversation: dict = {}
    for new in new_events:
        by_conversation.setdefault(new.conversation.pk, []).append(new)
    seqs = {}
    for news in by_conversation.values():
        last_seq = _take_seqs(news[0].conversation, len(news))
        for offset, new in enumerate(news):
            seqs[id(new)] = last_seq - len(news) + 1 + offset
            new.conversation.last_seq = last_seq
    events = Event.objects.bulk_create([
        Event(conversation=new.conversation, seq=seqs[id(new)], type=new.type, author=new.author,
              body=new.body, data=new.data, client_msg_id=new.client_msg_id)
        for new in new_events
    ])
    # Built once: the sockets and the webhooks get the same payload.
    payloads = [broadcast.event_payload(event) for event in events]
    broadcast.publish_payloads_on_commit(payloads)
    emit_chat_events_on_commit(payloads)
    return events


def _take_seqs(conversation: Conversation, count: int) -> int:
    """Take the conversation's next `count` sequence numbers in one statement; the last of them.

    The UPDATE takes the conversation's row lock (PostgreSQL) or is already
    inside SQLite's immediate write transaction: two writers never share a
    seq. RETURNING (SQLite 3.35+, PostgreSQL) saves the SELECT that the ORM's
    update() would need to read the number back."""
    quote = connection.ops.quote_name
    table = Conversation._meta
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(table.db_table)} SET {quote('last_seq')} = {quote('last_seq')} + %s, "
            f"{quote('last_activity_at')} = %s WHERE {quote(table.pk.column)} = %s RETURNING {quote('last_seq')}",
            [count, table.get_field("last_activity_at").get_db_prep_value(timezone.now(), connection),
             table.pk.get_db_prep_value(conversation.pk, connection)],
        )
        return cursor.fetchone()[0]
