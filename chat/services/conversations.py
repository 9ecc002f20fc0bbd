"""Writes on conversations: start, join, read, assign (messages: chat.services.messages)."""
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from chat.access import Actor, conversation_for_actor
from chat.models import Conversation, Event, Guest, Participant
from chat.protocol import ActionError, Reason
from chat.services.events import event_record
from integrations.webhooks import conversation_created_payload, emit_on_commit
from queueing.models import Queue

LEFT_QUEUE_NOTICE = "You left the queue. Our assistant is here again if you need anything."


def conversation_start(*, guest_id, queue_name: str | None = None) -> Conversation:
    queue_name = queue_name or settings.CHAT_DEFAULT_QUEUE
    queue = Queue.objects.filter(name=queue_name).first()
    if queue is None:
        raise ActionError(Reason.NOT_FOUND, f"no queue named '{queue_name}'")
    guest = Guest.objects.get(pk=guest_id)
    with transaction.atomic():
        conversation = Conversation.objects.create(guest=guest, queue=queue)
        Participant.objects.create(
            conversation=conversation, kind=Participant.Kind.GUEST, guest=guest, display_name=str(guest)
        )
        emit_on_commit("conversation.created", conversation_created_payload(conversation))
    return conversation


def participant_join(*, actor: Actor, conversation: Conversation) -> Participant:
    """The actor's participant row, created (and announced, for staff) on first use."""
    if actor.kind == Participant.Kind.GUEST:
        return Participant.objects.get(conversation=conversation, guest_id=actor.guest_id)
    with transaction.atomic():
        participant = Participant.objects.filter(conversation=conversation, user_id=actor.user_id).first()
        if participant is None:
            user = get_user_model().objects.get(pk=actor.user_id)
            participant = Participant.objects.create(
                conversation=conversation, kind=Participant.Kind.STAFF, user=user,
                display_name=user.get_full_name() or user.get_username(),
            )
            event_record(conversation=conversation, type=Event.Type.PARTICIPANT_JOINED, author=participant,
                         data={"participant": participant.id, "name": participant.display_name, "kind": participant.kind})
    return participant


def read_mark(*, actor: Actor, conversation_id, seq: int) -> Participant:
    conversation = conversation_for_actor(actor, conversation_id)
    participant = participant_join(actor=actor, conversation=conversation)
    seq = min(seq, conversation.last_seq)
    Participant.objects.filter(pk=participant.pk, last_read_seq__lt=seq).update(last_read_seq=seq)
    participant.last_read_seq = max(participant.last_read_seq, seq)
    return participant


def conversation_assign(*, conversation: Conversation, user_id: int) -> Participant:
    """An agent accepted the conversation's reservation: they join and it is active."""
    participant = participant_join(actor=Actor(kind=Participant.Kind.STAFF, user_id=user_id), conversation=conversation)
    if participant.left_at is not None:
        Participant.objects.filter(pk=participant.pk).update(left_at=None)
        event_record(conversation=conversation, type=Event.Type.PARTICIPANT_JOINED, author=participant,
                     data={"participant": participant.id, "name": participant.display_name, "kind": participant.kind})
    Conversation.objects.filter(pk=conversation.pk).update(status=Conversation.Status.ACTIVE)
    return participant


def conversation_unqueue(*, conversation: Conversation) -> None:
    """Its reservation was canceled before anyone answered: the bot takes the conversation back."""
    if Conversation.objects.filter(pk=conversation.pk, status=Conversation.Status.WAITING).update(
        status=Conversation.Status.BOT
    ):
        event_record(conversation=conversation, type=Event.Type.MESSAGE, body=LEFT_QUEUE_NOTICE,
                     data={"notice": "left_queue"})
