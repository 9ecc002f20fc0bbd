"""Ending a conversation: one function for the widget, the staff console, the
admin, the API and the idle-chat task (seed 000).

The guest's socket stays open: the server sends `chat.ended` and then the
survey offer, and the widget closes once it has both.
"""
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from chat.access import Actor, conversation_for_actor
from chat.models import Conversation, Event, Participant
from chat.selectors import live_connections
from chat.services.events import event_record
from queueing.services.reservations import reservations_release
from surveys.selectors import invitation_offer
from surveys.services import invitation_create

FAREWELL = "This chat has ended. Thank you for contacting us!"


def conversation_end(*, conversation_id, ended_by: str, user_id: int | None = None, reason: str = "") -> Conversation:
    """End once: farewell, then `chat.ended`, then the survey offer, all numbered in
    that order. Ending an ended conversation changes nothing."""
    with transaction.atomic():
        ended = (
            Conversation.objects.filter(pk=conversation_id).exclude(status=Conversation.Status.ENDED)
            .update(status=Conversation.Status.ENDED, ended_at=timezone.now(), ended_by=ended_by,
                    ended_by_user_id=user_id, end_reason=reason)
        )
        conversation = Conversation.objects.get(pk=conversation_id)
        if not ended:
            return conversation
        event_record(conversation=conversation, type=Event.Type.MESSAGE, body=FAREWELL, data={"notice": "farewell"})
        event_record(conversation=conversation, type=Event.Type.CHAT_ENDED,
                     data={"ended_by": ended_by, "reason": reason, "ended_at": conversation.ended_at.isoformat()})
        invitation = invitation_create(conversation=conversation)
        if invitation is not None:
            event_record(conversation=conversation, type=Event.Type.SURVEY_OFFERED, data=invitation_offer(invitation))
        # Frees the agent's capacity (routing the next reservation) and takes
        # the conversation out of any queue it still waits in.
        reservations_release(conversation=conversation)
    return conversation


def conversation_end_by(*, actor: Actor, conversation_id, reason: str = "") -> Conversation:
    """An end asked for by a participant (the widget, the staff console, the API)."""
    conversation = conversation_for_actor(actor, conversation_id)
    return conversation_end(
        conversation_id=conversation.pk,
        ended_by=actor.kind,
        user_id=actor.user_id if actor.kind == Participant.Kind.STAFF else None,
        reason=reason or f"ended by {actor.kind}",
    )


def idle_conversations_end() -> int:
    """End every conversation silent for CHAT_IDLE_END_SECONDS, or whose guest
    has had no socket open for CHAT_GUEST_GONE_SECONDS."""
    now = timezone.now()
    open_conversations = Conversation.objects.exclude(status=Conversation.Status.ENDED)
    silent = open_conversations.filter(last_activity_at__lt=now - timedelta(seconds=settings.CHAT_IDLE_END_SECONDS))
    present = live_connections().filter(guest__isnull=False).values("guest_id")
    gone = (
        open_conversations.exclude(guest_id__in=present)
        .annotate(guest_last_seen=Max("guest__connection__last_seen_at"))
        .filter(guest_last_seen__lt=now - timedelta(seconds=settings.CHAT_GUEST_GONE_SECONDS))
    )
    ended = 0
    for reason, conversations in (("idle", silent), ("guest gone", gone)):
        for conversation_id in conversations.values_list("pk", flat=True):
            conversation_end(conversation_id=conversation_id, ended_by="system", reason=reason)
            ended += 1
    return ended
