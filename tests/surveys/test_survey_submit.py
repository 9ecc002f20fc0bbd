"""survey_submit: validation, answered once (also under concurrency), expiry, bad tokens."""
import threading
from datetime import timedelta

import pytest
from django.core import signing
from django.db import connection
from django.utils import timezone

from surveys.models import Answer, Invitation
from surveys.services import MAX_TEXT_ANSWER_LENGTH, SurveyError, SurveyErrorCode, invitation_create, survey_submit
from surveys.tokens import invitation_token
from tests.surveys.factories import answers_for, conversation_create, survey_create


@pytest.fixture
def invitation(default_survey):
    return invitation_create(conversation=conversation_create())


def submit_error(token: str, answers: list) -> SurveyError:
    with pytest.raises(SurveyError) as raised:
        survey_submit(token=token, answers=answers)
    return raised.value


@pytest.mark.django_db
def test_submit_stores_the_answers_and_marks_the_invitation_answered(invitation):
    answered = survey_submit(token=invitation_token(invitation), answers=answers_for(invitation, csat=4, nps=9, text=" Great "))
    assert answered.answered_at is not None
    invitation.refresh_from_db()
    assert invitation.answered_at == answered.answered_at
    assert sorted(Answer.objects.filter(invitation=invitation).values_list("question__kind", "score", "text")) == [
        ("csat", 4, ""), ("nps", 9, ""), ("text", None, "Great"),
    ]


@pytest.mark.django_db
def test_optional_text_may_be_left_out_and_stores_no_answer_row(invitation):
    answers = [answer for answer in answers_for(invitation, csat=5, nps=10) if "score" in answer]
    survey_submit(token=invitation_token(invitation), answers=answers)
    assert Answer.objects.filter(invitation=invitation).count() == 2


@pytest.mark.django_db
def test_a_second_submission_is_refused_as_already_answered_and_keeps_the_first(invitation):
    token = invitation_token(invitation)
    survey_submit(token=token, answers=answers_for(invitation, csat=5, nps=10))
    error = submit_error(token, answers_for(invitation, csat=1, nps=0))
    assert error.code == SurveyErrorCode.ALREADY_ANSWERED
    assert sorted(Answer.objects.values_list("score", flat=True)) == [5, 10]


