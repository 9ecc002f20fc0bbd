"""Handing a conversation to a queue: the guest asking for a person, or staff
escalating (to another tier, with priority) or transferring it. The history
stays with the conversation, so whoever answers next sees everything."""
from django.db import transaction
from django.utils import timezone

from chat.access import Actor, conversation_for_actor
from chat.models import Conversation, Event, Participant
from chat.protocol import ActionError, Reason
from chat.services.events import event_record
from queueing.models import Queue, Reservation
from queueing.services.reservations import reservation_create, reservations_release

# An escalated chat has already waited once: it goes ahead of first-time arrivals.
ESCALATION_PRIORITY = 10
# A chat whose agent vanished mid-conversation goes to the head of the line.
RETURNED_PRIORITY = 100
AGENT_LOST_NOTICE = ("Your agent has lost their connection. You are back at the front of the queue, "
                     "and whoever answers next sees the whole conversation.")


def conversation_escalate(*, actor: Actor, conversation_id, queue_name: str | None = None,
                          transfer: bool = False) -> Reservation:
    """Put the conversation in line for a person; returns its reservation."""
    conversation = conversation_for_actor(actor, conversation_id)
    if conversation.status == Conversation.Status.ENDED:
        raise ActionError(Reason.FORBIDDEN, "the conversation has ended")
    if actor.kind == Participant.Kind.GUEST:
        if conversation.status != Conversation.Status.BOT:
            waiting = conversation.reservations.filter(status__in=Reservation.WAITING).first()
            if waiting:
                return waiting  # asked twice: the same place in line
            raise ActionError(Reason.FORBIDDEN, "a person is already in this conversation")
        queue, priority = conversation.queue, 0
        notice = f"You are in the queue for {queue.display_name}. A person from our team will be with you shortly."
    else:
        queue = Queue.objects.filter(name=queue_name or "").first()
        if queue is None:
            raise ActionError(Reason.NOT_FOUND, f"no queue named '{queue_name}'")
        priority = 0 if transfer else ESCALATION_PRIORITY
        notice = f"We are passing your conversation to {queue.display_name}. Your messages go with it."
    with transaction.atomic():
        if actor.kind == Participant.Kind.STAFF:
            # Whoever holds the chat (the agent, or the agent a supervisor moves it from) leaves it.
            for user_id in conversation.participants.filter(
                kind=Participant.Kind.STAFF, left_at__isnull=True
            ).values_list("user_id", flat=True):
                staff_leave(conversation=conversation, user_id=user_id)
        return _line_up(conversation=conversation, queue=queue, priority=priority, notice=notice, by=actor.kind,
                        kind="transfer" if transfer else "escalate")


def conversation_requeue_after_agent_loss(*, conversation: Conversation, user_id: int) -> Reservation:
    """The agent's console has been gone past the grace period: the conversation
    goes back to the head of its queue, history and all."""
    with transaction.atomic():
        staff_leave(conversation=conversation, user_id=user_id)
        return _line_up(conversation=conversation, queue=conversation.queue, priority=RETURNED_PRIORITY,
                        notice=AGENT_LOST_NOTICE, by="system", kind="agent_lost")


def _line_up(*, conversation: Conversation, queue: Queue, priority: int, notice: str, by: str,
             kind: str) -> Reservation:
    Conversation.objects.filter(pk=conversation.pk).update(status=Conversation.Status.WAITING, queue=queue)
    event_record(conversation=conversation, type=Event.Type.ESCALATED,
                 data={"queue": queue.name, "queue_name": queue.display_name, "by": by, "kind": kind})
    event_record(conversation=conversation, type=Event.Type.MESSAGE, body=notice, data={"notice": "queued"})
    reservation, _ = reservation_create(guest=conversation.guest, queue_name=queue.name, priority=priority,
                                        conversation=conversation)
    return reservation


def staff_leave(*, conversation: Conversation, user_id: int) -> None:
    """The agent leaves the conversation (escalated, transferred, or gone): their slot is freed."""
    participant = conversation.participants.filter(user_id=user_id, left_at__isnull=True).first()
    if participant is None:
        return
    Participant.objects.filter(pk=participant.pk).update(left_at=timezone.now())
    event_record(conversation=conversation, type=Event.Type.PARTICIPANT_LEFT, author=participant,
                 data={"participant": participant.id, "name": participant.display_name, "kind": participant.kind})
    reservations_release(conversation=conversation)

