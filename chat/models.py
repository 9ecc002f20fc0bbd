import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class Guest(models.Model):
    """A customer of the widget, known by the signed token the widget keeps."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    display_name = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.display_name or f"Guest {str(self.id)[:8]}"


class Conversation(models.Model):
    class Status(models.TextChoices):
        BOT = "bot"  # the bot answers; nobody waits for a person yet
        WAITING = "waiting"  # escalated: a reservation waits in the queue
        ACTIVE = "active"  # a staff member has joined
        ENDED = "ended"  # over; nothing more can be sent

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    guest = models.ForeignKey(Guest, on_delete=models.CASCADE, related_name="conversations")
    queue = models.ForeignKey("queueing.Queue", on_delete=models.PROTECT, null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.BOT)
    # The sequence number of the newest event; only ever incremented, inside the
    # transaction that stores that event.
    last_seq = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    # When the newest event was stored: what the idle-chat task measures.
    last_activity_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.CharField(
        max_length=16, blank=True, help_text="guest, staff or system (an automatic end such as the idle time-out)"
    )
    ended_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    end_reason = models.CharField(max_length=100, blank=True)

    class Meta:
        indexes = [models.Index(fields=["guest", "status"]), models.Index(fields=["status", "last_activity_at"])]

    def __str__(self) -> str:
        return f"Conversation {str(self.id)[:8]} with {self.guest}"


class Participant(models.Model):
    class Kind(models.TextChoices):
        GUEST = "guest"
        BOT = "bot"
        STAFF = "staff"
        SYSTEM = "system"

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="participants")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    guest = models.ForeignKey(Guest, on_delete=models.CASCADE, null=True, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)
    display_name = models.CharField(max_length=100)
    joined_at = models.DateTimeField(auto_now_add=True)
    left_at = models.DateTimeField(null=True, blank=True)
    last_read_seq = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "guest"], condition=Q(guest__isnull=False), name="one_participant_per_guest"
            ),
            models.UniqueConstraint(
                fields=["conversation", "user"], condition=Q(user__isnull=False), name="one_participant_per_user"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.kind})"


class Event(models.Model):
    """Everything a participant must see, in order: messages and state changes.

    Stored before it is sent, with a per-conversation sequence number, so a
    client that missed anything asks for "after N" and gets exactly the rest.
    """

    class Type(models.TextChoices):
        MESSAGE = "message.new"
        PARTICIPANT_JOINED = "participant.joined"
        PARTICIPANT_LEFT = "participant.left"
        ESCALATED = "conversation.escalated"
        CHAT_ENDED = "chat.ended"
        SURVEY_OFFERED = "survey.offered"

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveIntegerField()
    type = models.CharField(max_length=40, choices=Type.choices)
    # Null for system messages and state changes made by the product itself.
    author = models.ForeignKey(Participant, on_delete=models.PROTECT, null=True, blank=True)
    body = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    client_msg_id = models.CharField(max_length=64, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["conversation", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["conversation", "seq"], name="one_event_per_seq"),
            models.UniqueConstraint(
                fields=["conversation", "author", "client_msg_id"],
                condition=Q(client_msg_id__isnull=False),
                name="one_message_per_client_msg_id",
            ),
        ]

    @property
    def kind(self) -> str:
        return self.author.kind if self.author_id else Participant.Kind.SYSTEM


class Connection(models.Model):
    """The registry of sockets: who is connected where, for presence and routing."""

    id = models.CharField(primary_key=True, max_length=32)
    server = models.CharField(max_length=100, help_text="host:pid of the daphne process holding the socket")
    channel_name = models.CharField(max_length=200)
    guest = models.ForeignKey(Guest, on_delete=models.CASCADE, null=True, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True)
    remote_addr = models.CharField(max_length=64, blank=True)
    opened_at = models.DateTimeField(auto_now_add=True)
    # Refreshed by the holding process every heartbeat; a row that stops being
    # refreshed belongs to a dead process and is closed by the sweep task.
    last_seen_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    close_code = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["guest", "closed_at"]),
            models.Index(fields=["user", "closed_at"]),
            models.Index(fields=["server", "closed_at"]),
        ]


class FaqEntry(models.Model):
    """What the default bot knows: staff edit these in the admin."""

    question = models.CharField(max_length=300)
    answer = models.TextField()
    keywords = models.CharField(
        max_length=300, blank=True, help_text="Comma-separated words customers use for this question."
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name = "FAQ entry"
        verbose_name_plural = "FAQ entries"

    def __str__(self) -> str:
        return self.question
