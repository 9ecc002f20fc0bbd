import pytest
from django.contrib.auth import get_user_model

from queueing.models import Queue
from tests.browser.conftest import PASSWORD, agent_user, browser, collected_static, playwright, product, support  # noqa: F401 (fixtures)
from tests.chat.conftest import staff_cookie


@pytest.fixture
def support_queue(transactional_db):
    return Queue.objects.create(name="support", display_name="Support")


@pytest.fixture
def agent_cookie(support_queue):
    return staff_cookie("alex", support_queue)


@pytest.fixture
def supervisor(transactional_db):
    return get_user_model().objects.create_superuser("sam", "sam@example.com", PASSWORD)
