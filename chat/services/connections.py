"""The connection registry (seed 003): which sockets belong to whom, for presence."""
from django.db.models import Q
from django.utils import timezone

from chat.models import Connection, Conversation, Participant
from chat.selectors import live_connections, live_seen_after


def connection_open(*, connection_id: str, server: str, channel_name: str, guest_id=None, user_id=None,
                    remote_addr: str = "") -> list[str]:
    """Register a socket; returns the open conversations whose presence it changes."""
    was_online = _online(guest_id=guest_id, user_id=user_id)
    Connection.objects.create(
        id=connection_id, server=server, channel_name=channel_name, guest_id=guest_id, user_id=user_id,
        remote_addr=remote_addr, last_seen_at=timezone.now(),
    )
    return [] if was_online else _presence_conversations(guest_id=guest_id, user_id=user_id)


def connection_close(*, connection_id: str, close_code: int | None) -> list[str]:
    """Close a socket's row; returns the conversations where its owner just went offline."""
    connection = Connection.objects.filter(pk=connection_id, closed_at__isnull=True).first()
    if connection is None:
        return []
    Connection.objects.filter(pk=connection_id).update(closed_at=timezone.now(), close_code=close_code)
    if _online(guest_id=connection.guest_id, user_id=connection.user_id):
        return []
    return _presence_conversations(guest_id=connection.guest_id, user_id=connection.user_id)


def connections_touch(*, server: str) -> None:
    """One process vouches for all its sockets at once: one UPDATE per heartbeat tick."""
    Connection.objects.filter(server=server, closed_at__isnull=True).update(last_seen_at=timezone.now())


def connections_sweep() -> int:
    """Close the rows of processes that died without closing them (SIGKILL, power loss)."""
    return Connection.objects.filter(closed_at__isnull=True, last_seen_at__lt=live_seen_after()).update(
        closed_at=timezone.now()
    )


def _online(*, guest_id, user_id) -> bool:
    owner = Q(guest_id=guest_id) if guest_id else Q(user_id=user_id)
    return live_connections().filter(owner).exists()


def _presence_conversations(*, guest_id, user_id) -> list[str]:
    owner = Q(guest_id=guest_id) if guest_id else Q(user_id=user_id)
    participants = Participant.objects.filter(owner, left_at__isnull=True).exclude(
        conversation__status=Conversation.Status.ENDED
    )
    return [str(pk) for pk in participants.values_list("conversation_id", flat=True)]
