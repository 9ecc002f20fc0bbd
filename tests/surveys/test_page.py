"""The survey at its signed link /surveys/<token>/: form, answers, thank-you, second visit, bad links."""
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from surveys.models import Answer, Invitation
from surveys.services import invitation_create
from surveys.tokens import invitation_token
from tests.surveys.factories import conversation_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def invitation(default_survey):
    return invitation_create(conversation=conversation_create())


@pytest.fixture
def url(invitation):
    return f"/surveys/{invitation_token(invitation)}/"


def form_data(invitation: Invitation, *, csat: str = "4", nps: str = "9", text: str = "") -> dict:
    csat_q, nps_q, text_q = invitation.survey.questions.all()
    return {f"question-{csat_q.id}": csat, f"question-{nps_q.id}": nps, f"question-{text_q.id}": text}


def test_the_page_shows_every_question_with_labelled_radio_buttons_and_a_text_box(client, url, invitation):
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    csat_q, nps_q, text_q = invitation.survey.questions.all()
    assert re.findall(rf'name="question-{csat_q.id}" value="(\d+)"', html) == [str(n) for n in range(1, 6)]
    assert re.findall(rf'name="question-{nps_q.id}" value="(\d+)"', html) == [str(n) for n in range(0, 11)]
    for input_id in re.findall(r'<(?:input|textarea)[^>]*\bid="([^"]+)"', html):
        assert f'<label for="{input_id}"' in html or f'<label class="field-label" for="{input_id}"' in html
    assert f'<textarea id="question-{text_q.id}"' in html
    assert "<legend>How satisfied are you with this chat?" in html
    assert "csrfmiddlewaretoken" in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert "<script" not in html


def test_posting_the_form_stores_the_answers_and_thanks_the_customer(client, url, invitation):
    response = client.post(url, form_data(invitation, csat="5", nps="10", text="Quick and kind"))
    assert response.status_code == 200
    assert "Thank you" in response.content.decode()
    assert sorted(Answer.objects.values_list("question__kind", "score", "text")) == [
        ("csat", 5, ""), ("nps", 10, ""), ("text", None, "Quick and kind"),
    ]


def test_a_second_visit_after_answering_says_it_was_already_answered(client, url, invitation):
    client.post(url, form_data(invitation))
    response = client.get(url)
    assert response.status_code == 200
    assert "already been answered" in response.content.decode()
    assert "<form" not in response.content.decode()


def test_a_second_post_is_refused_and_keeps_the_first_answers(client, url, invitation):
    client.post(url, form_data(invitation, csat="5"))
    response = client.post(url, form_data(invitation, csat="1"))
    assert "already been answered" in response.content.decode()
    assert Answer.objects.get(question__kind="csat").score == 5


def test_a_missing_required_answer_shows_the_form_again_with_the_error_and_the_given_answers(client, url, invitation):
    response = client.post(url, form_data(invitation, csat="", nps="7", text="kept"))
    html = response.content.decode()
    assert response.status_code == 400
    assert 'role="alert"' in html
    assert "Please answer: How satisfied are you with this chat?" in html
    assert re.search(r'value="7"\s+checked', html)
    assert ">kept</textarea>" in html
    assert not Answer.objects.exists()


def test_a_score_that_is_not_a_number_is_refused(client, url, invitation):
    response = client.post(url, form_data(invitation, nps="ten"))
    assert response.status_code == 400
    assert not Answer.objects.exists()


def test_a_bad_token_is_a_404_page(client):
    response = client.get("/surveys/not-a-real-token/")
    assert response.status_code == 404
    assert "Survey not found" in response.content.decode()


def test_an_expired_survey_is_a_410_page_for_get_and_post(client, url, invitation):
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert client.get(url).status_code == 410
    response = client.post(url, form_data(invitation))
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    assert not Answer.objects.exists()


def test_the_post_is_csrf_protected(url, invitation):
    client = Client(enforce_csrf_checks=True)
    assert client.post(url, form_data(invitation)).status_code == 403
    client.get(url)
    data = {**form_data(invitation), "csrfmiddlewaretoken": client.cookies["csrftoken"].value}
    assert client.post(url, data).status_code == 200
    assert Answer.objects.filter(invitation=invitation).exists()
