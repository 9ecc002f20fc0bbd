"""A conversation from the bot to the survey, across real daphne, Redis and a Celery worker."""
import asyncio
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from chat.models import Conversation
from chat.tasks import end_idle_conversations
from queueing.models import Queue
from surveys.models import Question, Survey
from tests.chat.client import ChatClient

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def survey(support_queue):
    survey = Survey.objects.create(name="After chat", queue=support_queue, is_active=True)
    Question.objects.create(survey=survey, order=1, kind="csat", prompt="How satisfied are you?", required=True)
    Question.objects.create(survey=survey, order=2, kind="text", prompt="Anything else?", required=False)
    return survey


async def connect(server, path="guest", **kwargs) -> ChatClient:
    client = await ChatClient.connect(f"{server.ws_url}/ws/{path}/", **kwargs)
    await client.next_event("connection.ready")
    return client


async def guest_in_bot_chat(server):
    guest = await connect(server)
    await guest.ok("hello")
    started = await guest.ok("conversation.start", {"queue": "support"})
    return guest, started["conversation"]


async def available_agent(server, cookie):
    staff = await connect(server, "staff", cookie=cookie)
    await staff.ok("hello")
    await staff.ok("agent.status", {"status": "available"})
    return staff


async def matched_chat(server, cookie):
    """A guest past the bot, accepted by an agent; returns (guest, staff, conversation)."""
    guest, conversation = await guest_in_bot_chat(server)
    staff = await available_agent(server, cookie)
    await guest.ok("conversation.escalate", {"conversation": conversation})
    offer = await staff.next_event("reservation.offered")
    accepted = await staff.ok("offer.accept", {"reservation": offer["data"]["id"]})
    await staff.ok("conversation.subscribe", {"conversation": accepted["conversation"]})
    while (await guest.next_stored())["type"] != "participant.joined":
        pass
    return guest, staff, conversation


async def test_the_bot_answers_from_an_faq_entry(start_daphne, celery_worker_process, faq, support_queue):
    server = start_daphne()
    guest, conversation = await guest_in_bot_chat(server)
    await guest.ok("message.send", {"conversation": conversation, "body": "When are you open?"})
    question, answer = await guest.messages(2)
    assert question["kind"] == "guest"
    assert answer["kind"] == "bot" and answer["body"] == faq.answer
    assert answer["data"]["faq"] == faq.pk and answer["data"]["confidence"] >= 0.5
    await guest.close()


async def test_asking_for_a_person_or_two_unsure_answers_offer_escalation(start_daphne, celery_worker_process,
                                                                        support_queue):
    server = start_daphne()
    guest, conversation = await guest_in_bot_chat(server)
    await guest.ok("message.send", {"conversation": conversation, "body": "Can I talk to a human please?"})
    asked = (await guest.messages(2))[1]
    await guest.ok("message.send", {"conversation": conversation, "body": "purple monkey dishwasher"})
    first_unsure = (await guest.messages(2))[1]
    await guest.ok("message.send", {"conversation": conversation, "body": "zebra quantum lasagna"})
    second_unsure = (await guest.messages(2))[1]
    assert asked["data"] == {"offer": "escalation"}
    assert first_unsure["data"]["unsure"] is True
    assert second_unsure["data"] == {"offer": "escalation"}
    await guest.close()


