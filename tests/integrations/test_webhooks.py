"""Webhooks in one process: what emit stores, what a delivery sends, retries,
idempotence, redelivery and the hooks in chat, queueing and surveys."""
import hashlib
import hmac
import time

import pytest
from django.db import transaction

from chat.access import Actor
from chat.models import Event, Guest, Participant
from chat.services.conversations import conversation_start
from chat.services.messages import message_send
from integrations.models import WebhookDelivery, WebhookEndpoint
from integrations.webhooks import delivery_attempt, delivery_redeliver, emit_on_commit
from queueing.models import Queue
from queueing.services.line import reservation_publish
from queueing.services.reservations import reservation_create
from tests.integrations.conftest import WEBHOOK_SECRET

pytestmark = pytest.mark.django_db


def signature_valid(received) -> bool:
    """What a receiver does: recompute the HMAC over "<timestamp>.<raw body>"."""
    timestamp = received.headers["X-Webhook-Timestamp"]
    expected = hmac.new(WEBHOOK_SECRET.encode(), f"{timestamp}.".encode() + received.body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(received.headers["X-Webhook-Signature"], f"sha256={expected}")


def emitted(event: str, payload: dict, django_capture_on_commit_callbacks) -> list[WebhookDelivery]:
    with django_capture_on_commit_callbacks(execute=True) as enqueued, transaction.atomic():
        emit_on_commit(event, payload)
    deliveries = list(WebhookDelivery.objects.order_by("pk"))
    assert len(enqueued) == len(deliveries)
    return deliveries


@pytest.fixture
def no_worker(monkeypatch):
    """Record the tasks that would be enqueued instead of sending them to the broker."""
    from integrations import tasks

    sent = []
    monkeypatch.setattr(tasks.webhook_deliver, "delay", lambda delivery_id: sent.append(delivery_id))
    return sent


def test_delivery_is_signed_and_carries_its_event(receiver, make_endpoint, no_worker,
                                                  django_capture_on_commit_callbacks):
    make_endpoint(receiver.url, ["conversation.created"])
    [delivery] = emitted("conversation.created", {"conversation": "c-1"}, django_capture_on_commit_callbacks)
    assert no_worker == [delivery.pk]

    assert delivery_attempt(delivery_id=delivery.pk).retry_in is None

    [received] = receiver.wait_for(1)
    assert signature_valid(received)
    assert abs(int(received.headers["X-Webhook-Timestamp"]) - time.time()) < 10
    assert received.headers["X-Webhook-Id"] == str(delivery.event_id)
    assert received.headers["X-Webhook-Event"] == "conversation.created"
    assert received.headers["Content-Type"] == "application/json"
    assert received.json == {"id": str(delivery.event_id), "event": "conversation.created",
                             "data": {"conversation": "c-1"}}
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("succeeded", 1, "")
    assert delivery.delivered_at is not None


def test_a_tampered_body_fails_the_receivers_check(receiver, make_endpoint, no_worker,
                                                  django_capture_on_commit_callbacks):
    make_endpoint(receiver.url, ["conversation.created"])
    [delivery] = emitted("conversation.created", {"conversation": "c-1"}, django_capture_on_commit_callbacks)
    delivery_attempt(delivery_id=delivery.pk)
    [received] = receiver.wait_for(1)
    received.body = received.body.replace(b"c-1", b"c-2")
    assert not signature_valid(received)


def test_failures_back_off_then_fail_with_the_same_event_id(receiver, make_endpoint, no_worker, settings,
                                                           django_capture_on_commit_callbacks):
    settings.INTEGRATIONS_WEBHOOK_BACKOFF_SECONDS = 10
    receiver.statuses = [500, 503, 502]
    make_endpoint(receiver.url, ["conversation.created"])
    [delivery] = emitted("conversation.created", {"conversation": "c-1"}, django_capture_on_commit_callbacks)

    waits = []
    for _ in range(settings.INTEGRATIONS_WEBHOOK_MAX_ATTEMPTS):
        WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=None)  # as if the countdown passed
        waits.append(delivery_attempt(delivery_id=delivery.pk).retry_in)

    assert waits == [10, 20, None]
    received = receiver.wait_for(3)
    assert {r.headers["X-Webhook-Id"] for r in received} == {str(delivery.event_id)}
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", 3)
    assert delivery.last_error == "HTTP 502: no"


