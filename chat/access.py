"""Who may act on which conversation: a guest on its own, staff on those of their queues."""
import uuid
from collections.abc import Iterable
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


def visible_among(actors: Iterable[Actor], conversations: dict[str, Conversation]) -> dict[Actor, set[str]]:
    """For each actor, the keys of `conversations` it may act on: the rule of
    conversations_visible_to for many at once, with no query for a guest and
    one for each staff member."""
    # Guests' conversations grouped once, UUIDs kept as UUIDs: matching every
    # guest against every conversation, as strings, was a tenth of the
    # database thread's time under chat load (bench: chat).
    by_guest: dict[uuid.UUID, set[str]] = {}
    for key, conversation in conversations.items():
        by_guest.setdefault(conversation.guest_id, set()).add(key)
    visible = {}
    for actor in set(actors):
        if actor.kind == Participant.Kind.GUEST:
            visible[actor] = by_guest.get(_as_uuid(actor.guest_id), set())
            continue
        pks = set(conversations_visible_to(actor).filter(
            pk__in=[conversation.pk for conversation in conversations.values()]
        ).values_list("pk", flat=True))
        visible[actor] = {key for key, conversation in conversations.items() if conversation.pk in pks}
    return visible


def conversation_for_actor(actor: Actor, conversation_id) -> Conversation:
    """The conversation, or `forbidden` whether it is someone else's or does not exist."""
    try:
        return conversations_visible_to(actor).get(pk=conversation_id)
    except (Conversation.DoesNotExist, ValueError, TypeError, ValidationError):
        # ValueError/ValidationError: not a UUID. Same answer as "not yours": nothing leaks.
        raise not_yours()


def not_yours() -> ActionError:
    return ActionError(Reason.FORBIDDEN, "no such conversation for you")


def _as_uuid(value) -> uuid.UUID | None:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        return None


def canonical_id(conversation_id) -> str | None:
    """A conversation id as events name it (lower case, with dashes), or None for what is no UUID."""
    as_uuid = _as_uuid(conversation_id)
    return None if as_uuid is None else str(as_uuid)
