import pytest

from surveys.models import Survey
from tests.surveys.factories import queue_create, survey_create, user_create


@pytest.fixture
def default_survey(db):
    """A known default survey (CSAT, NPS, optional text), whatever the migration left in the database."""
    Survey.objects.filter(queue__isnull=True, is_active=True).update(is_active=False)
    return survey_create(name="Default survey")


@pytest.fixture
def support_queue(db):
    return queue_create("support")


@pytest.fixture
def sales_queue(db):
    return queue_create("sales")


@pytest.fixture
def alice(db):
    return user_create("alice", first_name="Alice", last_name="Agent")


@pytest.fixture
def bob(db):
    return user_create("bob")
