"""Outbound webhooks: the one door through which events leave for integrations.

`emit_on_commit` stores one delivery per subscribed endpoint inside the
caller's transaction (so a delivery exists exactly when its event does) and
hands each to a worker after commit. Only the worker talks to receivers: a
receiver that is down, slow or failing never holds up a chat.

A receiver gets `POST <url>` with the JSON body {"id", "event", "data"} and
X-Webhook-Id (the event's id: the same on every retry and redelivery, so
de-duplicate on it), X-Webhook-Event, X-Webhook-Timestamp (Unix seconds) and
X-Webhook-Signature: "sha256=" + hex HMAC-SHA256 of "<timestamp>.<raw body>"
with the endpoint's secret. It should compare signatures in constant time,
reject old timestamps, and answer 2xx quickly; anything else is retried.
"""
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from chat.models import Conversation
from integrations.events import CHAT_EVENT_WEBHOOKS, WebhookEvent
from integrations.models import WebhookDelivery, WebhookEndpoint

# Enough of a failing receiver's answer to tell what went wrong.
ERROR_BODY_CHARS = 300
USER_AGENT = "contactcenter-webhooks/1"


def emit_on_commit(event: str, payload: dict) -> None:
    """Send `event` to every active endpoint subscribed to it, after commit.

    Costs one indexed query when no endpoint is active. Call inside the
    transaction that made the change."""
    emit_many_on_commit(event, [payload])


def emit_many_on_commit(event: str, payloads: list[dict]) -> None:
    """The same event for many subjects (a queue's customers moving up): one
    endpoint lookup for all of them."""
    event = WebhookEvent(event)
    endpoint_ids = [
        endpoint_id for endpoint_id, events in WebhookEndpoint.objects.filter(is_active=True).values_list("id", "events")
        if event in events
    ]
    if not endpoint_ids or not payloads:
        return
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(endpoint_id=endpoint_id, event_id=event_id, event=event, payload=payload)
        for payload in payloads
        for event_id in [uuid.uuid4()]
        for endpoint_id in endpoint_ids
    )
    for delivery in deliveries:
        _enqueue_on_commit(delivery.pk)


def emit_chat_events_on_commit(payloads: list[dict]) -> None:
    """Stored chat events (their payloads, as the sockets get them), under their webhook names."""
    payloads_by_webhook: dict[str, list[dict]] = {}
    for payload in payloads:
        webhook_event = CHAT_EVENT_WEBHOOKS.get(payload["type"])
        if webhook_event is not None:
            payloads_by_webhook.setdefault(webhook_event, []).append(payload)
    for webhook_event, event_payloads in payloads_by_webhook.items():
        emit_many_on_commit(webhook_event, event_payloads)


def conversation_created_payload(conversation: Conversation) -> dict:
    return {
        "conversation": str(conversation.pk),
        "guest": str(conversation.guest_id),
        "queue": conversation.queue.name if conversation.queue else None,
        "status": conversation.status,
        "created_at": conversation.created_at.isoformat(),
    }


def survey_completed_payload(invitation, *, answered_at: datetime) -> dict:
    """The answered invitation (surveys.models.Invitation) with its answers."""
    return {
        "invitation": invitation.pk,
        "conversation": str(invitation.conversation_id),
        "survey": invitation.survey_id,
        "answered_at": answered_at.isoformat(),
        "answers": [
            {"question": answer.question_id, "kind": answer.question.kind, "score": answer.score, "text": answer.text}
            for answer in invitation.answers.select_related("question").order_by("question__order", "question_id")
        ],
    }


