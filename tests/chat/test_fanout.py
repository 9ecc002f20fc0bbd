"""Fan-out (chat.fanout): sockets of one process get events in memory, and the
channel layer carries them to the other processes that follow the conversation,
which learn of each other as they join and leave."""
import pytest

from tests.chat.test_delivery import guest_with_conversation, staff_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("support_queue")]

# Far away: nothing here may arrive by the heartbeat's catch-up instead of the fan-out.
NO_HEARTBEAT = {"CHAT_HEARTBEAT_SECONDS": 600}


async def test_processes_that_follow_a_conversation_later_or_again_hear_and_are_heard_at_once(
    start_daphne, agent_cookie,
):
    guest_server, staff_server = start_daphne(**NO_HEARTBEAT), start_daphne(**NO_HEARTBEAT)
    guest, _, conversation = await guest_with_conversation(guest_server)

    for turn in range(2):
        # The staff process starts following after the guest's did, then stops, then starts again.
        staff = await staff_in(staff_server, agent_cookie, conversation)
        await staff.ok("message.send", {"conversation": conversation, "body": f"staff {turn}"})
        await guest.ok("message.send", {"conversation": conversation, "body": f"guest {turn}"})
        at_guest = await guest.messages(2, timeout=5)
        at_staff = await staff.messages(2, timeout=5)
        assert [m["body"] for m in at_guest] == [m["body"] for m in at_staff] == [f"staff {turn}", f"guest {turn}"]
        await staff.close()
    await guest.close()


async def test_typing_crosses_processes_and_never_echoes(start_daphne, agent_cookie):
    guest_server, staff_server = start_daphne(**NO_HEARTBEAT), start_daphne(**NO_HEARTBEAT)
    guest, _, conversation = await guest_with_conversation(guest_server)
    staff = await staff_in(staff_server, agent_cookie, conversation)
    second_tab = await staff_in(staff_server, agent_cookie, conversation)

    await guest.ok("typing", {"conversation": conversation, "active": True})
    at_staff = [await client.next_event("typing", timeout=5) for client in (staff, second_tab)]
    await staff.ok("typing", {"conversation": conversation, "active": False})
    at_guest = await guest.next_event("typing", timeout=5)

    assert [event["data"]["actor"]["kind"] for event in at_staff] == ["guest", "guest"]
    assert at_guest["data"]["active"] is False
    assert not [f for f in guest.drain_events() if f["event"] == "typing"]
    for client in (guest, staff, second_tab):
        await client.close()


async def test_a_conversation_id_written_otherwise_follows_the_same_conversation_live(start_daphne, agent_cookie):
    server = start_daphne(**NO_HEARTBEAT)
    guest, token, conversation = await guest_with_conversation(server)
    staff = await staff_in(server, agent_cookie, conversation.upper())

    await guest.ok("message.send", {"conversation": conversation, "body": "hello"})

    [seen] = await staff.messages(1, timeout=5)
    assert seen["body"] == "hello" and seen["conversation"] == conversation
    await guest.close()
    await staff.close()
