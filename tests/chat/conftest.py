import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from queueing.models import Agent, Queue


@pytest.fixture
def support_queue(transactional_db):
    return Queue.objects.create(name="support", display_name="Support")


def staff_cookie(username: str, queue: Queue | None) -> str:
    """A logged-in staff session (Django's own login), as a Cookie header value."""
    user = get_user_model().objects.create_user(username, password="pw-for-tests", is_staff=True)
    agent = Agent.objects.create(user=user)
    if queue:
        agent.queues.add(queue)
    client = Client()
    assert client.login(username=username, password="pw-for-tests")
    return f"sessionid={client.cookies['sessionid'].value}"


@pytest.fixture
def agent_cookie(support_queue):
    return staff_cookie("alex", support_queue)
