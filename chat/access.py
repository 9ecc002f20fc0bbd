"""Who may act on which conversation: a guest on its own, staff on those of their queues."""
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from chat.models import Conversation, Participant
from chat.protocol import ActionError, Reason


@dataclass(frozen=True)
class Actor:
    kind: str  # Participant.Kind.GUEST or Participant.Kind.STAFF
    guest_id: object = None
    user_id: int | None = None


def conversations_visible_to(actor: Actor):
    """A guest sees its own conversations; staff those of their queues; superusers all."""
    conversations = Conversation.objects.all()
    if actor.kind == Participant.Kind.GUEST:
        return conversations.filter(guest_id=actor.guest_id)
    user = get_user_model().objects.get(pk=actor.user_id)
    if user.is_superuser:
        return conversations
    return conversations.filter(queue__agents__user=user)


def conversation_for_actor(actor: Actor, conversation_id) -> Conversation:
    """The conversation, or `forbidden` whether it is someone else's or does not exist."""
    try:
        return conversations_visible_to(actor).get(pk=conversation_id)
    except (Conversation.DoesNotExist, ValueError, TypeError, ValidationError):
        # ValueError/ValidationError: not a UUID. Same answer as "not yours": nothing leaks.
        raise ActionError(Reason.FORBIDDEN, "no such conversation for you")
