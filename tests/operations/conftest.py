import pytest
from django.contrib.auth import get_user_model

from tests.browser.conftest import PASSWORD, agent_user, browser, collected_static, playwright, product, support  # noqa: F401 (fixtures)


@pytest.fixture
def supervisor(transactional_db):
    return get_user_model().objects.create_superuser("sam", "sam@example.com", PASSWORD)
