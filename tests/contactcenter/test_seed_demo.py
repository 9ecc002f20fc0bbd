from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from chat.models import FaqEntry
from queueing.models import Agent, Queue


@pytest.mark.django_db
def test_demo_data_is_created_once_and_its_passwords_are_printed_once():
    first, second = StringIO(), StringIO()
    call_command("seed_demo", stdout=first)
    call_command("seed_demo", stdout=second)
    assert "admin / " in first.getvalue() and "agent / " in first.getvalue()
    assert second.getvalue() == ""
    password = first.getvalue().split("agent / ")[1].split()[0]
    agent = get_user_model().objects.get(username="agent")
    assert agent.check_password(password) and agent.is_staff and not agent.is_superuser
    assert agent.has_perm("chat.change_conversation") and agent.has_perm("surveys.view_survey")
    assert list(Agent.objects.get(user=agent).queues.values_list("name", flat=True)) == ["support"]
    assert Queue.objects.count() == 2 and FaqEntry.objects.count() >= 3
