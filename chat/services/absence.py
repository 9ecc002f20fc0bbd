"""Agents whose staff console has been gone longer than CHAT_AGENT_GRACE_SECONDS:
marked offline, their chats back to the head of the queue (a short network drop
within the grace period changes nothing: the console reconnects and resumes)."""
from datetime import timedelta

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from chat.models import Connection, Conversation, Participant
from chat.selectors import live_connections
from chat.services.escalation import conversation_requeue_after_agent_loss
from queueing.models import Agent
from queueing.services.routing import agent_set_status


def absent_agents_release() -> int:
    """Returns how many agents were found gone."""
    gone_before = timezone.now() - timedelta(seconds=settings.CHAT_AGENT_GRACE_SECONDS)
    present = live_connections().filter(user__isnull=False).values("user_id")
    gone = list(
        Connection.objects.filter(user__isnull=False).exclude(user_id__in=present)
        .values("user_id").annotate(last=Max("last_seen_at")).filter(last__lt=gone_before)
        .values_list("user_id", flat=True)
    )
    released = 0
    for agent in Agent.objects.filter(user_id__in=gone).exclude(status=Agent.Status.OFFLINE):
        agent_set_status(agent=agent, status=Agent.Status.OFFLINE)
        released += 1
    for user_id in gone:
        chats = Conversation.objects.filter(
            status=Conversation.Status.ACTIVE, participants__user_id=user_id,
            participants__kind=Participant.Kind.STAFF, participants__left_at__isnull=True,
        )
        for conversation in chats:
            conversation_requeue_after_agent_loss(conversation=conversation, user_id=user_id)
    return released
