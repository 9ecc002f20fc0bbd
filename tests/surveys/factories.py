"""Test data for the surveys tests, built with the ORM the way the chat app stores it."""
from datetime import datetime

from django.contrib.auth import get_user_model

from chat.models import Conversation, Guest, Participant
from queueing.models import Queue
from surveys.models import Invitation, Question, Survey
from surveys.tokens import invitation_token
from surveys.services import invitation_create, survey_submit

STANDARD_QUESTIONS = [
    (Question.Kind.CSAT, "How satisfied are you with this chat?", True),
    (Question.Kind.NPS, "How likely are you to recommend us to a friend?", True),
    (Question.Kind.TEXT, "Anything else you would like to tell us?", False),
]


def queue_create(name: str = "support") -> Queue:
    return Queue.objects.create(name=name, display_name=name.capitalize())


def user_create(username: str, *, is_staff: bool = True, **fields):
    # No password: nothing here logs in with one, and hashing is slow.
    return get_user_model().objects.create_user(username, is_staff=is_staff, **fields)


def survey_create(*, name: str = "Survey", queue: Queue | None = None, is_active: bool = True,
                  questions=STANDARD_QUESTIONS) -> Survey:
    survey = Survey.objects.create(name=name, queue=queue, is_active=is_active)
    for order, (kind, prompt, required) in enumerate(questions, start=1):
        Question.objects.create(survey=survey, order=order, kind=kind, prompt=prompt, required=required)
    return survey


def conversation_create(*, queue: Queue | None = None, staff=()) -> Conversation:
    """A conversation with its guest and, in joining order, the given staff users."""
    guest = Guest.objects.create()
    conversation = Conversation.objects.create(guest=guest, queue=queue)
    Participant.objects.create(conversation=conversation, kind=Participant.Kind.GUEST, guest=guest,
                               display_name=str(guest))
    for user in staff:
        Participant.objects.create(conversation=conversation, kind=Participant.Kind.STAFF, user=user,
                                   display_name=user.get_username())
    return conversation


def answers_for(invitation: Invitation, *, csat: int | None = None, nps: int | None = None,
                text: str = "") -> list[dict]:
    """A submission in the shape of survey_submit's `answers`, by question kind."""
    answers = []
    for question in invitation.survey.questions.all():
        if question.kind == Question.Kind.CSAT:
            answers.append({"question": question.id, "score": csat})
        elif question.kind == Question.Kind.NPS:
            answers.append({"question": question.id, "score": nps})
        else:
            answers.append({"question": question.id, "text": text})
    return answers


def answered_invitation_create(*, queue: Queue | None, agent, csat: int, nps: int,
                               answered_at: datetime) -> Invitation:
    """A conversation whose survey was answered at `answered_at`."""
    invitation = invitation_create(conversation=conversation_create(queue=queue, staff=[agent] if agent else []))
    survey_submit(token=invitation_token(invitation), answers=answers_for(invitation, csat=csat, nps=nps))
    Invitation.objects.filter(pk=invitation.pk).update(answered_at=answered_at)
    invitation.refresh_from_db()
    return invitation
