"""The idle-chat rule: silent too long, or the guest gone too long."""
from datetime import timedelta

import pytest
from django.utils import timezone

from chat.models import Connection, Conversation, Guest
from chat.services.ending import idle_conversations_end

pytestmark = pytest.mark.django_db(transaction=True)


def conversation(support_queue, *, silent_for: timedelta, guest_seen_ago: timedelta | None, still_open: bool = False):
    guest = Guest.objects.create()
    chat = Conversation.objects.create(guest=guest, queue=support_queue, status="active")
    Conversation.objects.filter(pk=chat.pk).update(last_activity_at=timezone.now() - silent_for)
    if guest_seen_ago is not None:
        Connection.objects.create(id=f"{chat.pk.hex}", server="s:1", channel_name="c", guest=guest,
                                  last_seen_at=timezone.now() - guest_seen_ago,
                                  closed_at=None if still_open else timezone.now() - guest_seen_ago)
    return chat


def test_silent_chats_and_chats_whose_guest_left_are_ended_and_no_others(support_queue, settings):
    settings.CHAT_IDLE_END_SECONDS = 15 * 60
    settings.CHAT_GUEST_GONE_SECONDS = 10 * 60
    silent = conversation(support_queue, silent_for=timedelta(minutes=20), guest_seen_ago=None)
    guest_left = conversation(support_queue, silent_for=timedelta(minutes=1), guest_seen_ago=timedelta(minutes=11))
    guest_reloading = conversation(support_queue, silent_for=timedelta(minutes=1), guest_seen_ago=timedelta(minutes=2))
    guest_here = conversation(support_queue, silent_for=timedelta(minutes=12), guest_seen_ago=timedelta(seconds=5),
                              still_open=True)

    assert idle_conversations_end() == 2
    assert idle_conversations_end() == 0  # a second run ends nothing twice
    ended = {c.pk: c.end_reason for c in Conversation.objects.filter(status="ended")}
    assert ended == {silent.pk: "idle", guest_left.pk: "guest gone"}
    assert guest_reloading.pk not in ended and guest_here.pk not in ended
