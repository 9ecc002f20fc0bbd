"""Replays and history read events as plain rows (chat.broadcast.event_payloads):
they must say exactly what the live fan-out said of the same events."""
import pytest

from chat.access import Actor
from chat.broadcast import event_payload, event_payloads
from chat.models import Event, Guest, Participant
from chat.services.conversations import conversation_start
from chat.services.events import event_record
from chat.services.messages import message_send

pytestmark = pytest.mark.django_db(transaction=True)


def test_events_read_as_rows_are_the_payloads_the_sockets_got_live(support_queue):
    guest = Guest.objects.create(display_name="Ada")
    conversation = conversation_start(guest_id=guest.pk)
    live = [
        message_send(actor=Actor(kind=Participant.Kind.GUEST, guest_id=guest.pk),
                     conversation_id=conversation.pk, body="Hello?", client_msg_id="m-1")[0],
        event_record(conversation=conversation, type=Event.Type.ESCALATED, data={"queue": "support"}),
    ]
    stored = Event.objects.filter(conversation=conversation).order_by("seq")
    assert event_payloads(stored) == live
    assert [event_payload(event) for event in stored.select_related("author")] == live
    assert [payload["kind"] for payload in live] == ["guest", "system"]
