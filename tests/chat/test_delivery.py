"""Conversations over real daphne processes sharing Redis: stored first, sequenced,
resumed with no gap and no duplicate."""
import asyncio
import signal

import pytest
from asgiref.sync import sync_to_async
from django.db import transaction
from django.db.models import F

from chat.models import Conversation, Event
from tests.chat.client import ChatClient
from tests.conftest import staff_cookie

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("support_queue")]


async def connect(server, path="guest", **kwargs) -> ChatClient:
    client = await ChatClient.connect(f"{server.ws_url}/ws/{path}/", **kwargs)
    await client.next_event("connection.ready")
    return client


async def guest_with_conversation(server, token=None):
    client = await connect(server)
    hello = await client.ok("hello", {"token": token} if token else {})
    started = await client.ok("conversation.start", {"queue": "support"})
    # Past the bot: in line for a person (seq 1 "escalated", seq 2 the notice).
    await client.ok("conversation.escalate", {"conversation": started["conversation"]})
    assert [(await client.next_stored())["seq"] for _ in range(2)] == [1, 2]
    return client, hello["guest"]["token"], started["conversation"]


async def staff_in(server, cookie, conversation):
    client = await connect(server, "staff", cookie=cookie)
    await client.ok("hello")
    await client.ok("conversation.subscribe", {"conversation": conversation})
    client.drain_events()  # the history replayed before the response
    return client


def assert_contiguous(events, first_seq):
    assert [event["seq"] for event in events] == list(range(first_seq, first_seq + len(events)))


async def test_guest_and_staff_on_two_processes_chat_through_redis(start_daphne, agent_cookie):
    guest_server, staff_server = start_daphne(), start_daphne()
    guest, _, conversation = await guest_with_conversation(guest_server)
    staff = await staff_in(staff_server, agent_cookie, conversation)

    sent = await guest.ok("message.send", {"conversation": conversation, "body": "Hello, is anyone there?"})
    [at_staff, notice] = await staff.messages(2)
    reply = await staff.ok("message.send", {"conversation": conversation, "body": "Hi, Alex here."})
    guest_view = [await guest.next_stored() for _ in range(4)]

    assert at_staff["seq"] == sent["seq"] and at_staff["kind"] == "guest"
    assert notice["kind"] == "system"
    assert [(e["type"], e["kind"]) for e in guest_view] == [
        ("message.new", "guest"), ("message.new", "system"), ("participant.joined", "staff"), ("message.new", "staff"),
    ]
    assert_contiguous(guest_view, 3)
    assert guest_view[3]["seq"] == reply["seq"] and guest_view[3]["body"] == "Hi, Alex here."
    assert guest_view[3]["author"]["name"] == "alex"
    await guest.close()
    await staff.close()


async def test_a_retried_client_msg_id_stores_the_message_once(start_daphne):
    server = start_daphne()
    guest, _, conversation = await guest_with_conversation(server)
    message = {"conversation": conversation, "body": "only once", "client_msg_id": "m-1"}
    first = await guest.ok("message.send", message)
    retries = await asyncio.gather(*(guest.ok("message.send", message) for _ in range(3)))
    assert not first["duplicate"]
    assert all(retry["duplicate"] and retry["seq"] == first["seq"] for retry in retries)
    # The first answer brought the message.new; the retries' answers bring no second one.
    assert guest.events_in_answers == 1
    count = await sync_to_async(Event.objects.filter(conversation_id=conversation, body="only once").count)()
    assert count == 1
    await guest.close()


async def test_resume_after_the_guests_process_is_killed_has_no_gap_and_no_duplicate(start_daphne, agent_cookie):
    first_server, second_server = start_daphne(), start_daphne()
    guest, token, conversation = await guest_with_conversation(first_server)
    staff = await staff_in(second_server, agent_cookie, conversation)
    seen = []
    for n in range(3):
        await staff.ok("message.send", {"conversation": conversation, "body": f"before {n}"})
    seen += [await guest.next_stored() for _ in range(4)]  # joined + 3 messages

    first_server.signal(signal.SIGKILL)
    assert await guest.close_code() in (1006, None)
    for n in range(5):
        await staff.ok("message.send", {"conversation": conversation, "body": f"while away {n}"})

    resumed = await connect(second_server)
    await resumed.ok("hello", {"token": token})
    subscribed = await resumed.ok("conversation.subscribe", {"conversation": conversation, "after_seq": seen[-1]["seq"]})
    replayed = [frame["data"] for frame in resumed.drain_events() if "seq" in frame["data"]]
    assert resumed.replay_frames == 1  # the five missed events, in one events.replay frame
    await staff.ok("message.send", {"conversation": conversation, "body": "live again"})
    live = await resumed.messages(1)

    everything = seen + replayed + live
    assert_contiguous(everything, 3)
    assert [e["body"] for e in replayed] == [f"while away {n}" for n in range(5)]
    assert subscribed["last_seq"] == replayed[-1]["seq"]
    assert live[0]["body"] == "live again"
    await resumed.close()
    await staff.close()


