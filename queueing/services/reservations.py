"""A customer's reservation from joining a queue to leaving it."""
import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from chat.models import Conversation, Guest
from chat.services.conversations import conversation_start, conversation_unqueue
from queueing import broadcast
from queueing.errors import ErrorCode, QueueingError
from queueing.models import Queue, Reservation
from queueing.selectors import LINE_ORDER
from queueing.services.line import queue_refresh, reservation_transition
from queueing.services.routing import offer_withdraw, route_agent_queues, route_queue

logger = logging.getLogger(__name__)


def reservation_create(*, guest: Guest, queue_name: str, priority: int = 0,
                       conversation: Conversation | None = None) -> tuple[Reservation, bool]:
    """Put the guest in line for `conversation` (one of theirs, e.g. a bot chat
    being escalated) or a new one; returns (reservation, created).

    A guest already waiting in that queue gets their reservation back instead
    of a second place in line (a retried request must not double-book).
    """
    if conversation is not None and conversation.guest_id != guest.pk:
        raise QueueingError(ErrorCode.INVALID, "the conversation is not the guest's")
    queue = Queue.objects.filter(name=queue_name).first()
    if queue is None:
        raise QueueingError(ErrorCode.NOT_FOUND, f"no queue named '{queue_name}'")
    existing = _waiting_reservation(guest=guest, queue=queue)
    if existing:
        return existing, False
    try:
        with transaction.atomic():
            if conversation is None:
                conversation = conversation_start(guest_id=guest.pk, queue_name=queue.name)
            reservation = Reservation.objects.create(
                queue=queue, guest=guest, conversation=conversation, priority=priority, last_seen_at=timezone.now()
            )
            queue_refresh(queue_id=queue.pk, force_ids={reservation.pk})
    except IntegrityError:
        # A concurrent request of the same guest won the unique constraint.
        existing = _waiting_reservation(guest=guest, queue=queue)
        if existing is None:
            raise
        return existing, False
    route_queue(queue_id=queue.pk)
    reservation.refresh_from_db()
    return reservation, True


def _waiting_reservation(*, guest: Guest, queue: Queue) -> Reservation | None:
    return Reservation.objects.filter(guest=guest, queue=queue, status__in=Reservation.WAITING).first()


def reservation_cancel(*, reservation: Reservation) -> Reservation:
    """Leave the line. Canceling twice is not an error; canceling a chat that
    was answered or is over is."""
    if reservation.status == Reservation.Status.CANCELED:
        return reservation
    agent = reservation.offered_agent if reservation.status == Reservation.Status.OFFERED else None
    with transaction.atomic():
        if not reservation_transition(
            reservation=reservation, from_statuses=Reservation.WAITING,
            status=Reservation.Status.CANCELED, canceled_at=timezone.now(),
        ):
            reservation.refresh_from_db()
            if reservation.status == Reservation.Status.CANCELED:
                return reservation
            raise QueueingError(ErrorCode.CONFLICT, f"a reservation that is {reservation.status} cannot be canceled")
        if agent is not None:
            offer_withdraw(reservation=reservation, agent=agent)
        conversation_unqueue(conversation=reservation.conversation)
        queue_refresh(queue_id=reservation.queue_id)
    if agent is not None:
        route_agent_queues(agent_id=agent.pk)
    return reservation


def reservation_seen(*, reservation: Reservation) -> None:
    """The customer showed they are still there: the idle timeout starts again."""
    Reservation.objects.filter(pk=reservation.pk, status__in=Reservation.WAITING).update(
        last_seen_at=timezone.now(), idle_warned_at=None
    )


def reservation_rejoin(*, reservation: Reservation) -> Reservation:
    """Back in line at the original place, for a customer whose reservation
    expired for being quiet no longer than QUEUE_REJOIN_GRACE_SECONDS ago."""
    now = timezone.now()
    grace_start = now - timedelta(seconds=settings.QUEUE_REJOIN_GRACE_SECONDS)
    return _requeue(
        reservation=reservation, from_statuses=[Reservation.Status.EXPIRED], now=now,
        condition=Q(expire_reason=Reservation.ExpireReason.IDLE, expired_at__gte=grace_start),
        refusal="only a reservation that expired for being idle can rejoin, within "
                f"{settings.QUEUE_REJOIN_GRACE_SECONDS:g} s",
    )


def reservation_requeue(*, reservation: Reservation) -> Reservation:
    """Staff put a reservation back in line at its original place: an offer is
    pulled back, an expired or canceled reservation waits again."""
    agent = reservation.offered_agent if reservation.status == Reservation.Status.OFFERED else None
    reservation = _requeue(
        reservation=reservation, now=timezone.now(),
        from_statuses=[Reservation.Status.OFFERED, Reservation.Status.EXPIRED, Reservation.Status.CANCELED],
        refusal=f"a reservation that is {reservation.status} cannot be put back in line",
        withdrawn_from=agent,
    )
    if agent is not None:
        route_agent_queues(agent_id=agent.pk)
    return reservation