@pytest.mark.django_db(transaction=True)
def test_a_concurrent_double_submit_from_two_threads_stores_one_set_of_answers(default_survey):
    invitation = invitation_create(conversation=conversation_create())
    token = invitation_token(invitation)
    both_ready = threading.Barrier(2)
    outcomes = []

    def submit(csat: int) -> None:
        try:
            both_ready.wait(timeout=10)
            survey_submit(token=token, answers=answers_for(invitation, csat=csat, nps=csat))
            outcomes.append("stored")
        except SurveyError as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(score,)) for score in (2, 5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == sorted(["stored", SurveyErrorCode.ALREADY_ANSWERED])
    scores = list(Answer.objects.filter(invitation=invitation, score__isnull=False).values_list("score", flat=True))
    assert scores in ([2, 2], [5, 5])
    assert Invitation.objects.get(pk=invitation.pk).answered_at is not None


@pytest.mark.django_db
def test_an_expired_invitation_is_refused_and_stores_nothing(invitation):
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    error = submit_error(invitation_token(invitation), answers_for(invitation, csat=3, nps=7))
    assert error.code == SurveyErrorCode.EXPIRED
    assert not Answer.objects.exists()
    invitation.refresh_from_db()
    assert invitation.answered_at is None


@pytest.mark.django_db
@pytest.mark.parametrize("token", ["", "garbage", "MQ:1abcde:forgedsignature"])
def test_a_forged_or_damaged_token_is_not_found(invitation, token):
    assert submit_error(token, answers_for(invitation, csat=3, nps=7)).code == SurveyErrorCode.NOT_FOUND


@pytest.mark.django_db
def test_a_token_signed_with_another_salt_is_not_found(invitation):
    token = signing.dumps(invitation.pk, salt="another.purpose")
    assert submit_error(token, answers_for(invitation, csat=3, nps=7)).code == SurveyErrorCode.NOT_FOUND


@pytest.mark.django_db
def test_the_token_of_a_deleted_invitation_is_not_found(invitation):
    token = invitation_token(invitation)
    invitation.delete()
    assert submit_error(token, []).code == SurveyErrorCode.NOT_FOUND


@pytest.mark.django_db
@pytest.mark.parametrize("csat, nps", [(1, 0), (5, 10)])
def test_the_ends_of_the_csat_and_nps_scales_are_accepted(invitation, csat, nps):
    survey_submit(token=invitation_token(invitation), answers=answers_for(invitation, csat=csat, nps=nps))
    assert sorted(Answer.objects.values_list("score", flat=True)) == sorted([csat, nps])


@pytest.mark.django_db
@pytest.mark.parametrize("csat, nps", [
    (0, 5), (6, 5),            # CSAT is 1-5
    (3, -1), (3, 11),          # NPS is 0-10
    (True, 5), ("4", 5), (4.0, 5),  # a score is an integer, not a bool, string or float
    (None, 5), (3, None),      # both are required
])
def test_scores_out_of_range_of_the_wrong_type_or_missing_are_invalid(invitation, csat, nps):
    error = submit_error(invitation_token(invitation), answers_for(invitation, csat=csat, nps=nps))
    assert error.code == SurveyErrorCode.INVALID
    assert error.question_id is not None
    assert not Answer.objects.exists()
    invitation.refresh_from_db()
    assert invitation.answered_at is None


@pytest.mark.django_db
def test_a_required_text_question_left_blank_is_invalid(support_queue):
    survey_create(queue=support_queue, questions=[("text", "What went wrong?", True)])
    invitation = invitation_create(conversation=conversation_create(queue=support_queue))
    question = invitation.survey.questions.get()
    error = submit_error(invitation_token(invitation), [{"question": question.id, "text": "   "}])
    assert (error.code, error.question_id) == (SurveyErrorCode.INVALID, question.id)


@pytest.mark.django_db
def test_a_text_answer_over_the_length_limit_is_invalid(invitation):
    answers = answers_for(invitation, csat=3, nps=7, text="x" * (MAX_TEXT_ANSWER_LENGTH + 1))
    assert submit_error(invitation_token(invitation), answers).code == SurveyErrorCode.INVALID


@pytest.mark.django_db
def test_a_text_answer_that_is_not_a_string_is_invalid(invitation):
    answers = answers_for(invitation, csat=3, nps=7)
    text_question = invitation.survey.questions.get(kind="text")
    answers[-1] = {"question": text_question.id, "text": 42}
    assert submit_error(invitation_token(invitation), answers).code == SurveyErrorCode.INVALID


@pytest.mark.django_db
def test_a_question_of_another_survey_is_invalid(invitation, support_queue):
    other_question = survey_create(queue=support_queue).questions.first()
    answers = answers_for(invitation, csat=3, nps=7) + [{"question": other_question.id, "score": 3}]
    assert submit_error(invitation_token(invitation), answers).code == SurveyErrorCode.INVALID


@pytest.mark.django_db
def test_a_question_answered_twice_is_invalid(invitation):
    answers = answers_for(invitation, csat=3, nps=7)
    assert submit_error(invitation_token(invitation), answers + answers[:1]).code == SurveyErrorCode.INVALID


@pytest.mark.django_db
@pytest.mark.parametrize("answers", [None, {"question": 1}, ["not an object"], [{"question": [1]}], [{"question": True}]])
def test_answers_that_are_not_a_list_of_objects_with_question_ids_are_invalid(invitation, answers):
    assert submit_error(invitation_token(invitation), answers).code == SurveyErrorCode.INVALID
