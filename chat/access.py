"""Who may act on which conversation: a guest on its own, staff on those of their queues."""
from dataclasses import dataclass

from django.contrib.auth import get_user_model

from chat.models import Conversation, Participant
from chat.protocol import ActionError, Reason


@dataclass(frozen=True)
class Actor:
    kind: str  # Participant.Kind.GUEST or Participant.Kind.STAFF
    guest_id: object = None
    user_id: int | None = None


def conversation_for_actor(actor: Actor, conversation_id) -> Conversation:
    """The conversation, or `forbidden` whether it is someone else's or does not exist."""
    conversations = Conversation.objects.all()
    if actor.kind == Participant.Kind.GUEST:
        conversations = conversations.filter(guest_id=actor.guest_id)
    else:
        user = get_user_model().objects.get(pk=actor.user_id)
        if not user.is_superuser:
            conversations = conversations.filter(queue__agents__user=user)
    try:
        return conversations.get(pk=conversation_id)
    except (Conversation.DoesNotExist, ValueError, TypeError):
        # ValueError: not a UUID. Same answer as "not yours": nothing leaks.
        raise ActionError(Reason.FORBIDDEN, "no such conversation for you")

