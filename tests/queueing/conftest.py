import itertools

import pytest
from django.contrib.auth import get_user_model

from chat.models import Guest
from queueing import broadcast
from queueing.models import Agent, Queue

_names = itertools.count(1)


@pytest.fixture
def make_queue(db):
    def make(name: str = "support", **fields) -> Queue:
        return Queue.objects.create(name=name, display_name=name.title(), **fields)
    return make


@pytest.fixture
def make_agent(db):
    def make(*queues: Queue, capacity: int = 1, status: str = Agent.Status.AVAILABLE, name: str = "") -> Agent:
        username = name or f"agent{next(_names)}"
        user = get_user_model().objects.create_user(username, password="pw-for-tests", is_staff=True,
                                                    first_name=username.title())
        agent = Agent.objects.create(user=user, capacity=capacity, status=status)
        agent.queues.add(*queues)
        return agent
    return make


@pytest.fixture
def make_guest(db):
    def make(name: str = "") -> Guest:
        return Guest.objects.create(display_name=name or f"guest{next(_names)}")
    return make


class Published:
    """What left through queueing.broadcast, recorded instead of sent: unit tests
    check the audience and payloads; the end-to-end tests send for real."""

    def __init__(self):
        self.customer: list[tuple[object, str, dict]] = []
        self.agent: list[tuple[int, str, dict]] = []

    def guests_told(self, event=broadcast.EventName.RESERVATION_UPDATED) -> list:
        return [guest_id for guest_id, name, _ in self.customer if name == event]

    def updates_for(self, guest_id) -> list[dict]:
        return [data for g, name, data in self.customer if g == guest_id and name == broadcast.EventName.RESERVATION_UPDATED]

    def clear(self):
        self.customer.clear()
        self.agent.clear()


@pytest.fixture
def published(monkeypatch):
    record = Published()
    # The one door to customers: notify_customer_on_commit sends through it too.
    monkeypatch.setattr(broadcast, "notify_customers_on_commit", lambda updates, event: record.customer.extend(
        (reservation.guest_id, event, data) for reservation, data in updates))
    monkeypatch.setattr(broadcast, "notify_agent_on_commit",
                        lambda agent, event, data: record.agent.append((agent.user_id, event, data)))
    return record
