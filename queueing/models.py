import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class Queue(models.Model):
    name = models.SlugField(unique=True)
    display_name = models.CharField(max_length=100)
    target_answer_seconds = models.PositiveIntegerField(
        default=60, help_text="Service level target: a chat answered within this many seconds counts as answered in time."
    )
    max_wait_seconds = models.PositiveIntegerField(
        default=1800, help_text="A reservation waiting longer than this expires."
    )
    idle_timeout_seconds = models.PositiveIntegerField(
        default=120, help_text="A waiting customer not seen for this long loses their place."
    )

    def __str__(self) -> str:
        return self.display_name


class Agent(models.Model):
    class Status(models.TextChoices):
        OFFLINE = "offline"
        AVAILABLE = "available"
        AWAY = "away"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OFFLINE)
    capacity = models.PositiveSmallIntegerField(default=3, help_text="Concurrent chats this agent can hold.")
    queues = models.ManyToManyField(Queue, related_name="agents", blank=True)
    # Written by every offer: among equally loaded agents the one offered
    # longest ago goes first, and on PostgreSQL the write holds the row lock
    # that serialises capacity checks on this agent.
    last_offered_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.user.get_username()

    @property
    def display_name(self) -> str:
        return self.user.get_full_name() or self.user.get_username()


class Reservation(models.Model):
    """A customer's place in a queue, from joining until an agent answers (or not).

    queued -> offered -> matched -> completed; offered -> queued when the offer
    times out; queued/offered -> canceled or expired; expired -> queued on a
    rejoin within the grace period. `created_at` never changes, so a
    reservation that comes back keeps its place.
    """

    class Status(models.TextChoices):
        # Waiting for an agent; counted in queue positions.
        QUEUED = "queued"
        # Held for one agent until they accept or the offer times out; still
        # waiting from the customer's point of view, and uses a slot of the agent.
        OFFERED = "offered"
        # An agent accepted: the chat is on, and uses a slot of the agent.
        MATCHED = "matched"
        # Left the queue without an answer: customer gone quiet or waited too long.
        EXPIRED = "expired"
        # Withdrawn by the customer, an integration or staff.
        CANCELED = "canceled"
        # The chat is over; its length feeds the handle time of wait estimates.
        COMPLETED = "completed"

    class ExpireReason(models.TextChoices):
        IDLE = "idle"
        MAX_WAIT = "max_wait"

    # The statuses in which a reservation is in line (has a position).
    WAITING = (Status.QUEUED, Status.OFFERED)
    # The statuses in which a reservation uses one slot of `offered_agent`.
    HOLDING = (Status.OFFERED, Status.MATCHED)

    # The only id that leaves the server: random, so it cannot be guessed.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    queue = models.ForeignKey(Queue, on_delete=models.PROTECT, related_name="reservations")
    guest = models.ForeignKey("chat.Guest", on_delete=models.CASCADE, related_name="reservations")
    # A conversation may wait more than once (escalated again after an expiry).
    conversation = models.ForeignKey("chat.Conversation", on_delete=models.CASCADE, related_name="reservations")
    priority = models.IntegerField(default=0, help_text="Higher is answered first.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    # The agent it is offered to; kept once matched, so an agent's load is one
    # count over this relation (see selectors.agent_load).
    offered_agent = models.ForeignKey(
        Agent, on_delete=models.SET_NULL, null=True, blank=True, related_name="offers"
    )
    offered_at = models.DateTimeField(null=True, blank=True)
    agent = models.ForeignKey(
        Agent, on_delete=models.SET_NULL, null=True, blank=True, related_name="matches",
        help_text="The agent who accepted.",
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    matched_at = models.DateTimeField(null=True, blank=True)
    expired_at = models.DateTimeField(null=True, blank=True)
    canceled_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    expire_reason = models.CharField(max_length=16, choices=ExpireReason.choices, blank=True)
    # The last time the customer showed they are still there (an API call of
    # theirs); the idle timeout counts from here.
    last_seen_at = models.DateTimeField()
    idle_warned_at = models.DateTimeField(null=True, blank=True)
    # What the customer was last told, so a refresh pushes only what changed.
    published_position = models.PositiveIntegerField(null=True, blank=True)
    estimated_wait_until = models.DateTimeField(null=True, blank=True)
    # Incremented with every update sent: the SSE event id, and how a client
    # recognises an update older than the one it has.
    version = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["queue", "status", "priority", "created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["guest", "queue"], condition=Q(status__in=["queued", "offered"]),
                name="one_waiting_reservation_per_guest_and_queue",
            ),
        ]

    def __str__(self) -> str:
        return f"Reservation {str(self.public_id)[:8]} ({self.status})"


class QueueSnapshot(models.Model):
    """A queue's figures at the start of one minute, for the wallboard's chart of
    the day; written by the wallboard task, kept two days (settings.WALLBOARD_SNAPSHOT_KEEP_SECONDS)."""

    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="snapshots")
    # Truncated to the minute: the unique constraint makes a second run within
    # the same minute (a beat tick every 5 s, a redelivered task) write nothing.
    taken_at = models.DateTimeField(db_index=True)
    waiting = models.PositiveIntegerField()
    longest_wait_seconds = models.FloatField(null=True)
    # Share of the last hour's waits answered within the queue's target; None without any.
    service_level = models.FloatField(null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["queue", "taken_at"], name="one_snapshot_per_queue_and_minute")]

    def __str__(self) -> str:
        return f"{self.queue} at {self.taken_at:%H:%M}"
