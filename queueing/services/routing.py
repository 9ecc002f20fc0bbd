"""Who answers whom: offers, acceptance, offer timeouts and agent status.

The claim is safe on SQLite and PostgreSQL: an offer is made in one transaction
that (1) locks the agent row (`select_for_update` on PostgreSQL; on SQLite the
IMMEDIATE transaction already holds the database's write lock from BEGIN),
(2) counts the agent's load under that lock, and (3) moves the reservation with
a compare-and-set from `queued`. No reservation is offered twice and no agent
gets more than its capacity, whichever process routes.
"""
import logging
from datetime import datetime, timedelta
from enum import Enum

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from chat.services.conversations import conversation_assign
from queueing import broadcast
from queueing.errors import ErrorCode, QueueingError
from queueing.models import Agent, Reservation
from queueing.selectors import agent_load, agents_to_offer, reservation_payload, waiting_in_line
from queueing.services.line import queue_refresh, reservation_transition

logger = logging.getLogger(__name__)


class ClaimResult(Enum):
    OFFERED = "offered"
    AGENT_FULL = "agent_full"  # the agent went away or filled up since it was chosen
    TAKEN = "taken"  # another router offered this reservation first


def route_queue(*, queue_id) -> list[Reservation]:
    """Offer the queue's head to the least-loaded agent with a free slot, until
    nobody waits or nobody is free. Safe to run from many processes at once."""
    offered = []
    while True:
        head = waiting_in_line(queue_id=queue_id).filter(status=Reservation.Status.QUEUED).first()
        if head is None:
            return offered
        for agent in agents_to_offer(queue_id=queue_id):
            result = _offer(reservation=head, agent_id=agent.pk)
            if result is not ClaimResult.AGENT_FULL:
                break
        else:
            return offered
        if result is ClaimResult.OFFERED:
            offered.append(head)
        # TAKEN: someone else made progress on this queue; look at the new head.


def route_agent_queues(*, agent_id) -> list[Reservation]:
    offered = []
    for queue_id in Agent.queues.through.objects.filter(agent_id=agent_id).values_list("queue_id", flat=True):
        offered += route_queue(queue_id=queue_id)
    return offered


def _offer(*, reservation: Reservation, agent_id) -> ClaimResult:
    with transaction.atomic():
        agent = (
            Agent.objects.select_for_update().select_related("user")
            .filter(pk=agent_id, status=Agent.Status.AVAILABLE).first()
        )
        # Read under the lock: the offer's time is when it was really made.
        now = timezone.now()
        if agent is None or agent_load(agent_id=agent_id) >= agent.capacity:
            return ClaimResult.AGENT_FULL
        if not reservation_transition(
            reservation=reservation, from_statuses=[Reservation.Status.QUEUED],
            status=Reservation.Status.OFFERED, offered_agent=agent, offered_at=now,
        ):
            return ClaimResult.TAKEN
        Agent.objects.filter(pk=agent_id).update(last_offered_at=now)
        queue_refresh(queue_id=reservation.queue_id, now=now, force_ids={reservation.pk})
        broadcast.notify_agent_on_commit(agent, broadcast.EventName.RESERVATION_OFFERED, {
            **reservation_payload(reservation),
            "conversation": str(reservation.conversation_id),
            "offer_expires_at": (now + timedelta(seconds=settings.QUEUE_OFFER_TIMEOUT_SECONDS)).isoformat(),
        })
    return ClaimResult.OFFERED


