import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from chat.models import FaqEntry
from queueing.models import Agent, Queue
from tests.processes import CeleryWorker, Daphne


@pytest.fixture
def log_dir(tmp_path):
    return tmp_path


@pytest.fixture
def start_daphne(django_db_setup, tmp_path):
    """Start daphne processes on the test database; each is stopped after the test."""
    started = []

    def start(**settings_env) -> Daphne:
        server = Daphne(tmp_path, **settings_env)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def celery_worker_process(django_db_setup, tmp_path):
    worker = CeleryWorker(tmp_path)
    yield worker
    worker.stop()


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


@pytest.fixture
def faq(transactional_db):
    return FaqEntry.objects.create(question="What are your opening hours?", keywords="hours, open, opening",
                                   answer="We are open 8:00 to 18:00 on weekdays.")
