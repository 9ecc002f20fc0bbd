"""survey_results: CSAT average and NPS arithmetic on a small fixed data set.

    answered  queue    agent  CSAT  NPS
    day 1     support  alice  5     10  (promoter)
    day 1     support  alice  4     9   (promoter)
    day 2     support  bob    2     6   (detractor)
    day 2     sales    bob    3     8   (passive)
    day 0     support  alice  1     0   (before the range: left out)
    unanswered invitation               (left out)

alice: CSAT 4.5, NPS 100 (2 promoters of 2); bob: CSAT 2.5, NPS (0 - 1) / 2 = -50;
support: CSAT 11/3 = 3.67, NPS (2 - 1) / 3 = 33.3; sales: CSAT 3, NPS 0;
overall: CSAT 3.5, NPS (2 - 1) / 4 = 25.
"""
from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from surveys.selectors import survey_results
from surveys.services import invitation_create
from tests.surveys.factories import answered_invitation_create, conversation_create

DAY_1 = date(2026, 3, 10)
DAY_2 = date(2026, 3, 11)


def at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


@pytest.fixture
def fixed_answers(default_survey, support_queue, sales_queue, alice, bob):
    answered_invitation_create(queue=support_queue, agent=alice, csat=5, nps=10, answered_at=at(DAY_1, 9))
    answered_invitation_create(queue=support_queue, agent=alice, csat=4, nps=9, answered_at=at(DAY_1, 23))
    answered_invitation_create(queue=support_queue, agent=bob, csat=2, nps=6, answered_at=at(DAY_2, 0))
    answered_invitation_create(queue=sales_queue, agent=bob, csat=3, nps=8, answered_at=at(DAY_2, 12))
    answered_invitation_create(queue=support_queue, agent=alice, csat=1, nps=0,
                               answered_at=at(DAY_1 - timedelta(days=1), 23))
    invitation_create(conversation=conversation_create(queue=support_queue, staff=[alice]))


def scores(row: dict) -> tuple:
    return row["responses"], row["csat_average"], row["nps"]


@pytest.mark.django_db
def test_results_per_agent_average_csat_and_subtract_detractors_from_promoters(fixed_answers):
    results = survey_results(since=DAY_1, until=DAY_2)
    assert {row["agent"]: scores(row) for row in results["by_agent"]} == {"alice": (2, 4.5, 100.0), "bob": (2, 2.5, -50.0)}
    assert [row["name"] for row in results["by_agent"]] == ["Alice Agent", "bob"]


@pytest.mark.django_db
def test_results_per_queue(fixed_answers):
    results = survey_results(since=DAY_1, until=DAY_2)
    assert {row["queue"]: scores(row) for row in results["by_queue"]} == {
        "sales": (1, 3.0, 0.0), "support": (3, 3.67, 33.3),
    }


@pytest.mark.django_db
def test_results_per_day_cover_every_day_of_the_range(fixed_answers):
    results = survey_results(since=DAY_1, until=DAY_2 + timedelta(days=1))
    assert [(row["day"], *scores(row)) for row in results["by_day"]] == [
        ("2026-03-10", 2, 4.5, 100.0),
        ("2026-03-11", 2, 2.5, -50.0),
        ("2026-03-12", 0, None, None),
    ]


@pytest.mark.django_db
def test_results_overall_leave_out_answers_outside_the_range_and_unanswered_invitations(fixed_answers):
    overall = survey_results(since=DAY_1, until=DAY_2)["overall"]
    assert scores(overall) == (4, 3.5, 25.0)
    assert (overall["csat_responses"], overall["nps_responses"]) == (4, 4)


@pytest.mark.django_db
def test_results_group_chats_without_staff_under_no_agent(default_survey, support_queue):
    answered_invitation_create(queue=support_queue, agent=None, csat=3, nps=7, answered_at=at(DAY_1, 12))
    [row] = survey_results(since=DAY_1, until=DAY_1)["by_agent"]
    assert (row["agent"], row["name"], scores(row)) == (None, "No agent", (1, 3.0, 0.0))
