"""message.send is stored in batches (chat.message_writer, chat.services.messages):
each draft still gets its own answer, once per client_msg_id, in order."""
import asyncio
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from chat.access import Actor
from chat.models import Connection, Conversation, Event, Guest, Participant
from chat.protocol import ActionError, Reason
from chat.selectors import live_seen_after
from chat.services.conversations import conversation_assign, conversation_start
from chat.services.messages import MessageDraft, messages_send
from tests.chat.test_delivery import assert_contiguous, guest_with_conversation, staff_in

pytestmark = pytest.mark.django_db(transaction=True)


def guest_actor(conversation: Conversation) -> Actor:
    return Actor(kind=Participant.Kind.GUEST, guest_id=conversation.guest_id)


def test_a_refused_draft_leaves_the_rest_of_its_batch_stored(support_queue):
    mine = conversation_start(guest_id=Guest.objects.create().pk)
    ended = conversation_start(guest_id=Guest.objects.create().pk)
    Conversation.objects.filter(pk=ended.pk).update(status=Conversation.Status.ENDED)
    someone_elses = conversation_start(guest_id=Guest.objects.create().pk)

    results = messages_send([
        MessageDraft(guest_actor(mine), str(mine.pk), "first", "m-1"),
        MessageDraft(guest_actor(ended), str(ended.pk), "too late", "e-1"),
        MessageDraft(guest_actor(mine), str(someone_elses.pk), "not mine", "x-1"),
        MessageDraft(guest_actor(mine), "not-a-uuid", "nowhere", "x-2"),
        MessageDraft(guest_actor(mine), str(mine.pk), "   ", "m-2"),
        MessageDraft(guest_actor(mine), str(mine.pk), "second", "m-3"),
    ])

    refusals = [(r.reason, r.detail) for r in results if isinstance(r, ActionError)]
    assert [reason for reason, _ in refusals] == [Reason.FORBIDDEN] * 3 + [Reason.INVALID]
    # Someone else's and no conversation at all read the same: nothing leaks.
    assert refusals[1][1] == refusals[2][1]
    stored = [r for r in results if not isinstance(r, ActionError)]
    assert [(event["body"], duplicate) for event, duplicate in stored] == [("first", False), ("second", False)]
    assert list(Event.objects.filter(conversation=mine, type="message.new").order_by("seq").values_list("body", flat=True)) == ["first", "second"]
    assert not Event.objects.filter(conversation__in=[ended, someone_elses]).exists()


def test_a_retry_in_the_same_batch_or_a_later_one_is_the_first_message(support_queue):
    conversation = conversation_start(guest_id=Guest.objects.create().pk)
    actor = guest_actor(conversation)

    first, again = messages_send([MessageDraft(actor, str(conversation.pk), "hi", "m-1")] * 2)
    (later,) = messages_send([MessageDraft(actor, str(conversation.pk), "hi", "m-1")])

    assert first[1] is False and again[1] is True and later[1] is True
    assert first[0] == again[0] == later[0]
    assert Event.objects.filter(conversation=conversation, client_msg_id="m-1").count() == 1


async def test_a_burst_from_both_sides_is_stored_once_each_and_seen_in_order(start_daphne, agent_cookie):
    # The heartbeat is far away: nothing here may be delivered by its catch-up.
    server = start_daphne(CHAT_HEARTBEAT_SECONDS=600, CHAT_RATE_BURST=100)
    guest, _, conversation = await guest_with_conversation(server)
    staff = await staff_in(server, agent_cookie, conversation)
    await staff.ok("message.send", {"conversation": conversation, "body": "joined"})
    await guest.messages(1)
    await staff.messages(1)

    def send(client, side, n):
        return client.request("message.send", {"conversation": conversation, "body": f"{side} {n}",
                                               "client_msg_id": f"{side}-{n}"})

    answers = await asyncio.gather(*(
        send(client, side, n) for n in range(30) for client, side in ((guest, "guest"), (staff, "staff"))
    ), *(send(guest, "guest", n) for n in range(5)))

    assert all(answer["ok"] for answer in answers)
    seqs = [answer["data"]["seq"] for answer in answers]
    assert len(set(seqs[:60])) == 60 and seqs[60:] == seqs[:10:2]
    assert [answer["data"]["duplicate"] for answer in answers] == [False] * 60 + [True] * 5
    for client in (guest, staff):
        seen = [await client.next_stored() for _ in range(60)]
        assert_contiguous(seen, min(seqs))
        assert sorted(event["body"] for event in seen) == sorted(f"{side} {n}" for n in range(30)
                                                                 for side in ("guest", "staff"))
        assert not [f for f in client.drain_events() if f.get("event") == "message.new"]
    await guest.close()
    await staff.close()


