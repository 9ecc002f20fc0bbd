"""The one writer of conversation events: numbered, stored, then published after commit.

A batch of messages (chat.message_writer) is stored with two statements
whatever its size: one UPDATE that takes the sequence numbers of all its
conversations and one INSERT of all its events. Both are written out here
rather than built by the ORM: compiling them (bulk_create, one update() per
conversation) was most of the database thread's time under chat load
(bench: chat, docs/benchmarks.md).
"""
import uuid
from dataclasses import dataclass, field

from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

from chat import broadcast
from chat.models import Conversation, Event, Participant
from integrations.webhooks import emit_chat_events_on_commit

CONVERSATION = Conversation._meta.pk
# The columns an INSERT of events fills, in order.
EVENT_FIELDS = [Event._meta.get_field(name)
                for name in ("conversation", "seq", "type", "author", "body", "data", "client_msg_id", "created_at")]


@dataclass(frozen=True, slots=True)
class Author:
    """What an event says of its author: a Participant's facts, read as a plain row."""
    id: int
    kind: str
    display_name: str


@dataclass
class NewEvent:
    conversation_id: uuid.UUID
    type: str
    author: Participant | Author | None = None
    body: str = ""
    data: dict = field(default_factory=dict)
    client_msg_id: str | None = None


def event_record(*, conversation: Conversation, type: str, author: Participant | None = None,
                 body: str = "", data: dict | None = None, client_msg_id: str | None = None) -> Event:
    """Store one event under the next sequence number. Call inside a transaction."""
    (event,) = events_record([NewEvent(conversation.pk, type, author, body, data or {}, client_msg_id)])
    # A later save() of the conversation must not write back an older last_seq.
    conversation.last_seq = event.seq
    event.conversation = conversation
    if author is not None:
        event.author = author
    return event


def events_record(new_events: list[NewEvent]) -> list[Event]:
    """Store events under the next sequence numbers of their conversations, in
    the order given. Call inside a transaction."""
    if not new_events:
        return []
    now = timezone.now()
    # The wrapper itself, not django.db.connection: every attribute read through
    # that proxy is a context-local lookup, and preparing values reads many.
    db = connections[DEFAULT_DB_ALIAS]
    counts: dict[uuid.UUID, int] = {}
    for new in new_events:
        counts[new.conversation_id] = counts.get(new.conversation_id, 0) + 1
    # Each conversation's key as the database holds it, prepared once; rows that
    # come back are matched by it, not converted back to UUIDs one by one.
    keys = {pk: CONVERSATION.get_db_prep_value(pk, db) for pk in counts}
    last_seqs = _take_seqs(db, counts, keys, now)
    next_seqs = {pk: last_seq - counts[pk] + 1 for pk, last_seq in last_seqs.items()}
    events = []
    for new in new_events:
        pk = new.conversation_id
        events.append(Event(conversation_id=pk, seq=next_seqs[pk], type=new.type, author_id=new.author and new.author.id,
                            body=new.body, data=new.data, client_msg_id=new.client_msg_id, created_at=now))
        next_seqs[pk] += 1
    _insert(db, events, keys, now)
    # Built once: the sockets and the webhooks get the same payload.
    payloads = [broadcast.event_payload(event, new.author) for event, new in zip(events, new_events)]
    broadcast.publish_payloads_on_commit(payloads)
    emit_chat_events_on_commit(payloads)
    return events


def _take_seqs(db, counts: dict[uuid.UUID, int], keys: dict[uuid.UUID, object], now) -> dict[uuid.UUID, int]:
    """Take the next `count` sequence numbers of each conversation in one
    statement; the last one taken of each.

    The UPDATE takes the conversations' row locks (PostgreSQL) or is already
    inside SQLite's immediate write transaction: two writers never share a
    seq. RETURNING (SQLite 3.35+, PostgreSQL) saves reading them back."""
    quote = db.ops.quote_name
    table = Conversation._meta
    pk, last_seq = quote(CONVERSATION.column), quote("last_seq")
    pks = [keys[conversation_pk] for conversation_pk in counts]
    increments = " ".join(["WHEN %s THEN %s"] * len(counts))
    with db.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(table.db_table)} SET {last_seq} = {last_seq} + CASE {pk} {increments} END, "
            f"{quote('last_activity_at')} = %s WHERE {pk} IN ({', '.join(['%s'] * len(pks))}) "
            f"RETURNING {pk}, {last_seq}",
            [*(value for pair in zip(pks, counts.values()) for value in pair),
             table.get_field("last_activity_at").get_db_prep_value(now, db), *pks],
        )
        by_key = {key: conversation_pk for conversation_pk, key in keys.items()}
        taken = {by_key[row_key]: seq for row_key, seq in cursor.fetchall()}
    missing = counts.keys() - taken.keys()
    if missing:
        raise Conversation.DoesNotExist(f"no conversation {', '.join(map(str, missing))}")
    return taken


def _insert(db, events: list[Event], keys: dict[uuid.UUID, object], now) -> None:
    """One INSERT for all; a taken (conversation, author, client_msg_id) raises IntegrityError."""
    quote = db.ops.quote_name
    conversation_field, data_field, created_field = EVENT_FIELDS[0], EVENT_FIELDS[5], EVENT_FIELDS[7]
    # Prepared once per conversation (keys) and once per batch, not per column of
    # every row: Field.get_db_prep_save for each value was most of this function's cost.
    created_value = created_field.get_db_prep_save(now, db)
    params = []
    for event in events:
        params += [keys[event.conversation_id], event.seq, event.type, event.author_id, event.body,
                   data_field.get_db_prep_save(event.data, db), event.client_msg_id, created_value]
    rows = ", ".join([f"({', '.join(['%s'] * len(EVENT_FIELDS))})"] * len(events))
    with db.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(Event._meta.db_table)} ({', '.join(quote(f.column) for f in EVENT_FIELDS)}) "
            f"VALUES {rows} RETURNING {quote(Event._meta.pk.column)}, {quote(conversation_field.column)}, {quote('seq')}",
            params,
        )
        # SQLite leaves the order of RETURNING rows open: matched by conversation and seq.
        stored = {(conversation_key, seq): event_pk for event_pk, conversation_key, seq in cursor.fetchall()}
    for event in events:
        event.pk = stored[(keys[event.conversation_id], event.seq)]
        event._state.adding = False
        event._state.db = db.alias