async def test_escalation_queues_the_guest_and_the_accepting_agent_sees_the_whole_history(
        start_daphne, celery_worker_process, faq, agent_cookie):
    server = start_daphne()
    guest, conversation = await guest_in_bot_chat(server)
    await guest.ok("message.send", {"conversation": conversation, "body": "When are you open?"})
    await guest.messages(2)
    escalated = await guest.ok("conversation.escalate", {"conversation": conversation})
    assert escalated["reservation"]["status"] == "queued"
    assert escalated["reservation"]["queue_position"] == 1
    assert escalated["reservation"]["estimated_wait_until"] is None  # no history yet (seed 004)

    staff = await available_agent(server, agent_cookie)
    offer = await staff.next_event("reservation.offered")
    accepted = await staff.ok("offer.accept", {"reservation": offer["data"]["id"]})
    await staff.ok("conversation.subscribe", {"conversation": accepted["conversation"]})
    history = [frame["data"] for frame in staff.drain_events() if "seq" in frame["data"]]
    joined = await guest.next_event("participant.joined")
    await staff.ok("message.send", {"conversation": conversation, "body": "Hello, I can help."})
    reply = await guest.next_event("message.new")

    assert [e["body"] for e in history if e["type"] == "message.new"][:2] == ["When are you open?", faq.answer]
    assert [e["seq"] for e in history] == list(range(1, len(history) + 1))
    assert joined["data"]["data"]["kind"] == "staff"
    assert reply["data"]["kind"] == "staff" and reply["data"]["body"] == "Hello, I can help."
    status = await sync_to_async(lambda: Conversation.objects.get(pk=conversation).status)()
    assert status == "active"
    await guest.close()
    await staff.close()


async def test_transfer_keeps_the_history_and_tells_the_guest(start_daphne, celery_worker_process, agent_cookie):
    server = start_daphne()
    guest, staff, conversation = await matched_chat(server, agent_cookie)
    await sync_to_async(Queue.objects.create)(name="tier-2", display_name="Second tier")
    moved = await staff.ok("conversation.escalate", {"conversation": conversation, "queue": "tier-2"})
    events = [await guest.next_stored() for _ in range(3)]
    kinds = [(e["type"], e["data"].get("notice") or e["data"].get("queue")) for e in events]
    assert ("participant.left", None) in kinds and ("conversation.escalated", "tier-2") in kinds
    assert ("message.new", "queued") in kinds
    assert moved["reservation"]["queue"] == "tier-2" and moved["reservation"]["status"] in ("queued", "offered")
    await guest.close()
    await staff.close()


def end_from_admin(conversation_id):
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.com", "pw"))
    response = client.post("/admin/chat/conversation/", {"action": "end_chats", "_selected_action": [conversation_id]})
    assert response.status_code == 302


