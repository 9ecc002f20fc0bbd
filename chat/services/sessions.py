"""What a socket's `hello` does: who is this, register the socket, what is theirs."""
from django.contrib.auth import get_user_model

from chat.models import Conversation
from chat.selectors import conversations_summary
from chat.services.connections import connection_open
from chat.services.queue_actions import staff_agent_state
from chat.services.guests import guest_create, guest_from_token, guest_token


def guest_hello(*, token: str | None, connection: dict) -> dict:
    guest = guest_from_token(token) if token else guest_create()
    went_online = connection_open(guest_id=guest.id, **connection)
    return {
        "guest": {"id": str(guest.id), "token": guest_token(guest), "name": str(guest)},
        "conversations": conversations_summary(
            Conversation.objects.filter(guest=guest).exclude(status=Conversation.Status.ENDED)
        ),
        "went_online": went_online,
    }


def staff_hello(*, user_id: int, connection: dict) -> dict:
    user = get_user_model().objects.get(pk=user_id)
    went_online = connection_open(user_id=user.id, **connection)
    conversations = Conversation.objects.filter(participants__user=user, participants__left_at__isnull=True).exclude(
        status=Conversation.Status.ENDED
    )
    return {
        "user": {"id": user.id, "name": user.get_full_name() or user.get_username()},
        "conversations": conversations_summary(conversations),
        **staff_agent_state(user_id=user.id),
        "went_online": went_online,
    }
