"""Conversations in the Django admin: transcript, escalate and end, on the list and the change page."""
import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from chat.models import Conversation, Event, Guest, Participant
from queueing.models import Queue, Reservation

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def supervisor_client():
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("sup", "sup@example.com", "pw"))
    return client


@pytest.fixture
def active_chat(support_queue):
    agent = get_user_model().objects.create_user("alex", is_staff=True)
    conversation = Conversation.objects.create(guest=Guest.objects.create(), queue=support_queue, status="active")
    Participant.objects.create(conversation=conversation, kind="staff", user=agent, display_name="Alex")
    Event.objects.create(conversation=conversation, seq=1, type="message.new", body="<b>not bold</b>")
    Conversation.objects.filter(pk=conversation.pk).update(last_seq=1)
    return conversation


def test_the_change_page_shows_the_transcript_escaped_and_the_actions(supervisor_client, active_chat):
    page = supervisor_client.get(f"/admin/chat/conversation/{active_chat.pk}/change/").content.decode()
    assert "&lt;b&gt;not bold&lt;/b&gt;" in page
    assert 'value="end_chats"' in page and 'value="escalate_to_support"' in page


def test_a_supervisor_escalates_a_chat_to_another_queue_from_the_list(supervisor_client, active_chat):
    Queue.objects.create(name="tier-2", display_name="Second tier")
    response = supervisor_client.post("/admin/chat/conversation/", {
        "action": "escalate_to_tier-2", "_selected_action": [active_chat.pk],
    })
    assert response.status_code == 302
    active_chat.refresh_from_db()
    assert (active_chat.status, active_chat.queue.name) == ("waiting", "tier-2")
    assert active_chat.participants.get(kind="staff").left_at is not None
    assert Reservation.objects.get(conversation=active_chat).queue.name == "tier-2"
    assert list(active_chat.events.order_by("seq").values_list("type", flat=True))[1:] == [
        "participant.left", "conversation.escalated", "message.new",
    ]


def test_ending_from_the_change_page_goes_through_the_one_end_function(supervisor_client, active_chat):
    supervisor_client.post("/admin/chat/conversation/", {"action": "end_chats", "_selected_action": [active_chat.pk]})
    active_chat.refresh_from_db()
    assert (active_chat.status, active_chat.ended_by, active_chat.ended_by_user.username) == ("ended", "staff", "sup")
    types = list(active_chat.events.order_by("seq").values_list("type", flat=True))
    assert types[types.index("chat.ended") - 1] == "message.new"  # the farewell, then the end