async def test_a_socket_s_sends_in_flight_are_stored_in_the_order_sent_before_its_next_other_request(start_daphne, support_queue):
    # The socket reads its next frame while its sends are being stored (chat.consumers, _send_in_flight).
    server = start_daphne(CHAT_HEARTBEAT_SECONDS=600, CHAT_RATE_BURST=100)
    guest, _, conversation = await guest_with_conversation(server)
    bodies = [f"line {n}" for n in range(25)]

    *sent, history = await asyncio.gather(
        *(guest.request("message.send", {"conversation": conversation, "body": body, "client_msg_id": body})
          for body in bodies),
        guest.request("conversation.history", {"conversation": conversation}),
    )

    seqs = [answer["data"]["seq"] for answer in sent]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(bodies)
    stored = [event["body"] for event in history["data"]["events"] if event["kind"] == "guest"]
    assert stored[-len(bodies):] == bodies
    await guest.close()


def test_a_batch_holding_a_retry_of_an_earlier_message_stores_the_others_once_without_a_gap(support_queue):
    conversation = conversation_start(guest_id=Guest.objects.create().pk)
    actor = guest_actor(conversation)
    ((earlier, _),) = messages_send([MessageDraft(actor, str(conversation.pk), "first", "m-1")])

    results = messages_send([
        MessageDraft(actor, str(conversation.pk), "second", "m-2"),
        MessageDraft(actor, str(conversation.pk), "first", "m-1"),
        MessageDraft(actor, str(conversation.pk), "third", "m-3"),
    ])

    assert [(event["body"], event["seq"], duplicate) for event, duplicate in results] == [
        ("second", earlier["seq"] + 1, False), ("first", earlier["seq"], True), ("third", earlier["seq"] + 2, False),
    ]
    assert list(Event.objects.filter(conversation=conversation).values_list("seq", flat=True)) == list(
        range(1, earlier["seq"] + 3))


def test_a_guest_is_told_nobody_is_there_unless_a_staff_member_of_the_chat_has_a_live_socket(support_queue):
    """Seed 003's notice, decided for a whole batch at once: only staff who
    are in the conversation, have not left, and hold a socket their process
    still refreshes count as there."""
    def staffed(username: str, *, left=False, socket=None) -> Conversation:
        conversation = conversation_start(guest_id=Guest.objects.create().pk)
        user = get_user_model().objects.create_user(username, is_staff=True)
        participant = conversation_assign(conversation=conversation, user_id=user.pk)
        if left:
            Participant.objects.filter(pk=participant.pk).update(left_at=timezone.now())
        if socket is not None:
            Connection.objects.create(id=username.ljust(32, "0"), server="test", channel_name=username, user=user,
                                      last_seen_at=socket["seen"], closed_at=socket.get("closed"))
        return conversation

    fresh = {"seen": timezone.now()}
    there = staffed("online", socket=fresh)
    gone = staffed("left", left=True, socket=fresh)
    closed = staffed("closed", socket={**fresh, "closed": timezone.now()})
    stale = staffed("stale", socket={"seen": live_seen_after() - timedelta(seconds=1)})
    chats = [there, gone, closed, stale]

    messages_send([MessageDraft(guest_actor(chat), str(chat.pk), "anyone?") for chat in chats for _ in range(2)])

    told = {chat.pk: Event.objects.filter(conversation=chat, data__notice="staff_unavailable").count() for chat in chats}
    assert told == {there.pk: 0, gone.pk: 1, closed.pk: 1, stale.pk: 1}