async def test_a_fan_out_the_layer_dropped_is_refilled_from_the_database(start_daphne, agent_cookie):
    server = start_daphne(CHAT_HEARTBEAT_SECONDS=0.5)
    guest, _, conversation = await guest_with_conversation(server)
    staff = await staff_in(server, agent_cookie, conversation)
    await guest.ok("message.send", {"conversation": conversation, "body": "first"})
    await staff.messages(2)  # and the "not available" notice

    def store_without_publishing(body):
        # What a dropped group_send looks like: stored, never delivered.
        with transaction.atomic():
            Conversation.objects.filter(pk=conversation).update(last_seq=F("last_seq") + 1)
            seq = Conversation.objects.get(pk=conversation).last_seq
            Event.objects.create(conversation_id=conversation, seq=seq, type="message.new", body=body)

    await sync_to_async(store_without_publishing)("lost on the way 1")
    await staff.ok("message.send", {"conversation": conversation, "body": "after the gap"})
    at_guest = [await guest.next_stored() for _ in range(5)]
    await sync_to_async(store_without_publishing)("lost on the way 2")
    resynced = await guest.next_stored(timeout=5)  # no later event: the heartbeat finds it

    assert [e["body"] for e in at_guest if e["type"] == "message.new"][2:] == ["lost on the way 1", "after the gap"]
    assert resynced["body"] == "lost on the way 2"
    assert_contiguous(at_guest + [resynced], 3)
    await guest.close()
    await staff.close()


async def test_history_pages_backwards(start_daphne):
    server = start_daphne()
    guest, _, conversation = await guest_with_conversation(server)
    for n in range(7):
        await guest.ok("message.send", {"conversation": conversation, "body": f"m{n}"})
    pages = [await guest.ok("conversation.history", {"conversation": conversation, "limit": 4})]
    while pages[-1]["has_more"]:
        pages.append(await guest.ok("conversation.history", {
            "conversation": conversation, "limit": 4, "before_seq": pages[-1]["events"][0]["seq"],
        }))
    last_seq = (await guest.ok("conversation.subscribe", {"conversation": conversation, "after_seq": 10**6}))["last_seq"]
    seqs = [event["seq"] for page in reversed(pages) for event in page["events"]]
    assert seqs == list(range(1, last_seq + 1))
    assert all(len(page["events"]) == 4 for page in pages[:-1])
    assert [e["body"] for p in reversed(pages) for e in p["events"] if e["kind"] == "guest"] == [f"m{n}" for n in range(7)]
    await guest.close()


async def test_a_guest_alone_is_told_once_that_the_team_will_answer_later(start_daphne):
    server = start_daphne()
    guest, _, conversation = await guest_with_conversation(server)
    await guest.ok("message.send", {"conversation": conversation, "body": "anyone?"})
    await guest.ok("message.send", {"conversation": conversation, "body": "hello?"})
    messages = await guest.messages(3)
    assert [m["kind"] for m in messages] == ["guest", "system", "guest"]
    assert messages[1]["data"] == {"notice": "staff_unavailable"}
    assert "saved" in messages[1]["body"]
    await guest.close()


async def test_typing_and_read_receipts_reach_the_other_side_only(start_daphne, agent_cookie):
    server = start_daphne()
    guest, _, conversation = await guest_with_conversation(server)
    staff = await staff_in(server, agent_cookie, conversation)
    await staff.ok("typing", {"conversation": conversation, "active": True})
    typing = await guest.next_event("typing")
    sent = await staff.ok("message.send", {"conversation": conversation, "body": "here"})
    await guest.ok("read", {"conversation": conversation, "seq": sent["seq"]})
    read = await staff.next_event("read")

    assert typing["data"]["active"] is True and typing["data"]["actor"]["kind"] == "staff"
    assert read["data"]["up_to_seq"] == sent["seq"]
    assert not [f for f in staff.drain_events() if f["event"] == "typing"]  # no echo to the typist
    await guest.close()
    await staff.close()