def offer_accept(*, reservation: Reservation, user_id: int) -> Reservation:
    """The agent takes the chat: the reservation is matched and they join the conversation."""
    agent = Agent.objects.select_related("user").filter(user_id=user_id).first()
    if agent is None:
        raise QueueingError(ErrorCode.INVALID, "only agents accept offers")
    with transaction.atomic():
        # Agent row before queue row, the order routing takes them in: the
        # match's foreign key to the agent needs a share lock on that row, and
        # taking it after the queue lock deadlocked on PostgreSQL.
        Agent.objects.select_for_update().filter(pk=agent.pk).first()
        accepted = reservation_transition(
            reservation=reservation, from_statuses=[Reservation.Status.OFFERED], condition=Q(offered_agent=agent),
            status=Reservation.Status.MATCHED, agent=agent, matched_at=timezone.now(),
        )
        if not accepted:
            raise QueueingError(ErrorCode.CONFLICT, "this offer is no longer yours to accept")
        conversation_assign(conversation=reservation.conversation, user_id=user_id)
        queue_refresh(queue_id=reservation.queue_id)
    return reservation


def offer_withdraw(*, reservation: Reservation, agent: Agent) -> None:
    """Tell the agent an offer they held is gone. Call inside the changing transaction."""
    broadcast.notify_agent_on_commit(agent, broadcast.EventName.RESERVATION_WITHDRAWN, reservation_payload(reservation))


def offer_timeout_sweep(*, now: datetime | None = None) -> int:
    """Offers not accepted in QUEUE_OFFER_TIMEOUT_SECONDS go back to the queue.

    The reservation keeps its created_at, so it is at the head again. The agent
    who let it lapse is set away: they are evidently not at their desk, and
    otherwise the same customer would be offered straight back to them.
    Returns how many offers timed out.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.QUEUE_OFFER_TIMEOUT_SECONDS)
    lapsed = Reservation.objects.filter(status=Reservation.Status.OFFERED, offered_at__lt=cutoff).select_related(
        "offered_agent__user"
    )
    queue_ids = set()
    returned = 0
    for reservation in lapsed:
        agent = reservation.offered_agent
        with transaction.atomic():
            if not reservation_transition(
                reservation=reservation, from_statuses=[Reservation.Status.OFFERED],
                condition=Q(offered_at__lt=cutoff),
                status=Reservation.Status.QUEUED, offered_agent=None, offered_at=None,
            ):
                continue
            if agent is not None:
                offer_withdraw(reservation=reservation, agent=agent)
                if Agent.objects.filter(pk=agent.pk, status=Agent.Status.AVAILABLE).update(status=Agent.Status.AWAY):
                    broadcast.notify_agent_on_commit(agent, broadcast.EventName.AGENT_STATUS, {
                        "status": Agent.Status.AWAY, "reason": "offer_timeout",
                    })
            queue_refresh(queue_id=reservation.queue_id, now=now, force_ids={reservation.pk})
        queue_ids.add(reservation.queue_id)
        returned += 1
        logger.info("offer of %s to %s timed out", reservation.public_id, agent)
    # Someone else may be free for the customers just put back at the head.
    for queue_id in queue_ids:
        route_queue(queue_id=queue_id)
    return returned


def agent_set_status(*, agent: Agent, status: str) -> Agent:
    """Set an agent's status. Available: they get offers at once. Otherwise the
    offers they hold go back to the head of their queues."""
    if status not in Agent.Status.values:
        raise QueueingError(ErrorCode.INVALID, f"status must be one of {', '.join(Agent.Status.values)}")
    with transaction.atomic():
        Agent.objects.filter(pk=agent.pk).update(status=status)
        agent.status = status
        if status != Agent.Status.AVAILABLE:
            for reservation in Reservation.objects.filter(offered_agent=agent, status=Reservation.Status.OFFERED):
                if reservation_transition(
                    reservation=reservation, from_statuses=[Reservation.Status.OFFERED],
                    status=Reservation.Status.QUEUED, offered_agent=None, offered_at=None,
                ):
                    offer_withdraw(reservation=reservation, agent=agent)
                    queue_refresh(queue_id=reservation.queue_id, force_ids={reservation.pk})
    if status == Agent.Status.AVAILABLE:
        route_agent_queues(agent_id=agent.pk)
    return agent