def webhook_signature(*, secret: str, timestamp: str, body: bytes) -> str:
    """X-Webhook-Signature: the receiver recomputes it over the raw body. The
    timestamp is signed too, so an old request cannot be replayed as new."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


@dataclass(frozen=True)
class AttemptOutcome:
    # Seconds until the next attempt; None when there is nothing more to do.
    retry_in: float | None


NOTHING_MORE = AttemptOutcome(retry_in=None)


def delivery_attempt(*, delivery_id: int) -> AttemptOutcome:
    """Send one pending delivery once and record the result.

    Idempotent: a delivery that succeeded or failed is not sent, and an attempt
    is claimed with a compare-and-set on `attempts`, so a task run twice (the
    broker redelivers after a worker crash) sends each attempt once."""
    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != WebhookDelivery.Status.PENDING:
        return NOTHING_MORE
    now = timezone.now()
    if delivery.next_attempt_at and delivery.next_attempt_at > now + timedelta(seconds=1):
        # A duplicate of a task whose retry is already scheduled: that one sends.
        return NOTHING_MORE
    claimed = WebhookDelivery.objects.filter(
        pk=delivery.pk, status=WebhookDelivery.Status.PENDING, attempts=delivery.attempts
    ).update(attempts=F("attempts") + 1, updated_at=now)
    if claimed != 1:
        return NOTHING_MORE
    attempt = delivery.attempts + 1
    error = _post(delivery)
    now = timezone.now()
    if error is None:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=WebhookDelivery.Status.SUCCEEDED, delivered_at=now, next_attempt_at=None, last_error="",
            updated_at=now,
        )
        return NOTHING_MORE
    if attempt >= settings.INTEGRATIONS_WEBHOOK_MAX_ATTEMPTS:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=WebhookDelivery.Status.FAILED, next_attempt_at=None, last_error=error, updated_at=now
        )
        return NOTHING_MORE
    wait = min(
        settings.INTEGRATIONS_WEBHOOK_BACKOFF_SECONDS * 2 ** (attempt - 1),
        settings.INTEGRATIONS_WEBHOOK_BACKOFF_MAX_SECONDS,
    )
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=now + timedelta(seconds=wait), last_error=error, updated_at=now
    )
    return AttemptOutcome(retry_in=wait)


def delivery_redeliver(*, delivery: WebhookDelivery) -> bool:
    """Send a finished delivery again, with the same X-Webhook-Id and a fresh
    set of attempts. False for a pending one: it is still being sent."""
    reset = WebhookDelivery.objects.filter(pk=delivery.pk).exclude(status=WebhookDelivery.Status.PENDING).update(
        status=WebhookDelivery.Status.PENDING, attempts=0, next_attempt_at=None, last_error="",
        updated_at=timezone.now(),
    )
    if reset != 1:
        return False
    _enqueue_on_commit(delivery.pk)
    return True


def _enqueue_on_commit(delivery_id: int) -> None:
    # Imported here: tasks import services, never the other way at import time.
    from integrations.tasks import webhook_deliver

    webhook_deliver.delay_on_commit(delivery_id)


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an error: urllib would follow it as a GET without the body
    and the signature, and report a success the receiver never had."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_RefuseRedirects)


def _post(delivery: WebhookDelivery) -> str | None:
    """POST the delivery; None on a 2xx answer, else what went wrong."""
    body = json.dumps(
        {"id": str(delivery.event_id), "event": delivery.event, "data": delivery.payload}, separators=(",", ":")
    ).encode()
    timestamp = str(int(time.time()))
    request = urllib.request.Request(delivery.endpoint.url, data=body, method="POST", headers={
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Webhook-Id": str(delivery.event_id),
        "X-Webhook-Event": delivery.event,
        "X-Webhook-Timestamp": timestamp,
        "X-Webhook-Signature": webhook_signature(secret=delivery.endpoint.secret, timestamp=timestamp, body=body),
    })
    try:
        with _opener.open(request, timeout=settings.INTEGRATIONS_WEBHOOK_TIMEOUT_SECONDS) as response:
            response.read(ERROR_BODY_CHARS)
        return None
    except urllib.error.HTTPError as error:
        answer = error.read(ERROR_BODY_CHARS).decode(errors="replace")
        return f"HTTP {error.code}: {answer}".strip()
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        return f"{type(reason).__name__}: {reason}"
