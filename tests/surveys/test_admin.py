"""The surveys admin: inline questions, read-only invitations with filters, the results page."""
import re

import pytest
from django.utils import timezone

from surveys.models import Invitation, Survey
from surveys.services import invitation_create
from tests.surveys.factories import answered_invitation_create, conversation_create, user_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered_today(default_survey, support_queue, alice, bob):
    now = timezone.now()
    return [
        answered_invitation_create(queue=support_queue, agent=alice, csat=5, nps=10, answered_at=now),
        answered_invitation_create(queue=support_queue, agent=bob, csat=3, nps=2, answered_at=now),
    ]


def test_results_page_shows_csat_and_nps_per_agent_queue_and_day_with_a_chart(admin_client, answered_today):
    response = admin_client.get("/admin/surveys/survey/results/")
    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'<svg viewBox="[^"]+"[^>]*role="img"', html)
    # The chart is drawn by the server: the only scripts are the admin's own.
    assert all(src.startswith("/static/admin/") for src in re.findall(r'<script[^>]*src="([^"]+)"', html))
    assert re.search(r"CSAT<strong>4\.0</strong>", html)
    assert re.search(r"NPS<strong>0\.0</strong>", html)
    assert re.search(r"Alice Agent</th>\s*<td class=\"num\">1</td>\s*<td class=\"num\">5\.0</td>", html)
    assert re.search(r"bob</th>\s*<td class=\"num\">1</td>\s*<td class=\"num\">3\.0</td>\s*.*?\s*<td class=\"num\">-100\.0</td>", html, re.S)
    assert re.search(r"Support</th>\s*<td class=\"num\">2</td>", html)
    assert f">{timezone.localdate().isoformat()}</th>" in html
    # The NPS bar of -100 runs from the left edge to the middle.
    assert 'style="left: 0.0%; width: 50.0%"' in html


def test_results_page_is_linked_from_the_survey_list(admin_client, default_survey):
    assert 'href="/admin/surveys/survey/results/"' in admin_client.get("/admin/surveys/survey/").content.decode()


def test_results_page_is_refused_to_staff_without_view_permission(client):
    client.force_login(user_create("nosy", is_staff=True))
    assert client.get("/admin/surveys/survey/results/").status_code == 403


def test_survey_change_page_edits_questions_inline(admin_client, default_survey):
    html = admin_client.get(f"/admin/surveys/survey/{default_survey.pk}/change/").content.decode()
    assert 'name="questions-0-prompt"' in html


def test_admin_refuses_a_second_active_default_survey_with_a_message(admin_client, default_survey):
    response = admin_client.post("/admin/surveys/survey/add/", {
        "name": "Another", "queue": "", "is_active": "on",
        "questions-TOTAL_FORMS": "0", "questions-INITIAL_FORMS": "0",
    })
    assert response.status_code == 200
    assert "already an active default survey" in response.content.decode()
    assert Survey.objects.filter(queue=None, is_active=True).count() == 1


def test_invitation_list_filters_by_answered_queue_and_agent(admin_client, answered_today, support_queue, alice):
    unanswered = invitation_create(conversation=conversation_create(staff=[alice]))
    listed = lambda query: set(re.findall(r"/admin/surveys/invitation/(\d+)/change/", admin_client.get(
        f"/admin/surveys/invitation/?{query}").content.decode()))
    assert listed("answered=no") == {str(unanswered.pk)}
    assert listed("answered=yes") == {str(invitation.pk) for invitation in answered_today}
    assert listed(f"queue__id__exact={support_queue.pk}") == {str(invitation.pk) for invitation in answered_today}
    assert listed(f"agent__id__exact={alice.pk}") == {str(answered_today[0].pk), str(unanswered.pk)}


def test_invitation_page_shows_answers_read_only(admin_client, answered_today):
    invitation = answered_today[0]
    html = admin_client.get(f"/admin/surveys/invitation/{invitation.pk}/change/").content.decode()
    assert "How satisfied are you with this chat?" in html
    assert 'name="answers-0-score"' not in html
    assert admin_client.post(f"/admin/surveys/invitation/{invitation.pk}/change/", {}).status_code == 403
    assert Invitation.objects.get(pk=invitation.pk).answered_at == invitation.answered_at
