"""The surveys REST API: staff tokens only, filters, cursor pagination, aggregates."""
from datetime import date, datetime

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from surveys.services import invitation_create
from tests.surveys.factories import answered_invitation_create, conversation_create, user_create

pytestmark = pytest.mark.django_db

RESPONSES = "/api/v1/surveys/responses/"
SUMMARY = "/api/v1/surveys/summary/"


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.fixture
def staff_client(db):
    return token_client(user_create("integration", is_staff=True))


def at(day: int) -> datetime:
    return timezone.make_aware(datetime(2026, 3, day, 12))


@pytest.fixture
def answered(default_survey, support_queue, sales_queue, alice, bob):
    """Three answered surveys on 10, 11 and 12 March, and one unanswered."""
    invitation_create(conversation=conversation_create(queue=support_queue, staff=[alice]))
    return [
        answered_invitation_create(queue=support_queue, agent=alice, csat=5, nps=10, answered_at=at(10)),
        answered_invitation_create(queue=sales_queue, agent=bob, csat=2, nps=3, answered_at=at(11)),
        answered_invitation_create(queue=support_queue, agent=bob, csat=4, nps=8, answered_at=at(12)),
    ]


@pytest.mark.parametrize("path", [RESPONSES, SUMMARY])
def test_anonymous_callers_are_refused_with_401(path):
    response = APIClient().get(path)
    assert response.status_code == 401


@pytest.mark.parametrize("path", [RESPONSES, SUMMARY])
def test_a_token_of_a_non_staff_user_is_refused_with_403(path):
    client = token_client(user_create("customer", is_staff=False))
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("path", [RESPONSES, SUMMARY])
def test_a_staff_token_is_allowed(staff_client, path):
    assert staff_client.get(path).status_code == 200


def test_responses_list_answered_surveys_newest_first_with_their_answers(staff_client, answered):
    response = staff_client.get(RESPONSES)
    results = response.json()["results"]
    assert [row["id"] for row in results] == [answered[2].id, answered[1].id, answered[0].id]
    newest = results[0]
    assert newest["conversation"] == str(answered[2].conversation_id)
    assert (newest["queue"], newest["agent"]) == ("support", "bob")
    assert newest["answered_at"] == at(12).isoformat().replace("+00:00", "Z")
    assert [(a["kind"], a["score"]) for a in newest["answers"]] == [("csat", 4), ("nps", 8)]


@pytest.mark.parametrize("query, expected", [
    ("queue=support", [2, 0]),
    ("agent=bob", [2, 1]),
    ("queue=support&agent=bob", [2]),
    ("since=2026-03-11", [2, 1]),
    ("until=2026-03-11", [1, 0]),
    ("since=2026-03-11&until=2026-03-11", [1]),
    ("queue=nowhere", []),
])
def test_responses_filter_by_queue_agent_and_inclusive_dates(staff_client, answered, query, expected):
    results = staff_client.get(f"{RESPONSES}?{query}").json()["results"]
    assert [row["id"] for row in results] == [answered[index].id for index in expected]


def test_responses_are_cursor_paginated_without_repeats(staff_client, answered):
    first = staff_client.get(f"{RESPONSES}?page_size=2").json()
    assert len(first["results"]) == 2 and first["next"] and first["previous"] is None
    second = staff_client.get(first["next"]).json()
    ids = [row["id"] for row in first["results"] + second["results"]]
    assert ids == [answered[2].id, answered[1].id, answered[0].id]
    assert second["next"] is None


def test_responses_refuse_an_inverted_date_range(staff_client):
    assert staff_client.get(f"{RESPONSES}?since=2026-03-12&until=2026-03-10").status_code == 400


def test_summary_aggregates_per_agent_queue_and_day_over_the_range(staff_client, answered):
    body = staff_client.get(f"{SUMMARY}?since=2026-03-10&until=2026-03-11").json()
    assert (body["since"], body["until"]) == ("2026-03-10", "2026-03-11")
    assert {row["agent"]: (row["csat_average"], row["nps"]) for row in body["by_agent"]} == {
        "alice": (5.0, 100.0), "bob": (2.0, -100.0),
    }
    assert {row["queue"]: (row["csat_average"], row["nps"]) for row in body["by_queue"]} == {
        "support": (5.0, 100.0), "sales": (2.0, -100.0),
    }
    assert [(row["day"], row["responses"]) for row in body["by_day"]] == [("2026-03-10", 1), ("2026-03-11", 1)]
    assert (body["overall"]["csat_average"], body["overall"]["nps"]) == (3.5, 0.0)


def test_summary_defaults_to_the_last_30_days(staff_client):
    body = staff_client.get(SUMMARY).json()
    today = timezone.localdate()
    assert body["until"] == today.isoformat()
    assert len(body["by_day"]) == 30
    assert date.fromisoformat(body["since"]) == date.fromordinal(today.toordinal() - 29)


@pytest.mark.parametrize("query", ["since=2026-03-12&until=2026-03-10", "since=2024-01-01&until=2026-01-01",
                                   "since=yesterday"])
def test_summary_refuses_bad_or_too_long_ranges(staff_client, query):
    assert staff_client.get(f"{SUMMARY}?{query}").status_code == 400