def test_a_duplicate_task_sends_nothing(receiver, make_endpoint, no_worker, settings,
                                       django_capture_on_commit_callbacks):
    settings.INTEGRATIONS_WEBHOOK_BACKOFF_SECONDS = 10
    receiver.statuses = [500]
    make_endpoint(receiver.url, ["conversation.created"])
    [delivery] = emitted("conversation.created", {}, django_capture_on_commit_callbacks)
    assert delivery_attempt(delivery_id=delivery.pk).retry_in is not None
    # The broker handed the same task out again before the retry was due.
    assert delivery_attempt(delivery_id=delivery.pk).retry_in is None
    assert len(receiver.wait_for(1)) == 1

    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=None)
    delivery_attempt(delivery_id=delivery.pk)
    delivery_attempt(delivery_id=delivery.pk)  # already succeeded: not sent again
    time.sleep(0.2)
    assert len(receiver.received) == 2
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("succeeded", 2)


def test_an_unreachable_receiver_is_recorded(make_endpoint, no_worker, django_capture_on_commit_callbacks):
    make_endpoint("http://127.0.0.1:9/hooks", ["conversation.created"])  # the discard port: nothing listens
    [delivery] = emitted("conversation.created", {}, django_capture_on_commit_callbacks)
    assert delivery_attempt(delivery_id=delivery.pk).retry_in is not None
    delivery.refresh_from_db()
    assert "Connection refused" in delivery.last_error


def test_a_redirect_is_a_failure(receiver, make_endpoint, no_worker, django_capture_on_commit_callbacks):
    receiver.statuses = [302]
    make_endpoint(receiver.url, ["conversation.created"])
    [delivery] = emitted("conversation.created", {}, django_capture_on_commit_callbacks)
    assert delivery_attempt(delivery_id=delivery.pk).retry_in is not None
    delivery.refresh_from_db()
    assert delivery.last_error.startswith("HTTP 302")


def test_emit_goes_to_active_subscribed_endpoints_only(make_endpoint, no_worker,
                                                       django_capture_on_commit_callbacks):
    subscribed = make_endpoint("http://127.0.0.1:9/a", ["message.created", "conversation.ended"])
    also = make_endpoint("http://127.0.0.1:9/b", ["message.created"])
    make_endpoint("http://127.0.0.1:9/c", ["conversation.ended"])
    make_endpoint("http://127.0.0.1:9/d", ["message.created"], is_active=False)

    deliveries = emitted("message.created", {"seq": 1}, django_capture_on_commit_callbacks)

    assert {d.endpoint_id for d in deliveries} == {subscribed.pk, also.pk}
    # One event, one id: a receiver behind two endpoints sees it is the same event.
    assert len({d.event_id for d in deliveries}) == 1
    assert sorted(no_worker) == sorted(d.pk for d in deliveries)


def test_emit_costs_one_query_without_endpoints(django_assert_num_queries, no_worker):
    WebhookEndpoint.objects.create(name="off", url="http://127.0.0.1:9/", secret="x", events=["message.created"],
                                   is_active=False)
    with django_assert_num_queries(1):
        emit_on_commit("message.created", {"seq": 1})
    assert not WebhookDelivery.objects.exists()


def test_an_unknown_event_name_is_a_programming_error():
    with pytest.raises(ValueError):
        emit_on_commit("message.deleted", {})


def test_a_rolled_back_change_sends_nothing(make_endpoint, no_worker):
    make_endpoint("http://127.0.0.1:9/", ["message.created"])
    with pytest.raises(RuntimeError), transaction.atomic():
        emit_on_commit("message.created", {})
        raise RuntimeError("the change failed")
    assert not WebhookDelivery.objects.exists()
    assert no_worker == []


