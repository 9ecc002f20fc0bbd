import uuid

from django.conf import settings
from django.db import models

from integrations.events import WebhookEvent
from integrations.scopes import Scope


class ApiToken(models.Model):
    """A key an integration sends as `Authorization: Bearer <key>`. It acts as its
    owner, narrowed to its scopes. Only a hash of the key is stored: the key is
    shown once, when the token is created."""

    name = models.CharField(max_length=100, help_text="What uses this token, such as “CRM sync”.")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_tokens")
    # The first characters of the key, to recognise a token in logs and in the admin.
    prefix = models.CharField(max_length=12, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    scopes = models.JSONField(default=list, help_text="A list of scope names.")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def has_scope(self, scope: Scope) -> bool:
        return scope in self.scopes


class WebhookEndpoint(models.Model):
    """A receiver of webhook events: every subscribed event is POSTed to `url`,
    signed with `secret`."""

    name = models.CharField(max_length=100)
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=100, help_text="Shared with the receiver, which checks X-Webhook-Signature.")
    events = models.JSONField(default=list, help_text="The event names sent to this endpoint.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # Every stored chat event asks for the active endpoints: keep that cheap.
        indexes = [models.Index(fields=["is_active"])]

    def __str__(self) -> str:
        return self.name


class WebhookDelivery(models.Model):
    """One event for one endpoint, sent by a worker until it succeeds or runs out of attempts."""

    class Status(models.TextChoices):
        PENDING = "pending"  # waiting for its first or next attempt
        SUCCEEDED = "succeeded"  # the receiver answered 2xx: never sent again by the task
        FAILED = "failed"  # out of attempts; only staff's "redeliver" sends it again

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    # Sent as X-Webhook-Id, the same on every attempt and redelivery: receivers de-duplicate on it.
    event_id = models.UUIDField(default=uuid.uuid4, editable=False)
    event = models.CharField(max_length=40, choices=[(name.value, name.value) for name in WebhookEvent])
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "webhook deliveries"
        constraints = [models.UniqueConstraint(fields=["endpoint", "event_id"], name="one_delivery_per_event_and_endpoint")]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.event} {self.event_id} → {self.endpoint}"
