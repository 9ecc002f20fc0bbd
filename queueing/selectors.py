"""Reads of the queueing domain: order, positions, loads, live figures."""
from datetime import datetime

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from queueing.estimates import QueueFigures, estimate_wait_seconds
from queueing.models import Agent, Queue, Reservation

# The finished waits and chat lengths an estimate looks at; older ones weigh
# almost nothing after the half-life decay anyway.
RECENT_SAMPLES = 50

# Who is answered first: higher priority, then longest waiting; pk breaks ties
# between reservations created in the same microsecond.
LINE_ORDER = ("-priority", "created_at", "pk")


def waiting_in_line(*, queue_id) -> QuerySet[Reservation]:
    return Reservation.objects.filter(queue_id=queue_id, status__in=Reservation.WAITING).order_by(*LINE_ORDER)


def queue_position(*, reservation: Reservation) -> int | None:
    """1-based place in line right now; None when the reservation is not waiting."""
    if reservation.status not in Reservation.WAITING:
        return None
    ahead = (
        Q(priority__gt=reservation.priority)
        | Q(priority=reservation.priority, created_at__lt=reservation.created_at)
        | Q(priority=reservation.priority, created_at=reservation.created_at, pk__lt=reservation.pk)
    )
    return waiting_in_line(queue_id=reservation.queue_id).filter(ahead).count() + 1


def agents_with_load() -> QuerySet[Agent]:
    """Agents annotated with `load`: the reservations holding one of their slots."""
    return Agent.objects.annotate(load=Count("offers", filter=Q(offers__status__in=Reservation.HOLDING)))


def agent_load(*, agent_id) -> int:
    return Reservation.objects.filter(offered_agent_id=agent_id, status__in=Reservation.HOLDING).count()


def agents_to_offer(*, queue_id) -> list[Agent]:
    """Available agents of the queue with a free slot, least loaded first, then
    the one whose last offer is oldest."""
    return list(
        agents_with_load()
        .filter(status=Agent.Status.AVAILABLE, queues=queue_id, load__lt=F("capacity"))
        .order_by("load", F("last_offered_at").asc(nulls_first=True), "pk")
    )


def queue_figures(*, queue_id, now: datetime | None = None) -> QueueFigures:
    now = now or timezone.now()
    waiting = waiting_in_line(queue_id=queue_id)
    oldest = waiting.order_by("created_at").values_list("created_at", flat=True).first()
    online = list(agents_with_load().filter(status=Agent.Status.AVAILABLE, queues=queue_id))
    finished_waits = (
        Reservation.objects.filter(queue_id=queue_id, matched_at__isnull=False)
        .order_by("-matched_at").values_list("created_at", "matched_at")[:RECENT_SAMPLES]
    )
    handle_times = (
        Reservation.objects.filter(queue_id=queue_id, status=Reservation.Status.COMPLETED)
        .order_by("-completed_at").values_list("matched_at", "completed_at")[:RECENT_SAMPLES]
    )
    return QueueFigures(
        waiting=waiting.count(),
        longest_wait_seconds=(now - oldest).total_seconds() if oldest else None,
        agents_available=sum(1 for agent in online if agent.load < agent.capacity),
        agents_busy=sum(1 for agent in online if agent.load >= agent.capacity),
        open_slots=sum(agent.capacity for agent in online),
        free_slots=sum(max(agent.capacity - agent.load, 0) for agent in online),
        recent_waits=tuple(((now - ended).total_seconds(), (ended - started).total_seconds())
                           for started, ended in finished_waits),
        recent_handle_times=tuple(((now - ended).total_seconds(), (ended - started).total_seconds())
                                  for started, ended in handle_times),
    )


def new_arrival_estimate_seconds(*, figures: QueueFigures) -> float | None:
    return estimate_wait_seconds(position=figures.waiting + 1, figures=figures)


def queues_with_figures() -> list[tuple[Queue, QueueFigures]]:
    now = timezone.now()
    return [(queue, queue_figures(queue_id=queue.pk, now=now)) for queue in Queue.objects.order_by("name")]


def reservation_payload(reservation: Reservation) -> dict:
    """The state a customer sees: the body of `reservation.updated`, the SSE data
    and the API's representation."""
    agent = reservation.agent
    return {
        "id": str(reservation.public_id),
        "queue": reservation.queue.name,
        "status": reservation.status,
        "queue_position": reservation.published_position if reservation.status in Reservation.WAITING else None,
        "estimated_wait_until": (
            reservation.estimated_wait_until.isoformat() if reservation.estimated_wait_until else None
        ),
        "agent": agent.display_name if agent else None,
        "expire_reason": reservation.expire_reason or None,
        "version": reservation.version,
    }
