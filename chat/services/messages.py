"""message.send: store messages, once per client_msg_id, in batches.

The sockets of a process share one database thread, and one transaction and
five ORM queries per message made that thread the first limit of chat
throughput (docs/benchmarks.md). So messages that arrive together
(chat.message_writer) are stored together: the reads every draft needs are
made once for the batch, the events are written with one INSERT, and there is
one commit. Each draft still gets its own answer: a refused one is left out,
the others are stored.
"""
import uuid
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, transaction

from chat.access import Actor, canonical_id, conversation_for_actor, not_yours, visible_among
from chat.broadcast import event_payload
from chat.models import Connection, Conversation, Event, Participant
from chat.protocol import ActionError, Reason
from chat.selectors import live_seen_after
from chat.services.conversations import participant_join
from chat.services.events import Author, NewEvent, event_record, events_record

STAFF_UNAVAILABLE_NOTICE = "Our team is not available right now. Your message is saved and we will answer as soon as someone is back."
MAX_MESSAGE_LENGTH = 4000


@dataclass(frozen=True)
class MessageDraft:
    """One message.send as the socket received it, before anything is checked."""
    actor: Actor
    conversation_id: str
    body: str
    client_msg_id: str | None = None
    # The connection id of the socket that sent it: its answer carries the stored
    # message, which the fan-out then leaves out for that socket (docs/protocol.md).
    answered_on: str | None = None


def messages_send(drafts: list[MessageDraft]) -> list[tuple[dict, bool] | ActionError]:
    """Store the drafts in one transaction. Each result is the stored message's
    payload (chat.broadcast.event_payload) with whether it was a retry, or the
    refusal of that draft alone."""
    try:
        with transaction.atomic():
            return _store_batch(drafts)
    except IntegrityError:
        # A retry of a message stored before (its client_msg_id is taken): the
        # batch is undone, and stored again one by one. Not read beforehand:
        # a query for the client_msg_ids of a batch scans every message of its
        # conversations, and slowed each batch as conversations grew (bench: chat).
        if len(drafts) > 1:
            return [result for draft in drafts for result in messages_send([draft])]
        return [(_retried_message(drafts[0]), True)]


def message_send(*, actor: Actor, conversation_id, body: str, client_msg_id: str | None) -> tuple[dict, bool]:
    """Store one message (once per client_msg_id); its payload and whether it was a retry."""
    (result,) = messages_send([MessageDraft(actor, conversation_id, body, client_msg_id)])
    if isinstance(result, ActionError):
        raise result
    return result


@dataclass(frozen=True, slots=True)
class _Conversation:
    """What a batch reads of a conversation (chat.access.visible_among needs pk and guest_id)."""
    key: str  # as events name it (chat.access.canonical_id)
    pk: uuid.UUID
    guest_id: uuid.UUID
    status: str


class _BatchReads:
    """What the drafts of one batch need to know, read for all of them at once
    (one statement, and one query per staff member for what they may see), as
    plain rows: model instances of every conversation and participant of a
    batch had been a third of its cost (bench: chat)."""

    def __init__(self, drafts: list[MessageDraft]):
        # Each id as the client wrote it -> as events name it, worked out once.
        self.keys = {draft.conversation_id: canonical_id(draft.conversation_id) for draft in drafts}
        ids = set(self.keys.values()) - {None}
        self.conversations: dict[str, _Conversation] = {}
        self.authors: dict[tuple, Author] = {}
        # Conversations where a staff member who has not left has a live socket.
        self.staff_online: set[str] = set()
        for (conversation_pk, guest_id, status, author_pk, kind, author_guest_id, user_id, display_name,
             staff_online) in _batch_rows(ids):
            key = str(conversation_pk)
            self.conversations[key] = _Conversation(key, conversation_pk, guest_id, status)
            if author_pk is not None:
                who = author_guest_id if kind == Participant.Kind.GUEST else user_id
                self.authors[(key, kind, str(who))] = Author(author_pk, kind, display_name)
            if staff_online:
                self.staff_online.add(key)
        self.visible = visible_among({draft.actor for draft in drafts}, self.conversations)

    def check(self, draft: MessageDraft) -> tuple[_Conversation, Author, str]:
        """The draft's conversation, author and body, or why it is refused."""
        body = draft.body.strip()
        if not body:
            raise ActionError(Reason.INVALID, "'body' is empty")
        if len(body) > MAX_MESSAGE_LENGTH:
            raise ActionError(Reason.INVALID, f"'body' is longer than {MAX_MESSAGE_LENGTH}")
        conversation = self.conversation_for(draft.actor, draft.conversation_id)
        if conversation.status == Conversation.Status.ENDED:
            raise ActionError(Reason.FORBIDDEN, "the conversation has ended")
        return conversation, self.author_for(draft.actor, conversation), body

    def conversation_for(self, actor: Actor, conversation_id: str) -> _Conversation:
        """As chat.access.conversation_for_actor: `forbidden` for someone else's and for none at all."""
        key = self.keys[conversation_id]
        if key not in self.visible[actor]:
            raise not_yours()
        return self.conversations[key]

    def author_for(self, actor: Actor, conversation: _Conversation) -> Author:
        who = actor.guest_id if actor.kind == Participant.Kind.GUEST else actor.user_id
        key = (conversation.key, actor.kind, str(who))
        author = self.authors.get(key)
        if author is None:
            # A staff member's first message here: they join (announced) first.
            participant = participant_join(actor=actor, conversation=Conversation.objects.get(pk=conversation.pk))
            author = self.authors[key] = Author(participant.pk, participant.kind, participant.display_name)
        return author


