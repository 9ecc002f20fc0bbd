"""invitation_create: one invitation per conversation, the right survey, the reporting copies."""
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from chat.models import Participant
from surveys.models import Invitation, Survey
from surveys.selectors import invitation_offer
from surveys.services import invitation_create
from surveys.tokens import invitation_id_from_token
from tests.surveys.factories import conversation_create, survey_create, user_create

pytestmark = pytest.mark.django_db


def test_invitation_is_created_once_per_conversation(default_survey, support_queue):
    conversation = conversation_create(queue=support_queue)
    first = invitation_create(conversation=conversation)
    second = invitation_create(conversation=conversation)
    assert first is not None and second.pk == first.pk
    assert Invitation.objects.filter(conversation=conversation).count() == 1


def test_invitation_picks_the_queue_survey_over_the_default(default_survey, support_queue):
    support_survey = survey_create(name="Support survey", queue=support_queue)
    invitation = invitation_create(conversation=conversation_create(queue=support_queue))
    assert invitation.survey == support_survey


def test_invitation_falls_back_to_the_default_when_the_queue_survey_is_inactive(default_survey, support_queue):
    survey_create(name="Retired", queue=support_queue, is_active=False)
    invitation = invitation_create(conversation=conversation_create(queue=support_queue))
    assert invitation.survey == default_survey


def test_invitation_of_a_conversation_without_queue_uses_the_default(default_survey):
    assert invitation_create(conversation=conversation_create()).survey == default_survey


def test_no_invitation_when_no_survey_is_active(support_queue):
    Survey.objects.update(is_active=False)
    conversation = conversation_create(queue=support_queue)
    assert invitation_create(conversation=conversation) is None
    assert not Invitation.objects.exists()


def test_invitation_copies_the_queue_and_the_staff_member_who_joined_last(default_survey, support_queue, alice, bob):
    conversation = conversation_create(queue=support_queue, staff=[alice, bob])
    invitation = invitation_create(conversation=conversation)
    assert invitation.queue == support_queue
    assert invitation.agent == bob


def test_invitation_agent_ignores_the_bot_and_is_null_without_staff(default_survey):
    conversation = conversation_create()
    Participant.objects.create(conversation=conversation, kind=Participant.Kind.BOT, display_name="Bot")
    assert invitation_create(conversation=conversation).agent is None


def test_invitation_expires_after_the_configured_ttl(default_survey, settings):
    settings.SURVEY_INVITATION_TTL_SECONDS = 3600
    before = timezone.now()
    invitation = invitation_create(conversation=conversation_create())
    assert before + timedelta(hours=1) <= invitation.expires_at <= timezone.now() + timedelta(hours=1)


def test_survey_offer_is_json_with_the_signed_link_and_the_questions_in_order(default_survey):
    invitation = invitation_create(conversation=conversation_create())
    offer = json.loads(json.dumps(invitation_offer(invitation)))
    assert invitation_id_from_token(offer["invitation"]) == invitation.pk
    assert offer["url"] == f"/surveys/{offer['invitation']}/"
    assert offer["expires_at"] == invitation.expires_at.isoformat()
    assert [(q["kind"], q["required"]) for q in offer["questions"]] == [("csat", True), ("nps", True), ("text", False)]
    assert [q["id"] for q in offer["questions"]] == list(default_survey.questions.values_list("id", flat=True))
    assert set(offer["questions"][0]) == {"id", "kind", "prompt", "required"}


def test_another_staff_member_of_another_conversation_is_not_the_agent(default_survey, alice):
    conversation_create(staff=[user_create("carol")])
    invitation = invitation_create(conversation=conversation_create(staff=[alice]))
    assert invitation.agent == alice