def end_from_api(conversation_id, user):
    token = Token.objects.create(user=user)
    response = Client().post(f"/api/v1/conversations/{conversation_id}/end", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("entry_point", ["widget", "console", "admin", "api", "idle_task"])
async def test_ending_from_every_entry_point_sends_farewell_then_chat_ended_then_the_survey(
        entry_point, start_daphne, celery_worker_process, agent_cookie, survey):
    server = start_daphne()
    guest, staff, conversation = await matched_chat(server, agent_cookie)
    agent_user = await sync_to_async(get_user_model().objects.get)(username="alex")
    guest.drain_events()
    if entry_point == "widget":
        await guest.ok("conversation.end", {"conversation": conversation})
    elif entry_point == "console":
        await staff.ok("conversation.end", {"conversation": conversation})
    elif entry_point == "admin":
        await sync_to_async(end_from_admin)(conversation)
    elif entry_point == "api":
        await sync_to_async(end_from_api)(conversation, agent_user)
    else:
        await sync_to_async(Conversation.objects.filter(pk=conversation).update)(
            last_activity_at=timezone.now() - timedelta(hours=1))
        end_idle_conversations.delay()
    farewell, ended, offered = [await guest.next_stored(timeout=20) for _ in range(3)]
    assert (farewell["type"], farewell["kind"], farewell["data"]) == ("message.new", "system", {"notice": "farewell"})
    assert ended["type"] == "chat.ended" and ended["seq"] == farewell["seq"] + 1
    assert offered["type"] == "survey.offered" and offered["seq"] == ended["seq"] + 1
    assert [q["kind"] for q in offered["data"]["questions"]] == ["csat", "text"]
    expected_by = {"widget": "guest", "idle_task": "system"}.get(entry_point, "staff")
    assert ended["data"]["ended_by"] == expected_by
    record = await sync_to_async(Conversation.objects.get)(pk=conversation)
    assert (record.status, record.ended_by) == ("ended", expected_by)
    assert record.ended_at is not None
    await asyncio.sleep(0.3)
    assert not guest.closed.done()  # the server never closes the guest's socket on end (seed 000)
    # Ending twice changes nothing.
    again = await guest.ok("conversation.end", {"conversation": conversation})
    assert again["status"] == "ended"
    await asyncio.sleep(0.3)
    assert not [f for f in guest.drain_events() if "seq" in f["data"]]
    await guest.close()
    await staff.close()


async def test_the_survey_is_answered_once_over_the_socket(start_daphne, celery_worker_process, agent_cookie, survey):
    server = start_daphne()
    guest, staff, conversation = await matched_chat(server, agent_cookie)
    await staff.ok("conversation.end", {"conversation": conversation})
    offered = await guest.next_event("survey.offered")
    questions = offered["data"]["data"]["questions"]
    answers = [{"question": questions[0]["id"], "score": 5}, {"question": questions[1]["id"], "text": "Great"}]
    first = await guest.ok("survey.submit", {"invitation": offered["data"]["data"]["invitation"], "answers": answers})
    second = await guest.request("survey.submit", {"invitation": offered["data"]["data"]["invitation"], "answers": answers})
    assert first["answered_at"]
    assert second["error"]["reason"] == "forbidden"
    await guest.close()
    await staff.close()


async def test_sending_to_an_ended_conversation_is_refused(start_daphne, celery_worker_process, agent_cookie):
    server = start_daphne()
    guest, staff, conversation = await matched_chat(server, agent_cookie)
    await guest.ok("conversation.end", {"conversation": conversation})
    refused = await guest.request("message.send", {"conversation": conversation, "body": "still there?"})
    assert refused["error"]["reason"] == "forbidden"
    transcript = await guest.ok("conversation.transcript", {"conversation": conversation})
    assert "This chat has ended" in transcript["text"]
    await guest.close()
    await staff.close()


def test_transcripts_api_filters_and_permissions(transactional_db, support_queue):
    from chat.models import Event, Guest
    from chat.services.guests import guest_token

    owner, stranger = Guest.objects.create(), Guest.objects.create()
    mine = Conversation.objects.create(guest=owner, queue=support_queue)
    Event.objects.create(conversation=mine, seq=1, type="message.new", body='He said "hi", then left')
    theirs = Conversation.objects.create(guest=stranger, queue=support_queue, status="ended")
    admin = get_user_model().objects.create_superuser("boss", "boss@example.com", "pw")
    token = Token.objects.create(user=admin)
    api = Client()

    assert api.get("/api/v1/conversations/").status_code in (401, 403)
    as_owner = {"HTTP_AUTHORIZATION": f"Guest {guest_token(owner)}"}
    assert api.get(f"/api/v1/conversations/{theirs.pk}/", **as_owner).status_code == 404
    own = api.get(f"/api/v1/conversations/{mine.pk}/", **as_owner).json()
    assert own["transcript"][0]["text"] == 'He said "hi", then left'
    assert [c["id"] for c in api.get("/api/v1/conversations/", **as_owner).json()["results"]] == [str(mine.pk)]

    as_staff = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    ended = api.get("/api/v1/conversations/?status=ended", **as_staff).json()["results"]
    assert [c["id"] for c in ended] == [str(theirs.pk)]
    assert api.get("/api/v1/conversations/?created_after=yesterday", **as_staff).status_code == 400
    text = api.get(f"/api/v1/conversations/{mine.pk}/transcript.txt", **as_staff)
    assert text["Content-Type"].startswith("text/plain") and 'He said "hi", then left' in text.content.decode()
    rows = api.get(f"/api/v1/conversations/{mine.pk}/transcript.csv", **as_staff).content.decode().splitlines()
    assert rows[0] == "seq,at,kind,author,text" and rows[1].endswith('"He said ""hi"", then left"')


async def test_an_agent_gone_past_the_grace_period_is_set_offline_and_the_chat_goes_back_to_the_queue(
        start_daphne, log_dir, agent_cookie):
    from chat.tasks import release_absent_agents
    from queueing.models import Agent
    from tests.processes import CeleryWorker

    worker = await asyncio.to_thread(CeleryWorker, log_dir, CHAT_AGENT_GRACE_SECONDS=0.5)
    try:
        server = start_daphne()
        guest, staff, conversation = await matched_chat(server, agent_cookie)
        await staff.close()  # the agent's network is gone for good
        await asyncio.sleep(1)
        release_absent_agents.delay()
        events = [await guest.next_stored(timeout=20) for _ in range(3)]
        update = await guest.next_event("reservation.updated")
    finally:
        await asyncio.to_thread(worker.stop)
    assert [e["type"] for e in events] == ["participant.left", "conversation.escalated", "message.new"]
    assert events[1]["data"]["kind"] == "agent_lost"
    assert "lost their connection" in events[2]["body"]
    assert update["data"]["status"] == "queued" and update["data"]["queue_position"] == 1
    status = await sync_to_async(lambda: Agent.objects.get(user__username="alex").status)()
    assert status == "offline"
    await guest.close()


async def test_a_guest_offline_when_the_chat_ended_learns_it_on_reconnect(
        start_daphne, celery_worker_process, agent_cookie, survey):
    server = start_daphne()
    guest = await connect(server)
    token = (await guest.ok("hello"))["guest"]["token"]
    conversation = (await guest.ok("conversation.start", {"queue": "support"}))["conversation"]
    staff = await available_agent(server, agent_cookie)
    await guest.ok("conversation.escalate", {"conversation": conversation})
    offer = await staff.next_event("reservation.offered")
    await staff.ok("offer.accept", {"reservation": offer["data"]["id"]})
    while (await guest.next_stored())["type"] != "participant.joined":
        pass
    last_seen = (await guest.ok("conversation.subscribe", {"conversation": conversation, "after_seq": 10**6}))["last_seq"]
    await guest.close()

    await staff.ok("conversation.end", {"conversation": conversation})
    back = await connect(server)
    hello = await back.ok("hello", {"token": token})
    await back.ok("conversation.subscribe", {"conversation": conversation, "after_seq": last_seen})
    missed = [f["data"]["type"] for f in back.drain_events() if "created_at" in f["data"]]
    assert hello["conversations"] == []  # no open conversation any more
    assert missed == ["message.new", "chat.ended", "survey.offered"]
    await back.close()
    await staff.close()


@pytest.mark.parametrize("value", ["3417-12-21T19:37:57-23:15", "2026-13-45T00:00:00", "9999-12-31T23:59:59-10:00",
                                   "yesterday"])
def test_transcript_filters_refuse_or_normalise_odd_date_times_without_a_server_error(transactional_db, value):
    admin = get_user_model().objects.create_superuser("boss", "boss@example.com", "pw")
    token = Token.objects.create(user=admin)
    response = Client().get("/api/v1/conversations/", {"created_before": value},
                            HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code in (200, 400), response.content


@pytest.mark.parametrize("name, value", [("agent", "ann\x00"), ("queue", "support\x00"), ("status", "gone")])
def test_transcript_text_filters_refuse_what_no_column_holds_with_a_400_naming_the_field(transactional_db, name, value):
    admin = get_user_model().objects.create_superuser("boss", "boss@example.com", "pw")
    token = Token.objects.create(user=admin)
    response = Client().get("/api/v1/conversations/", {name: value}, HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 400, response.content
    assert name in response.json()
