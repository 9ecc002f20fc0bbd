"""/metrics after a scripted conversation across real daphne, Redis and a Celery worker."""
import asyncio

import pytest
from prometheus_client.parser import text_string_to_metric_families

from queueing.models import Agent
from tests.chat.client import ChatClient
from tests.conftest import staff_cookie

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def offline_agent(support_queue):
    staff_cookie("robin", support_queue)
    return Agent.objects.get(user__username="robin")


def scrape(server) -> dict[tuple[str, tuple], float]:
    """{(sample name, sorted labels): value} of one /metrics response."""
    status, body = server.get("/metrics")
    assert status == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(body) for sample in family.samples
    }


async def connect(server, path="guest", **kwargs) -> ChatClient:
    client = await ChatClient.connect(f"{server.ws_url}/ws/{path}/", **kwargs)
    await client.next_event("connection.ready")
    return client


async def scrape_until(server, condition, timeout=15):
    """The first scrape meeting `condition`: a task's success is counted just
    after the task has stored its result."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        samples = await asyncio.to_thread(scrape, server)
        if condition(samples) or asyncio.get_running_loop().time() > deadline:
            return samples
        await asyncio.sleep(0.2)


async def test_a_scrape_counts_messages_queue_agents_and_celery_tasks(
    start_daphne, celery_worker_process, faq, agent_cookie, offline_agent
):
    server = start_daphne()
    staff = await connect(server, "staff", cookie=agent_cookie)
    await staff.ok("hello")
    await staff.ok("agent.status", {"status": "away"})

    guest = await connect(server)
    await guest.ok("hello")
    conversation = (await guest.ok("conversation.start", {"queue": "support"}))["conversation"]
    await guest.ok("message.send", {"conversation": conversation, "body": "When are you open?"})
    question, answer = await guest.messages(2)
    assert answer["kind"] == "bot"
    await guest.ok("conversation.escalate", {"conversation": conversation})

    bot_succeeded = ("contactcenter_celery_tasks_total",
                     (("state", "succeeded"), ("task", "chat.tasks.bot_reply_task")))
    samples = await scrape_until(server, lambda samples: samples.get(bot_succeeded, 0) >= 1)

    assert samples[bot_succeeded] >= 1
    assert samples[("chat_messages_stored_total", ())] == 1
    assert samples[("contactcenter_queue_waiting", (("queue", "support"),))] == 1
    assert samples[("contactcenter_queue_longest_wait_seconds", (("queue", "support"),))] > 0
    assert samples[("contactcenter_agents", (("status", "away"),))] == 1
    assert samples[("contactcenter_agents", (("status", "offline"),))] == 1
    assert samples[("contactcenter_agents", (("status", "available"),))] == 0
    assert samples[("contactcenter_webhook_deliveries", (("status", "pending"),))] == 0
    # Nobody has been answered yet: an empty histogram, still exposed per queue.
    assert samples[("contactcenter_queue_answered_wait_seconds_count", (("queue", "support"),))] == 0
    await guest.close()
    await staff.close()
