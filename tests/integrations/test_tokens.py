"""API tokens: Bearer authentication, scopes per view, revocation, throttling, the admin."""
import re

import pytest
from django.core.cache import cache
from django.test import Client

from chat.models import Conversation, Guest
from integrations.models import ApiToken
from integrations.scopes import Scope
from integrations.tokens import api_token_revoke, key_hash
from queueing.models import Queue

pytestmark = pytest.mark.django_db


def call(method: str, path: str, key: str, **data):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    if method == "post":
        return Client().post(path, data, content_type="application/json", **headers)
    return Client().get(path, data, **headers)


# (method, path, the scope it needs)
SCOPED = [
    ("get", "/api/v1/conversations/", Scope.TRANSCRIPTS_READ),
    ("get", "/api/v1/queues/", Scope.QUEUES_READ),
    ("get", "/api/v1/surveys/summary/", Scope.SURVEYS_READ),
    ("get", "/api/v1/surveys/responses/", Scope.SURVEYS_READ),
    ("post", "/api/v1/agents/me/status/", Scope.AGENTS_MANAGE),
    ("post", "/api/v1/reservations/", Scope.RESERVATIONS_MANAGE),
]


@pytest.mark.parametrize("method, path, scope", SCOPED)
def test_a_token_without_the_views_scope_is_forbidden(method, path, scope, make_token):
    others = [other for other in Scope if other != scope]
    response = call(method, path, make_token(scopes=others))
    assert response.status_code == 403
    assert scope in response.json()["detail"]


@pytest.mark.parametrize("method, path, scope", SCOPED)
def test_a_token_with_the_views_scope_is_let_through(method, path, scope, make_token):
    Queue.objects.create(name="support", display_name="Support")
    response = call(method, path, make_token(scopes=[scope]), **({"queue": "support"} if "reservations" in path else {}))
    # 400 and 404 are the view's own answers (no status given, not an agent): the scope passed.
    assert response.status_code in {200, 201, 400, 404}, response.content


def test_a_token_sees_what_its_owner_sees(make_token, staff_user, admin_user):
    queue = Queue.objects.create(name="support", display_name="Support")
    conversation = Conversation.objects.create(guest=Guest.objects.create(), queue=queue)
    path = f"/api/v1/conversations/{conversation.pk}/"
    # An agent of no queue sees none of its conversations; a superuser sees all.
    assert call("get", path, make_token(scopes=[Scope.TRANSCRIPTS_READ])).status_code == 404
    response = call("get", path, make_token(scopes=[Scope.TRANSCRIPTS_READ], owner=admin_user))
    assert response.status_code == 200 and response.json()["id"] == str(conversation.pk)


def test_a_token_of_a_non_staff_owner_gets_nothing(make_token, django_user_model):
    customer = django_user_model.objects.create_user("customer")
    assert call("get", "/api/v1/queues/", make_token(owner=customer)).status_code == 403


def test_a_revoked_token_is_unauthorized(make_token):
    key = make_token()
    token = ApiToken.objects.get(key_hash=key_hash(key))
    assert call("get", "/api/v1/queues/", key).status_code == 200
    assert api_token_revoke(token=token) is True
    response = call("get", "/api/v1/queues/", key)
    assert response.status_code == 401
    assert response.json()["detail"] == "the API token has been revoked"
    assert api_token_revoke(token=token) is False


@pytest.mark.parametrize("header", ["Bearer nope", "Bearer", "Bearer a b"])
def test_an_unknown_or_malformed_key_is_unauthorized(header):
    response = Client().get("/api/v1/queues/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401


def test_tokens_are_throttled_per_token(make_token, settings):
    settings.INTEGRATIONS_TOKEN_RATE = "3/minute"
    busy, other = make_token(), make_token()
    for key in (busy, other):
        cache.delete(f"throttle_api_token_{ApiToken.objects.get(key_hash=key_hash(key)).pk}")
    assert [call("get", "/api/v1/queues/", busy).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert "Retry-After" in call("get", "/api/v1/queues/", busy).headers
    assert call("get", "/api/v1/queues/", other).status_code == 200


def test_staff_sessions_are_neither_scoped_nor_throttled(admin_client, settings):
    settings.INTEGRATIONS_TOKEN_RATE = "1/minute"
    assert [admin_client.get("/api/v1/queues/").status_code for _ in range(3)] == [200, 200, 200]


def test_use_is_recorded(make_token):
    key = make_token()
    call("get", "/api/v1/queues/", key)
    assert ApiToken.objects.get(key_hash=key_hash(key)).last_used_at is not None


def test_the_admin_shows_the_key_once_and_stores_only_its_hash(admin_client, staff_user):
    response = admin_client.post("/admin/integrations/apitoken/add/", {
        "name": "CRM sync", "owner": staff_user.pk, "scopes": [Scope.QUEUES_READ, Scope.TRANSCRIPTS_READ],
    })
    assert response.status_code == 200
    key = re.search(r'id="api-token-key"[^>]*>([^<]+)<', response.content.decode()).group(1)
    token = ApiToken.objects.get()
    assert token.key_hash == key_hash(key) and key not in str(ApiToken.objects.values().get())
    assert token.scopes == [Scope.QUEUES_READ, Scope.TRANSCRIPTS_READ]
    assert key not in admin_client.get(f"/admin/integrations/apitoken/{token.pk}/change/").content.decode()
    assert call("get", "/api/v1/queues/", key).status_code == 200

    admin_client.post("/admin/integrations/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})
    assert call("get", "/api/v1/queues/", key).status_code == 401