async def test_nobody_acts_on_a_conversation_that_is_not_theirs(start_daphne, support_queue):
    server = start_daphne()
    owner, _, conversation = await guest_with_conversation(server)
    stranger, _, _ = await guest_with_conversation(server)
    other_queue_cookie = await sync_to_async(staff_cookie)("sam", None)
    outsider = await connect(server, "staff", cookie=other_queue_cookie)
    await outsider.ok("hello")

    answers = [
        await stranger.request("conversation.subscribe", {"conversation": conversation}),
        await stranger.request("message.send", {"conversation": conversation, "body": "hi"}),
        await stranger.request("conversation.history", {"conversation": conversation}),
        await stranger.request("conversation.subscribe", {"conversation": "00000000-0000-0000-0000-000000000000"}),
        await stranger.request("typing", {"conversation": conversation, "active": True}),
        await outsider.request("conversation.subscribe", {"conversation": conversation}),
    ]
    assert [a["error"]["reason"] for a in answers] == ["forbidden"] * 6
    # Unknown and someone else's read the same: nothing leaks.
    assert answers[0]["error"]["detail"] == answers[3]["error"]["detail"]
    for client in (owner, stranger, outsider):
        await client.close()


async def test_the_same_guest_on_two_tabs_sees_the_same_conversation(start_daphne):
    server = start_daphne()
    first_tab, token, conversation = await guest_with_conversation(server)
    second_tab = await connect(server)
    hello = await second_tab.ok("hello", {"token": token})
    assert [c["id"] for c in hello["conversations"]] == [conversation]
    await second_tab.ok("conversation.subscribe", {"conversation": conversation})
    second_tab.drain_events()
    await first_tab.ok("message.send", {"conversation": conversation, "body": "from tab one"})
    [seen] = await second_tab.messages(1)
    assert seen["body"] == "from tab one"
    forged = await (await connect(server)).request("hello", {"token": token + "x"})
    assert forged["error"]["reason"] == "forbidden"
    await first_tab.close()
    await second_tab.close()


async def test_the_sender_gets_its_own_message_once_inside_the_answer_and_other_sockets_as_an_event(
        start_daphne, agent_cookie):
    server = start_daphne()
    guest, token, conversation = await guest_with_conversation(server)
    second_tab = await connect(server)
    await second_tab.ok("hello", {"token": token})
    await second_tab.ok("conversation.subscribe", {"conversation": conversation})
    second_tab.drain_events()
    staff = await staff_in(server, agent_cookie, conversation)

    answer = await guest.request("message.send", {"conversation": conversation, "body": "mine"})
    reply = await staff.ok("message.send", {"conversation": conversation, "body": "theirs"})

    own = answer["data"]["event"]
    assert (own["type"], own["kind"], own["body"], own["seq"]) == ("message.new", "guest", "mine", answer["data"]["seq"])

    async def stream_until_reply(client):
        frames = [await client.next_event()]
        while frames[-1]["data"].get("seq") != reply["seq"]:
            frames.append(await client.next_event())
        return [frame for frame in frames if "seq" in frame["data"]]

    at_sender, at_second_tab = await stream_until_reply(guest), await stream_until_reply(second_tab)
    # Own message, the team's notice, the staff member joining, their reply: no gap, no duplicate.
    assert_contiguous([frame["data"] for frame in at_sender], own["seq"])
    assert_contiguous([frame["data"] for frame in at_second_tab], own["seq"])
    assert [frame.get("answer") for frame in at_sender] == [answer["id"], None, None, None]
    assert at_sender[0]["data"] == own
    assert [frame.get("answer") for frame in at_second_tab] == [None] * 4
    assert at_second_tab[0]["data"] == own
    for client in (guest, second_tab, staff):
        await client.close()


async def test_staff_see_the_guest_go_offline_and_come_back(start_daphne, agent_cookie):
    server = start_daphne()
    guest, token, conversation = await guest_with_conversation(server)
    staff = await staff_in(server, agent_cookie, conversation)
    await staff.ok("message.send", {"conversation": conversation, "body": "Hello"})  # staff joins
    await guest.close()
    offline = await staff.next_event("presence")
    back = await connect(server)
    await back.ok("hello", {"token": token})
    online = await staff.next_event("presence")
    assert (offline["data"]["actor"]["kind"], offline["data"]["online"]) == ("guest", False)
    assert (online["data"]["actor"]["kind"], online["data"]["online"]) == ("guest", True)
    await back.close()
    await staff.close()
