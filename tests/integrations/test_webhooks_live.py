"""Webhooks end to end: a real Celery worker delivering to a real receiver on
127.0.0.1, while guests chat through a real daphne."""
import asyncio
import time

import pytest
from asgiref.sync import sync_to_async

from chat.models import Event, Guest
from chat.services.conversations import conversation_start
from integrations.events import WebhookEvent
from integrations.models import WebhookDelivery
from queueing.models import Queue
from tests.chat.client import ChatClient
from tests.integrations.test_webhooks import signature_valid

pytestmark = pytest.mark.django_db(transaction=True)


def deliveries_settled(timeout: float = 60) -> list[WebhookDelivery]:
    """Every delivery once none is pending any more."""
    deadline = time.monotonic() + timeout
    while WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING).exists():
        assert time.monotonic() < deadline, list(WebhookDelivery.objects.values("event", "status", "attempts"))
        time.sleep(0.2)
    return list(WebhookDelivery.objects.select_related("endpoint").order_by("pk"))


def test_a_receiver_failing_twice_gets_the_event_on_the_third_attempt(receiver, make_endpoint,
                                                                      celery_worker_process):
    receiver.statuses = [500, 500]
    make_endpoint(receiver.url, ["conversation.created"])
    Queue.objects.create(name="support", display_name="Support")

    conversation = conversation_start(guest_id=Guest.objects.create().pk)

    received = receiver.wait_for(3)
    [delivery] = deliveries_settled()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("succeeded", 3, "")
    # The same id on every attempt: the receiver can tell a retry from a new event.
    assert [r.headers["X-Webhook-Id"] for r in received] == [str(delivery.event_id)] * 3
    assert all(signature_valid(r) for r in received)
    assert received[-1].json["data"]["conversation"] == str(conversation.pk)
    time.sleep(0.5)
    assert len(receiver.received) == 3  # succeeded: never sent again


async def test_chats_go_on_while_the_receiver_is_down(make_endpoint, start_daphne, celery_worker_process):
    # Port 9 (discard): nothing listens, every attempt is refused.
    await sync_to_async(make_endpoint)("http://127.0.0.1:9/hooks", [event.value for event in WebhookEvent])
    await Queue.objects.acreate(name="support", display_name="Support")
    server = await asyncio.to_thread(start_daphne)
    guest = await ChatClient.connect(f"{server.ws_url}/ws/guest/")
    await guest.next_event("connection.ready")
    await guest.ok("hello")
    conversation = (await guest.ok("conversation.start", {"queue": "support"}))["conversation"]

    for n in range(1, 6):
        started = time.monotonic()
        sent = await guest.ok("message.send", {"conversation": conversation, "body": f"message {n}",
                                               "client_msg_id": f"m-{n}"})
        while True:
            stored = await guest.next_stored(timeout=2)
            if stored["seq"] == sent["seq"]:
                break
        # Stored and on the socket at once: nothing waits for the webhook receiver.
        assert time.monotonic() - started < 1.0
        assert stored["body"] == f"message {n}"
    await guest.close()

    assert await Event.objects.filter(conversation_id=conversation, type="message.new", author__isnull=False,
                                      body__startswith="message ").acount() == 5
    deliveries = await asyncio.to_thread(deliveries_settled)
    guest_messages = [d for d in deliveries if d.event == "message.created" and d.payload["kind"] == "guest"]
    assert [d.payload["body"] for d in guest_messages] == [f"message {n}" for n in range(1, 6)]
    assert deliveries[0].event == "conversation.created"
    for delivery in deliveries:
        assert (delivery.status, delivery.attempts) == ("failed", 3), delivery
        assert "Connection refused" in delivery.last_error
