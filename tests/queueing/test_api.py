"""The REST API: who may do what, and what they get back."""
import pytest
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from chat.services.guests import guest_token
from queueing.models import Reservation

pytestmark = pytest.mark.django_db


def as_guest(guest) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Guest {guest_token(guest)}")
    return client


@pytest.fixture
def integration():
    user = get_user_model().objects.create_user("crm", is_staff=True)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def test_a_guest_joins_a_queue_and_reads_its_reservation(make_queue, make_guest, published):
    make_queue()
    client = as_guest(make_guest())
    created = client.post("/api/v1/reservations/", {"queue": "support"}, format="json")
    assert created.status_code == 201, created.data
    assert created.data["status"] == "queued" and created.data["queue_position"] == 1
    assert created.data["estimated_wait_until"] is None
    assert "guest_token" not in created.data

    again = client.post("/api/v1/reservations/", {"queue": "support"}, format="json")
    assert again.status_code == 200 and again.data["id"] == created.data["id"]
    read = client.get(f"/api/v1/reservations/{created.data['id']}/")
    assert read.status_code == 200 and read.data["conversation"] == created.data["conversation"]


def test_a_guest_cannot_see_or_cancel_another_guests_reservation(make_queue, make_guest, published):
    make_queue()
    owner, stranger = as_guest(make_guest()), as_guest(make_guest())
    public_id = owner.post("/api/v1/reservations/", {"queue": "support"}, format="json").data["id"]

    assert stranger.get(f"/api/v1/reservations/{public_id}/").status_code == 404
    assert stranger.post(f"/api/v1/reservations/{public_id}/cancel/").status_code == 404
    assert Reservation.objects.get(public_id=public_id).status == "queued"

    canceled = owner.post(f"/api/v1/reservations/{public_id}/cancel/")
    assert canceled.status_code == 200 and canceled.data["status"] == "canceled"


def test_anonymous_callers_and_bad_guest_tokens_are_refused(make_queue, make_guest, published):
    make_queue()
    public_id = as_guest(make_guest()).post("/api/v1/reservations/", {"queue": "support"}, format="json").data["id"]
    anonymous = APIClient()
    assert anonymous.get(f"/api/v1/reservations/{public_id}/").status_code == 401
    assert anonymous.post("/api/v1/reservations/", {"queue": "support"}).status_code == 401
    assert anonymous.get("/api/v1/queues/").status_code == 401
    forged = APIClient()
    forged.credentials(HTTP_AUTHORIZATION="Guest not-a-token")
    assert forged.get(f"/api/v1/reservations/{public_id}/").status_code == 401


def test_a_guest_cannot_choose_its_priority(make_queue, make_guest, published):
    make_queue()
    response = as_guest(make_guest()).post("/api/v1/reservations/", {"queue": "support", "priority": 9}, format="json")
    assert response.status_code == 403


def test_an_integration_books_for_a_new_customer_and_gets_its_token(make_queue, integration, published):
    make_queue()
    response = integration.post("/api/v1/reservations/", {"queue": "support", "priority": 5, "display_name": "Ana"},
                                format="json")
    assert response.status_code == 201 and response.data["priority"] == 5
    customer = APIClient()
    customer.credentials(HTTP_AUTHORIZATION=f"Guest {response.data['guest_token']}")
    assert customer.get(f"/api/v1/reservations/{response.data['id']}/").status_code == 200
    assert integration.get(f"/api/v1/reservations/{response.data['id']}/").status_code == 200


def test_a_user_who_is_not_staff_is_forbidden(make_queue, published):
    make_queue()
    user = get_user_model().objects.create_user("someone")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    assert client.get("/api/v1/queues/").status_code == 403


def test_unknown_queue_is_404_and_bad_input_is_400(make_queue, make_guest, published):
    make_queue()
    client = as_guest(make_guest())
    assert client.post("/api/v1/reservations/", {"queue": "nope"}, format="json").status_code == 404
    assert client.post("/api/v1/reservations/", {}, format="json").status_code == 400


def test_queue_list_shows_live_figures(make_queue, make_agent, make_guest, integration, published):
    queue = make_queue()
    make_agent(queue, capacity=1)
    make_agent(queue, capacity=2)
    for _ in range(4):
        as_guest(make_guest()).post("/api/v1/reservations/", {"queue": "support"}, format="json")

    [support] = integration.get("/api/v1/queues/").data

    assert support["waiting"] == 4  # three of them offered, still not answered
    assert support["agents_available"] == 0 and support["agents_busy"] == 2
    assert support["longest_wait_seconds"] >= 0
    assert support["estimated_wait_seconds"] is None  # no finished wait yet


def test_an_agent_accepts_its_offer_and_sets_its_status(make_queue, make_agent, make_guest, published):
    queue = make_queue()
    agent = make_agent(queue)
    public_id = as_guest(make_guest()).post("/api/v1/reservations/", {"queue": "support"}, format="json").data["id"]
    console = APIClient()
    console.force_authenticate(agent.user)

    accepted = console.post(f"/api/v1/reservations/{public_id}/accept/")
    assert accepted.status_code == 200 and accepted.data["status"] == "matched"
    assert console.post(f"/api/v1/reservations/{public_id}/accept/").status_code == 409
    assert console.post("/api/v1/agents/me/status/", {"status": "away"}, format="json").data == {"status": "away"}
    assert console.post(f"/api/v1/reservations/{public_id}/complete/").data["status"] == "completed"


def test_guests_cannot_accept_offers(make_queue, make_agent, make_guest, published):
    queue = make_queue()
    make_agent(queue)
    guest = as_guest(make_guest())
    public_id = guest.post("/api/v1/reservations/", {"queue": "support"}, format="json").data["id"]
    assert guest.post(f"/api/v1/reservations/{public_id}/accept/").status_code == 403