def test_redeliver_sends_again_with_the_same_event_id(receiver, make_endpoint, no_worker, admin_client,
                                                      django_capture_on_commit_callbacks):
    receiver.statuses = [500, 500, 500]
    make_endpoint(receiver.url, ["conversation.created"])
    [delivery] = emitted("conversation.created", {}, django_capture_on_commit_callbacks)
    for _ in range(3):
        WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=None)
        delivery_attempt(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == "failed"

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post("/admin/integrations/webhookdelivery/", {
            "action": "redeliver", "_selected_action": [delivery.pk],
        }, follow=True)
    assert "1 delivery(ies) queued again." in response.content.decode()
    assert no_worker == [delivery.pk, delivery.pk]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("pending", 0, "")

    delivery_attempt(delivery_id=delivery.pk)

    received = receiver.wait_for(4)
    assert {r.headers["X-Webhook-Id"] for r in received} == {str(delivery.event_id)}
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("succeeded", 1)


def test_a_pending_delivery_is_not_redelivered(make_endpoint, no_worker, django_capture_on_commit_callbacks):
    make_endpoint("http://127.0.0.1:9/", ["conversation.created"])
    [delivery] = emitted("conversation.created", {}, django_capture_on_commit_callbacks)
    assert delivery_redeliver(delivery=delivery) is False


def test_the_admin_lists_deliveries_with_their_outcome(admin_client, make_endpoint, no_worker):
    endpoint = make_endpoint("http://127.0.0.1:9/", ["conversation.created"])
    WebhookDelivery.objects.create(endpoint=endpoint, event="conversation.created", payload={},
                                   status="failed", attempts=3, last_error="HTTP 500: boom")
    page = admin_client.get("/admin/integrations/webhookdelivery/").content.decode()
    assert "HTTP 500: boom" in page and "failed" in page


def test_the_admin_edits_an_endpoints_events_from_the_catalogue(admin_client):
    response = admin_client.post("/admin/integrations/webhookendpoint/add/", {
        "name": "CRM", "url": "https://crm.example.com/hooks", "secret": "s", "is_active": "on",
        "events": ["conversation.created", "survey.completed"],
    })
    assert response.status_code == 302
    assert WebhookEndpoint.objects.get().events == ["conversation.created", "survey.completed"]
    response = admin_client.post("/admin/integrations/webhookendpoint/add/", {
        "name": "bad", "url": "https://crm.example.com/hooks", "secret": "s", "events": ["message.deleted"],
    })
    assert response.status_code == 200 and WebhookEndpoint.objects.count() == 1


# The hooks: each service emits its event inside its own transaction.

@pytest.fixture
def every_event(make_endpoint, no_worker):
    return make_endpoint("http://127.0.0.1:9/", [
        "conversation.created", "message.created", "conversation.escalated", "conversation.ended",
        "reservation.updated", "survey.completed",
    ])


def events_sent() -> list[str]:
    return list(WebhookDelivery.objects.order_by("pk").values_list("event", flat=True))


def test_starting_a_chat_and_writing_emit_created_events(every_event):
    Queue.objects.create(name="support", display_name="Support")
    guest = Guest.objects.create(display_name="Ada")
    conversation = conversation_start(guest_id=guest.pk, queue_name="support")
    event, _ = message_send(actor=Actor(kind=Participant.Kind.GUEST, guest_id=guest.pk),
                            conversation_id=conversation.pk, body="Hello?", client_msg_id="m-1")

    assert events_sent() == ["conversation.created", "message.created"]
    created, message = WebhookDelivery.objects.order_by("pk")
    assert created.payload == {"conversation": str(conversation.pk), "guest": str(guest.pk), "queue": "support",
                               "status": "bot", "created_at": conversation.created_at.isoformat()}
    assert message.payload == event and event["body"] == "Hello?"
    assert message.payload["kind"] == "guest"


def test_chat_events_map_to_webhook_names(every_event):
    from chat.services.events import event_record

    Queue.objects.create(name="support", display_name="Support")
    conversation = conversation_start(guest_id=Guest.objects.create().pk)
    WebhookDelivery.objects.all().delete()
    with transaction.atomic():
        for type in (Event.Type.ESCALATED, Event.Type.PARTICIPANT_JOINED, Event.Type.CHAT_ENDED,
                     Event.Type.SURVEY_OFFERED):
            event_record(conversation=conversation, type=type)
    assert events_sent() == ["conversation.escalated", "conversation.ended"]
    assert [d.payload["type"] for d in WebhookDelivery.objects.order_by("pk")] == ["conversation.escalated",
                                                                                  "chat.ended"]


def test_a_published_reservation_emits_its_payload(every_event):
    queue = Queue.objects.create(name="support", display_name="Support")
    reservation, _ = reservation_create(guest=Guest.objects.create(), queue_name=queue.name, priority=0)
    WebhookDelivery.objects.all().delete()
    with transaction.atomic():
        reservation_publish(reservation=reservation)
    [delivery] = WebhookDelivery.objects.all()
    assert delivery.event == "reservation.updated"
    assert delivery.payload["id"] == str(reservation.public_id) and delivery.payload["queue"] == "support"


def test_an_answered_survey_emits_its_answers(every_event):
    from surveys.services import invitation_create, survey_submit
    from surveys.tokens import invitation_token
    from tests.surveys.factories import survey_create

    from surveys.models import Survey

    Survey.objects.filter(queue__isnull=True, is_active=True).update(is_active=False)
    survey = survey_create(name="Default survey")
    Queue.objects.create(name="support", display_name="Support")
    conversation = conversation_start(guest_id=Guest.objects.create().pk)
    invitation = invitation_create(conversation=conversation)
    answers = [{"question": q.pk, "score": 5} for q in survey.questions.exclude(kind="text")]
    WebhookDelivery.objects.all().delete()

    survey_submit(token=invitation_token(invitation), answers=answers)

    [delivery] = WebhookDelivery.objects.all()
    assert delivery.event == "survey.completed"
    assert delivery.payload["conversation"] == str(conversation.pk)
    assert delivery.payload["invitation"] == invitation.pk
    assert [(a["question"], a["score"]) for a in delivery.payload["answers"]] == [(a["question"], 5) for a in answers]
