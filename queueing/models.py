from django.conf import settings
from django.db import models


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

    def __str__(self) -> str:
        return self.user.get_username()