def _requeue(*, reservation: Reservation, from_statuses, now: datetime, refusal: str, condition: Q = Q(),
             withdrawn_from=None) -> Reservation:
    try:
        with transaction.atomic():
            if not reservation_transition(
                reservation=reservation, from_statuses=from_statuses, condition=condition,
                status=Reservation.Status.QUEUED, offered_agent=None, offered_at=None, expired_at=None,
                canceled_at=None, expire_reason="", last_seen_at=now, idle_warned_at=None,
            ):
                raise QueueingError(ErrorCode.CONFLICT, refusal)
            if withdrawn_from is not None:
                offer_withdraw(reservation=reservation, agent=withdrawn_from)
            queue_refresh(queue_id=reservation.queue_id, now=now, force_ids={reservation.pk})
    except IntegrityError:
        raise QueueingError(ErrorCode.CONFLICT, "the guest is already waiting in this queue again")
    route_queue(queue_id=reservation.queue_id)
    reservation.refresh_from_db()
    return reservation


def reservation_complete(*, reservation: Reservation) -> Reservation:
    """The chat is over: the agent's slot is free and its length is a handle time."""
    with transaction.atomic():
        if not reservation_transition(
            reservation=reservation, from_statuses=[Reservation.Status.MATCHED],
            status=Reservation.Status.COMPLETED, completed_at=timezone.now(),
        ):
            raise QueueingError(ErrorCode.CONFLICT, "only a matched reservation can be completed")
        queue_refresh(queue_id=reservation.queue_id)
    if reservation.agent_id:
        route_agent_queues(agent_id=reservation.agent_id)
    return reservation


def reservations_release(*, conversation: Conversation) -> int:
    """The conversation needs no queue or agent any more (it ended, or its agent
    left it): a matched reservation is completed, freeing the agent's slot for
    the next customer, and a waiting one is canceled. Returns how many changed."""
    released = 0
    for reservation in conversation.reservations.filter(
        status__in=[*Reservation.WAITING, Reservation.Status.MATCHED]
    ).select_related("offered_agent"):
        try:
            if reservation.status == Reservation.Status.MATCHED:
                reservation_complete(reservation=reservation)
            else:
                reservation_cancel(reservation=reservation)
            released += 1
        except QueueingError:
            pass  # changed meanwhile by someone else (accepted, expired): theirs to publish
    return released


def reservations_expire_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Warn customers quiet for a while; expire those quiet for the queue's idle
    timeout or waiting past its max wait. Only `queued` ones: an offered
    reservation is about to be answered, and the offer timeout puts it back if not.
    Every step is a conditional update, so a second run changes nothing."""
    now = now or timezone.now()
    counts = {"warned": 0, "idle": 0, "max_wait": 0}
    for queue in Queue.objects.filter(reservations__status=Reservation.Status.QUEUED).distinct():
        # In line order: warnings and expiries go out head first, the same on every database.
        queued = Reservation.objects.filter(queue=queue, status=Reservation.Status.QUEUED).order_by(*LINE_ORDER)
        idle_cutoff = now - timedelta(seconds=queue.idle_timeout_seconds)
        overdue = Q(created_at__lt=now - timedelta(seconds=queue.max_wait_seconds))
        quiet = Q(last_seen_at__lt=idle_cutoff)
        for reservation in queued.filter(overdue):
            counts["max_wait"] += _expire(reservation, Reservation.ExpireReason.MAX_WAIT, overdue, now)
        for reservation in queued.filter(quiet):
            counts["idle"] += _expire(reservation, Reservation.ExpireReason.IDLE, quiet, now)
        warn_cutoff = now - timedelta(seconds=_idle_warning_after(queue))
        for reservation in queued.filter(last_seen_at__lt=warn_cutoff, idle_warned_at__isnull=True):
            counts["warned"] += _warn_idle(reservation, queue, now)
    return counts


def _idle_warning_after(queue: Queue) -> float:
    """Quiet seconds after which the warning goes out: QUEUE_IDLE_WARNING_SECONDS
    before the expiry, but never in the first half of the timeout (a short
    timeout would otherwise warn at once)."""
    timeout = queue.idle_timeout_seconds
    return max(timeout - settings.QUEUE_IDLE_WARNING_SECONDS, timeout / 2)


def _expire(reservation: Reservation, reason: str, still: Q, now: datetime) -> int:
    with transaction.atomic():
        if not reservation_transition(
            reservation=reservation, from_statuses=[Reservation.Status.QUEUED], condition=still,
            status=Reservation.Status.EXPIRED, expired_at=now, expire_reason=reason,
        ):
            return 0
        queue_refresh(queue_id=reservation.queue_id, now=now)
    logger.info("reservation %s expired: %s", reservation.public_id, reason)
    return 1


def _warn_idle(reservation: Reservation, queue: Queue, now: datetime) -> int:
    with transaction.atomic():
        if not Reservation.objects.filter(
            pk=reservation.pk, status=Reservation.Status.QUEUED, idle_warned_at__isnull=True
        ).update(idle_warned_at=now):
            return 0
        expires_at = reservation.last_seen_at + timedelta(seconds=queue.idle_timeout_seconds)
        broadcast.notify_customer_on_commit(reservation, broadcast.EventName.RESERVATION_IDLE_WARNING, {
            "id": str(reservation.public_id), "expires_at": expires_at.isoformat(),
        })
    return 1


def queues_refresh() -> int:
    """Recompute every waiting customer's position and estimate; returns how
    many changed enough to be published."""
    published = 0
    queue_ids = Reservation.objects.filter(status__in=Reservation.WAITING).values_list("queue_id", flat=True)
    for queue_id in set(queue_ids):
        with transaction.atomic():
            published += queue_refresh(queue_id=queue_id)
    return published
