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
    # The socket whose request made it and that gets it in its answer, not from the fan-out.
    answered_on: str | None = None


def event_record(*, conversation: Conversation, type: str, author: Participant | None = None,
                 body: str = "", data: dict | None = None, client_msg_id: str | None = None) -> dict:
    """Store one event under the next sequence number; its payload. Call inside a transaction."""
    (payload,) = events_record([NewEvent(conversation.pk, type, author, body, data or {}, client_msg_id)])
    # A later save() of the conversation must not write back an older last_seq.
    conversation.last_seq = payload["seq"]
    return payload


def events_record(new_events: list[NewEvent]) -> list[dict]:
    """Store events under the next sequence numbers of their conversations, in
    the order given; their payloads (chat.broadcast.event_payload), as the
    sockets and the webhooks get them. Call inside a transaction.

    No model instance is built and no id read back: nothing asks for them, and
    under chat load they were a tenth of a batch (bench: chat)."""
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
    seqs = []
    for new in new_events:
        seqs.append(next_seqs[new.conversation_id])
        next_seqs[new.conversation_id] += 1
    _insert(db, new_events, seqs, keys, now)
    payloads = [broadcast.stored_event_payload(new.conversation_id, seq, new.type, new.author, new.body, new.data,
                                               new.client_msg_id, now)
                for new, seq in zip(new_events, seqs)]
    broadcast.publish_payloads_on_commit([(payload, new.answered_on) for new, payload in zip(new_events, payloads)])
    emit_chat_events_on_commit(payloads)
    return payloads


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


def _insert(db, new_events: list[NewEvent], seqs: list[int], keys: dict[uuid.UUID, object], now) -> None:
    """One INSERT for all; a taken (conversation, author, client_msg_id) raises IntegrityError."""
    quote = db.ops.quote_name
    data_field, created_field = EVENT_FIELDS[5], EVENT_FIELDS[7]
    # Prepared once per conversation (keys) and once per batch, not per column of
    # every row: Field.get_db_prep_save for each value was most of this function's cost.
    created_value = created_field.get_db_prep_save(now, db)
    params = []
    for new, seq in zip(new_events, seqs):
        params += [keys[new.conversation_id], seq, new.type, new.author and new.author.id, new.body,
                   data_field.get_db_prep_save(new.data, db), new.client_msg_id, created_value]
    rows = ", ".join([f"({', '.join(['%s'] * len(EVENT_FIELDS))})"] * len(new_events))
    with db.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(Event._meta.db_table)} ({', '.join(quote(f.column) for f in EVENT_FIELDS)}) "
            f"VALUES {rows}",
            params,
        )
