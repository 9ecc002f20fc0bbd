"""message.send: store messages, once per client_msg_id, in batches.

The sockets of a process share one database thread, and one transaction and
five ORM queries per message made that thread the first limit of chat
throughput (docs/benchmarks.md). So messages that arrive together
(chat.message_writer) are stored together: the reads every draft needs are
made once for the batch, the events are written with one INSERT, and there is
one commit. Each draft still gets its own answer: a refused one is left out,
the others are stored.
"""
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from chat.access import Actor, canonical_id, conversation_for_actor, not_yours, visible_among
from chat.models import Conversation, Event, Participant
from chat.protocol import ActionError, Reason
from chat.selectors import live_connections
from chat.services.conversations import participant_join
from chat.services.events import NewEvent, event_record, events_record

STAFF_UNAVAILABLE_NOTICE = "Our team is not available right now. Your message is saved and we will answer as soon as someone is back."
MAX_MESSAGE_LENGTH = 4000
CONVERSATION_COLUMNS = ("id", "guest_id", "status", "last_seq")
# What an event's author gives its payload (chat.broadcast.event_payload), and who is present.
PARTICIPANT_COLUMNS = ("id", "conversation_id", "kind", "guest_id", "user_id", "display_name", "left_at")


@dataclass(frozen=True)
class MessageDraft:
    """One message.send as the socket received it, before anything is checked."""
    actor: Actor
    conversation_id: str
    body: str
    client_msg_id: str | None = None


def messages_send(drafts: list[MessageDraft]) -> list[tuple[Event, bool] | ActionError]:
    """Store the drafts in one transaction. Each result is the stored event with
    whether it was a retry, or the refusal of that draft alone."""
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


def message_send(*, actor: Actor, conversation_id, body: str, client_msg_id: str | None) -> tuple[Event, bool]:
    """Store one message (once per client_msg_id) and return it with whether it was a retry."""
    (result,) = messages_send([MessageDraft(actor, conversation_id, body, client_msg_id)])
    if isinstance(result, ActionError):
        raise result
    return result


class _BatchReads:
    """What the drafts of one batch need to know, read with a few queries for all of them."""

    def __init__(self, drafts: list[MessageDraft]):
        ids = {canonical_id(draft.conversation_id) for draft in drafts} - {None}
        # Only the columns a batch reads: converting the others (timestamps, for
        # the most part) made these reads about an eighth slower (5.0 ms against
        # 4.4 ms for a batch of 100 rooms, measured alone).
        self.conversations = {
            str(pk): c for pk, c in Conversation.objects.only(*CONVERSATION_COLUMNS).in_bulk(ids).items()
        }
        self.visible = visible_among({draft.actor for draft in drafts}, self.conversations)
        self.participants: dict[tuple, Participant] = {}
        for participant in Participant.objects.only(*PARTICIPANT_COLUMNS).filter(conversation_id__in=ids, kind__in=[
            Participant.Kind.GUEST, Participant.Kind.STAFF,
        ]):
            self.participants[_participant_key(participant)] = participant
        staff_present = [
            participant for participant in self.participants.values()
            if participant.kind == Participant.Kind.STAFF and participant.left_at is None
        ]
        online_users = set(live_connections().filter(
            user_id__in={participant.user_id for participant in staff_present}
        ).values_list("user_id", flat=True))
        # Conversations where a staff member who has not left has a live socket.
        self.staff_online = {
            str(participant.conversation_id) for participant in staff_present if participant.user_id in online_users
        }

    def check(self, draft: MessageDraft) -> tuple[Conversation, Participant, str]:
        """The draft's conversation, author and body, or why it is refused."""
        body = draft.body.strip()
        if not body:
            raise ActionError(Reason.INVALID, "'body' is empty")
        if len(body) > MAX_MESSAGE_LENGTH:
            raise ActionError(Reason.INVALID, f"'body' is longer than {MAX_MESSAGE_LENGTH}")
        conversation = self.conversation_for(draft.actor, draft.conversation_id)
        if conversation.status == Conversation.Status.ENDED:
            raise ActionError(Reason.FORBIDDEN, "the conversation has ended")
        return conversation, self.participant_for(draft.actor, conversation), body

    def conversation_for(self, actor: Actor, conversation_id: str) -> Conversation:
        """As chat.access.conversation_for_actor: `forbidden` for someone else's and for none at all."""
        key = canonical_id(conversation_id)
        if key not in self.visible[actor]:
            raise not_yours()
        return self.conversations[key]

    def participant_for(self, actor: Actor, conversation: Conversation) -> Participant:
        key = _actor_key(actor, conversation)
        participant = self.participants.get(key)
        if participant is None:
            participant = self.participants[key] = participant_join(actor=actor, conversation=conversation)
        return participant


def _store_batch(drafts: list[MessageDraft]) -> list[tuple[Event, bool] | ActionError]:
    batch = _BatchReads(drafts)
    results: list = [None] * len(drafts)
    accepted: list[tuple[int, NewEvent]] = []
    first_of_retry: dict[tuple, int] = {}  # (conversation, author, client_msg_id) -> index of its first draft here
    retries_in_batch: list[tuple[int, int]] = []
    for index, draft in enumerate(drafts):
        try:
            conversation, participant, body = batch.check(draft)
        except ActionError as error:
            results[index] = error
            continue
        key = (str(conversation.pk), participant.pk, draft.client_msg_id)
        if draft.client_msg_id and key in first_of_retry:
            retries_in_batch.append((index, first_of_retry[key]))
        else:
            if draft.client_msg_id:
                first_of_retry[key] = index
            accepted.append((index, NewEvent(conversation, Event.Type.MESSAGE, participant, body,
                                             client_msg_id=draft.client_msg_id)))
    events = events_record([new for _, new in accepted])
    for (index, _), event in zip(accepted, events):
        results[index] = (event, False)
    for index, first in retries_in_batch:
        results[index] = (results[first][0], True)
    _answer_guests([(new, event) for (_, new), event in zip(accepted, events)], batch)
    return results


def _answer_guests(stored: list[tuple[NewEvent, Event]], batch: "_BatchReads") -> None:
    """The bot answers a guest it is talking to; with a person, a guest nobody is there for is told so."""
    noticed = set()
    for new, event in stored:
        conversation = new.conversation
        if new.author.kind != Participant.Kind.GUEST:
            continue
        if conversation.status == Conversation.Status.BOT:
            # Imported here: tasks import services, never the other way at import time.
            from chat.tasks import bot_reply_task

            # A worker answers: a responder may be slow, and a socket's
            # database thread is shared by every socket of the process.
            bot_reply_task.delay_on_commit(str(conversation.pk), event.seq)
        elif str(conversation.pk) not in batch.staff_online and conversation.pk not in noticed:
            noticed.add(conversation.pk)
            _notice_staff_unavailable(conversation)


def _retried_message(draft: MessageDraft) -> Event:
    conversation = conversation_for_actor(draft.actor, draft.conversation_id)
    participant = participant_join(actor=draft.actor, conversation=conversation)
    return Event.objects.get(conversation=conversation, author=participant, client_msg_id=draft.client_msg_id)


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


def _participant_key(participant: Participant) -> tuple:
    who = participant.guest_id if participant.kind == Participant.Kind.GUEST else participant.user_id
    return (str(participant.conversation_id), participant.kind, str(who))


def _actor_key(actor: Actor, conversation: Conversation) -> tuple:
    who = actor.guest_id if actor.kind == Participant.Kind.GUEST else actor.user_id
    return (str(conversation.pk), actor.kind, str(who))
