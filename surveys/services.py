"""Writes of the surveys app: inviting a customer after a chat, and storing their answers once."""
from datetime import timedelta
from enum import StrEnum

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from chat.models import Conversation, Participant
from integrations.webhooks import emit_on_commit, survey_completed_payload
from surveys.models import Answer, Invitation, Question
from surveys.selectors import survey_active_for_queue
from surveys.tokens import invitation_id_from_token

# Long enough for a paragraph of feedback; a bound so one submission cannot
# store megabytes.
MAX_TEXT_ANSWER_LENGTH = 2000
SCORE_RANGES = {
    Question.Kind.CSAT: range(1, 6),
    Question.Kind.NPS: range(0, 11),
}


class SurveyErrorCode(StrEnum):
    INVALID = "invalid"
    ALREADY_ANSWERED = "already_answered"
    EXPIRED = "expired"
    NOT_FOUND = "not_found"


class SurveyError(Exception):
    """A submission that is refused. `question_id` names the question at fault, when there is one."""

    def __init__(self, code: SurveyErrorCode, detail: str, *, question_id: int | None = None):
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.question_id = question_id


def invitation_create(*, conversation: Conversation) -> Invitation | None:
    """The conversation's survey invitation, created on the first call.

    None when neither the conversation's queue nor the default has an active
    survey. Only database writes, so it is safe inside the caller's transaction.
    """
    existing = Invitation.objects.filter(conversation=conversation).first()
    if existing is not None:
        return existing
    survey = survey_active_for_queue(queue_id=conversation.queue_id)
    if survey is None:
        return None
    last_staff_user_id = (
        Participant.objects.filter(conversation=conversation, kind=Participant.Kind.STAFF)
        .order_by("-joined_at", "-id").values_list("user_id", flat=True).first()
    )
    now = timezone.now()
    try:
        # A savepoint: losing the race below must not break the caller's transaction.
        with transaction.atomic():
            return Invitation.objects.create(
                conversation=conversation, survey=survey, queue_id=conversation.queue_id,
                agent_id=last_staff_user_id,
                expires_at=now + timedelta(seconds=settings.SURVEY_INVITATION_TTL_SECONDS),
            )
    except IntegrityError:
        # Another end-of-chat for the same conversation created it first.
        return Invitation.objects.get(conversation=conversation)


def survey_submit(*, token: str, answers: list[dict]) -> Invitation:
    """Store the customer's answers, once: any later submission is refused."""
    invitation_id = invitation_id_from_token(token)
    invitation = (
        Invitation.objects.select_related("survey").filter(pk=invitation_id).first()
        if invitation_id is not None else None
    )
    if invitation is None:
        raise SurveyError(SurveyErrorCode.NOT_FOUND, "This survey link is not valid.")
    if invitation.answered_at is not None:
        raise SurveyError(SurveyErrorCode.ALREADY_ANSWERED, "This survey has already been answered.")
    now = timezone.now()
    if invitation.expires_at <= now:
        raise SurveyError(SurveyErrorCode.EXPIRED, "This survey has expired.")
    rows = _answers_validate(questions=list(invitation.survey.questions.all()), answers=answers)
    with transaction.atomic():
        # The compare-and-set is the guard against a concurrent submission (the
        # check above only answers the common case early); it works the same on
        # SQLite, which ignores select_for_update, and PostgreSQL.
        claimed = Invitation.objects.filter(pk=invitation.pk, answered_at__isnull=True).update(answered_at=now)
        if claimed != 1:
            raise SurveyError(SurveyErrorCode.ALREADY_ANSWERED, "This survey has already been answered.")
        Answer.objects.bulk_create(
            Answer(invitation=invitation, question=question, score=score, text=text) for question, score, text in rows
        )
        emit_on_commit("survey.completed", survey_completed_payload(invitation, answered_at=now))
    invitation.answered_at = now
    return invitation


def _answers_validate(*, questions: list[Question], answers: list[dict]) -> list[tuple[Question, int | None, str]]:
    """(question, score, text) for each answered question, or SurveyError(invalid)."""
    if not isinstance(answers, list) or not all(isinstance(answer, dict) for answer in answers):
        raise SurveyError(SurveyErrorCode.INVALID, "Answers must be a list of objects.")
    by_id = {question.id: question for question in questions}
    given: dict[int, dict] = {}
    for answer in answers:
        question_id = answer.get("question")
        if not isinstance(question_id, int) or isinstance(question_id, bool) or question_id not in by_id:
            raise SurveyError(SurveyErrorCode.INVALID, f"Unknown question {question_id!r}.")
        if question_id in given:
            raise SurveyError(SurveyErrorCode.INVALID, "A question is answered twice.", question_id=question_id)
        given[question_id] = answer
    rows = []
    for question in questions:
        answer = given.get(question.id, {})
        if question.kind == Question.Kind.TEXT:
            text = answer.get("text") or ""
            if not isinstance(text, str):
                raise SurveyError(SurveyErrorCode.INVALID, "A text answer must be a string.", question_id=question.id)
            if len(text) > MAX_TEXT_ANSWER_LENGTH:
                raise SurveyError(SurveyErrorCode.INVALID, f"Please keep your answer under {MAX_TEXT_ANSWER_LENGTH} characters.",
                                  question_id=question.id)
            text = text.strip()
            if text:
                rows.append((question, None, text))
            elif question.required:
                raise SurveyError(SurveyErrorCode.INVALID, f"Please answer: {question.prompt}", question_id=question.id)
            continue
        score = answer.get("score")
        if score is None:
            if question.required:
                raise SurveyError(SurveyErrorCode.INVALID, f"Please answer: {question.prompt}", question_id=question.id)
            continue
        allowed = SCORE_RANGES[question.kind]
        if isinstance(score, bool) or not isinstance(score, int) or score not in allowed:
            raise SurveyError(
                SurveyErrorCode.INVALID, f"Please choose a number from {allowed.start} to {allowed.stop - 1}.",
                question_id=question.id,
            )
        rows.append((question, score, ""))
    return rows
