"""Reads for supervisors: each queue's live figures (the wallboard and /metrics)
and its snapshots of the day (the wallboard's chart).

Every figure comes from a few aggregate queries over all queues at once, never
a query per queue: the wallboard task runs them every 5 s and every scrape of
/metrics runs them again.
"""
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.db.models import Avg, Count, Min, Q
from django.utils import timezone

from chat.models import Conversation
from queueing.models import Agent, Queue, QueueSnapshot, Reservation
from queueing.selectors import agents_with_load
from surveys.models import Answer, Question

# The window of the service level and of the answered-wait histogram.
SERVICE_LEVEL_WINDOW = timedelta(hours=1)

# The channel-layer group of every staff socket showing the wallboard.
WALLBOARD_GROUP = "wallboard"
WALLBOARD_EVENT = "wallboard.updated"


@dataclass
class QueueLive:
    queue_id: int
    name: str
    display_name: str
    target_answer_seconds: int
    waiting: int = 0
    longest_wait_seconds: float | None = None
    # Available agents with a free slot, available ones with none, and away ones.
    agents_available: int = 0
    agents_busy: int = 0
    agents_away: int = 0
    chats_in_progress: int = 0
    # Share (0-1) of the waits that ended in the window answered within target.
    service_level: float | None = None
    csat_today: float | None = None
    # Waits answered in the window, in seconds: the /metrics histogram.
    answered_wait_seconds: list[float] = field(default_factory=list)

    def payload(self) -> dict:
        return {
            "queue": self.name,
            "name": self.display_name,
            "waiting": self.waiting,
            "longest_wait_seconds": _rounded(self.longest_wait_seconds, 1),
            "agents": {"available": self.agents_available, "busy": self.agents_busy, "away": self.agents_away},
            "chats_in_progress": self.chats_in_progress,
            "service_level": _rounded(self.service_level, 3),
            "target_answer_seconds": self.target_answer_seconds,
            "csat_today": _rounded(self.csat_today, 2),
        }


def _rounded(value: float | None, digits: int) -> float | None:
    return round(value, digits) if value is not None else None


def today_start(now: datetime) -> datetime:
    """Midnight of `now`'s day in the current time zone."""
    return timezone.make_aware(datetime.combine(timezone.localdate(now), time.min))


def queues_live(*, now: datetime | None = None) -> list[QueueLive]:
    now = now or timezone.now()
    queues = {
        queue.pk: QueueLive(queue_id=queue.pk, name=queue.name, display_name=queue.display_name,
                            target_answer_seconds=queue.target_answer_seconds)
        for queue in Queue.objects.order_by("display_name", "pk")
    }
    # Every read below is limited to these queues: one created meanwhile waits for the next run.
    known = list(queues)

    waiting = (Reservation.objects.filter(status__in=Reservation.WAITING, queue_id__in=known)
               .values("queue_id").annotate(count=Count("pk"), oldest=Min("created_at")))
    for row in waiting:
        queues[row["queue_id"]].waiting = row["count"]
        queues[row["queue_id"]].longest_wait_seconds = (now - row["oldest"]).total_seconds()

    agents = {agent.pk: agent for agent in agents_with_load().exclude(status=Agent.Status.OFFLINE)}
    memberships = Agent.queues.through.objects.filter(agent_id__in=list(agents), queue_id__in=known)
    for agent_id, queue_id in memberships.values_list("agent_id", "queue_id"):
        agent, live = agents[agent_id], queues[queue_id]
        if agent.status == Agent.Status.AWAY:
            live.agents_away += 1
        elif agent.load < agent.capacity:
            live.agents_available += 1
        else:
            live.agents_busy += 1

    in_progress = (Conversation.objects.filter(status=Conversation.Status.ACTIVE, queue_id__in=known)
                   .values("queue_id").annotate(count=Count("pk")))
    for row in in_progress:
        queues[row["queue_id"]].chats_in_progress = row["count"]

    _add_service_levels(queues, since=now - SERVICE_LEVEL_WINDOW)
    _add_csat_today(queues, since=today_start(now))
    return list(queues.values())


def _add_service_levels(queues: dict[int, QueueLive], *, since: datetime) -> None:
    """Of the waits that ended since `since` (answered, expired or canceled), the
    share answered within the queue's target. The rows are read rather than
    aggregated because each queue has its own target; an hour of finished waits
    is a few thousand rows at most."""
    ended = (
        Reservation.objects.exclude(status__in=Reservation.WAITING).filter(queue_id__in=list(queues))
        .filter(Q(matched_at__gte=since) | Q(expired_at__gte=since) | Q(canceled_at__gte=since))
        .values_list("queue_id", "created_at", "matched_at")
    )
    ended_count = dict.fromkeys(queues, 0)
    in_time = dict.fromkeys(queues, 0)
    for queue_id, created_at, matched_at in ended:
        live = queues[queue_id]
        ended_count[queue_id] += 1
        if matched_at is not None and matched_at >= since:
            wait = (matched_at - created_at).total_seconds()
            live.answered_wait_seconds.append(wait)
            in_time[queue_id] += wait <= live.target_answer_seconds
    for queue_id, live in queues.items():
        if ended_count[queue_id]:
            live.service_level = in_time[queue_id] / ended_count[queue_id]


def _add_csat_today(queues: dict[int, QueueLive], *, since: datetime) -> None:
    answers = (
        Answer.objects.filter(question__kind=Question.Kind.CSAT, score__isnull=False,
                              invitation__answered_at__gte=since, invitation__queue_id__in=list(queues))
        .values("invitation__queue_id").annotate(average=Avg("score"))
    )
    for row in answers:
        queues[row["invitation__queue_id"]].csat_today = row["average"]


def csat_today_average(*, now: datetime | None = None) -> float | None:
    """Today's CSAT average over every answered survey, with or without a queue."""
    return Answer.objects.filter(
        question__kind=Question.Kind.CSAT, score__isnull=False,
        invitation__answered_at__gte=today_start(now or timezone.now()),
    ).aggregate(average=Avg("score"))["average"]


def wallboard_figures(*, live: list[QueueLive], now: datetime) -> dict:
    """The body of `wallboard.updated`."""
    return {"at": now.isoformat(), "queues": [queue.payload() for queue in live]}


def wallboard_state(*, now: datetime | None = None) -> dict:
    """What a wallboard opening (or reopening) its socket needs: the figures and
    today's chart points."""
    now = now or timezone.now()
    return {**wallboard_figures(live=queues_live(now=now), now=now), "history": wallboard_history(now=now)}


def wallboard_history(*, now: datetime | None = None) -> dict[str, list[dict]]:
    """Today's minute snapshots per queue name, oldest first: the chart's points."""
    now = now or timezone.now()
    history: dict[str, list[dict]] = {}
    snapshots = (QueueSnapshot.objects.filter(taken_at__gte=today_start(now))
                 .order_by("taken_at").values_list("queue__name", "taken_at", "waiting", "service_level"))
    for queue_name, taken_at, waiting, service_level in snapshots:
        history.setdefault(queue_name, []).append(
            {"at": taken_at.isoformat(), "waiting": waiting, "service_level": _rounded(service_level, 3)})
    return history