def _batch_rows(conversation_ids: set[str]) -> list[tuple]:
    """For each conversation: its facts with each guest or staff participant
    (or None) and whether that participant is staff who has not left, with a
    live socket. One statement, written out: the ORM's three queries cost more
    to compile than to run (bench: chat)."""
    if not conversation_ids:
        return []
    db = connections[DEFAULT_DB_ALIAS]
    quote = db.ops.quote_name

    def column(model, name):
        return quote(model._meta.get_field(name).column)

    pk = Conversation._meta.pk
    kind, user = column(Participant, "kind"), column(Participant, "user")
    sql = (
        f"SELECT c.{column(Conversation, 'id')}, c.{column(Conversation, 'guest')}, c.{column(Conversation, 'status')}, "
        f"p.{column(Participant, 'id')}, p.{kind}, p.{column(Participant, 'guest')}, p.{user}, "
        f"p.{column(Participant, 'display_name')}, "
        f"CASE WHEN p.{kind} = %s AND p.{column(Participant, 'left_at')} IS NULL AND EXISTS ("
        f"SELECT 1 FROM {quote(Connection._meta.db_table)} s WHERE s.{column(Connection, 'user')} = p.{user} "
        f"AND s.{column(Connection, 'closed_at')} IS NULL AND s.{column(Connection, 'last_seen_at')} >= %s"
        f") THEN 1 ELSE 0 END "
        f"FROM {quote(Conversation._meta.db_table)} c LEFT JOIN {quote(Participant._meta.db_table)} p "
        f"ON p.{column(Participant, 'conversation')} = c.{column(Conversation, 'id')} AND p.{kind} IN (%s, %s) "
        f"WHERE c.{column(Conversation, 'id')} IN ({', '.join(['%s'] * len(conversation_ids))})"
    )
    seen_after = Connection._meta.get_field("last_seen_at").get_db_prep_value(live_seen_after(), db)
    params = [Participant.Kind.STAFF, seen_after, Participant.Kind.GUEST, Participant.Kind.STAFF,
              *(pk.get_db_prep_value(conversation_id, db) for conversation_id in conversation_ids)]
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    # A conversation's key and its guest's come once per participant row: converted once each.
    uuids: dict = {None: None}

    def to_uuid(value):
        if value not in uuids:
            uuids[value] = pk.to_python(value)
        return uuids[value]

    return [(to_uuid(c_pk), to_uuid(guest), status, p_pk, p_kind, to_uuid(p_guest), *rest)
            for c_pk, guest, status, p_pk, p_kind, p_guest, *rest in rows]


def _store_batch(drafts: list[MessageDraft]) -> list[tuple[dict, bool] | ActionError]:
    batch = _BatchReads(drafts)
    results: list = [None] * len(drafts)
    accepted: list[tuple[int, NewEvent]] = []
    first_of_retry: dict[tuple, int] = {}  # (conversation, author, client_msg_id) -> index of its first draft here
    retries_in_batch: list[tuple[int, int]] = []
    for index, draft in enumerate(drafts):
        try:
            conversation, author, body = batch.check(draft)
        except ActionError as error:
            results[index] = error
            continue
        key = (conversation.pk, author.id, draft.client_msg_id)
        if draft.client_msg_id and key in first_of_retry:
            retries_in_batch.append((index, first_of_retry[key]))
        else:
            if draft.client_msg_id:
                first_of_retry[key] = index
            accepted.append((index, NewEvent(conversation.pk, Event.Type.MESSAGE, author, body,
                                             client_msg_id=draft.client_msg_id, answered_on=draft.answered_on)))
    payloads = events_record([new for _, new in accepted])
    for (index, _), payload in zip(accepted, payloads):
        results[index] = (payload, False)
    for index, first in retries_in_batch:
        results[index] = (results[first][0], True)
    _answer_guests([(new, payload) for (_, new), payload in zip(accepted, payloads)], batch)
    return results


def _answer_guests(stored: list[tuple[NewEvent, dict]], batch: _BatchReads) -> None:
    """The bot answers a guest it is talking to; with a person, a guest nobody is there for is told so."""
    noticed = set()
    for new, payload in stored:
        if new.author.kind != Participant.Kind.GUEST:
            continue
        conversation = batch.conversations[str(new.conversation_id)]
        if conversation.status == Conversation.Status.BOT:
            # Imported here: tasks import services, never the other way at import time.
            from chat.tasks import bot_reply_task

            # A worker answers: a responder may be slow, and a socket's
            # database thread is shared by every socket of the process.
            bot_reply_task.delay_on_commit(str(conversation.pk), payload["seq"])
        elif str(conversation.pk) not in batch.staff_online and conversation.pk not in noticed:
            noticed.add(conversation.pk)
            _notice_staff_unavailable(Conversation.objects.get(pk=conversation.pk))


def _retried_message(draft: MessageDraft) -> dict:
    conversation = conversation_for_actor(draft.actor, draft.conversation_id)
    participant = participant_join(actor=draft.actor, conversation=conversation)
    return event_payload(Event.objects.select_related("author").get(
        conversation=conversation, author=participant, client_msg_id=draft.client_msg_id))


def _notice_staff_unavailable(conversation: Conversation) -> None:
    """Tell the guest once per unanswered stretch that nobody is there (seed 003)."""
    last_other = (
        Event.objects.filter(conversation=conversation, type=Event.Type.MESSAGE)
        .exclude(author__kind=Participant.Kind.GUEST)
        .order_by("-seq").first()
    )
    if last_other and last_other.author_id is None and last_other.data.get("notice") == "staff_unavailable":
        return
    event_record(conversation=conversation, type=Event.Type.MESSAGE, body=STAFF_UNAVAILABLE_NOTICE,
                 data={"notice": "staff_unavailable"})

