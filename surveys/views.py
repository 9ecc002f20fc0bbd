"""The survey at its signed link, for a customer who left the chat before answering.

A plain form (no JavaScript): GET shows it, POST stores the answers through
`survey_submit`. The page says why when it cannot be answered: a bad link is a
404, an expired one a 410, an answered one says so.
"""
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from surveys.models import Invitation, Question
from surveys.selectors import invitation_by_token
from surveys.services import MAX_TEXT_ANSWER_LENGTH, SCORE_RANGES, SurveyError, SurveyErrorCode, survey_submit

CLOSED_STATUS = {
    SurveyErrorCode.NOT_FOUND: 404,
    SurveyErrorCode.EXPIRED: 410,
    SurveyErrorCode.ALREADY_ANSWERED: 200,
}


@require_http_methods(["GET", "POST"])
def survey_page(request: HttpRequest, token: str) -> HttpResponse:
    invitation = invitation_by_token(token=token)
    if invitation is None:
        return _closed(request, SurveyErrorCode.NOT_FOUND)
    if invitation.answered_at is not None:
        return _closed(request, SurveyErrorCode.ALREADY_ANSWERED)
    if invitation.expires_at <= timezone.now():
        return _closed(request, SurveyErrorCode.EXPIRED)
    if request.method == "GET":
        return _form(request, invitation)
    questions = invitation.survey.questions.all()
    try:
        survey_submit(token=token, answers=[_answer_from_form(request.POST, question) for question in questions])
    except SurveyError as error:
        if error.code != SurveyErrorCode.INVALID:
            return _closed(request, error.code)
        return _form(request, invitation, error=error, status=400)
    return render(request, "surveys/thanks.html")


def _answer_from_form(form, question: Question) -> dict:
    value = form.get(f"question-{question.id}", "")
    if question.kind == Question.Kind.TEXT:
        return {"question": question.id, "text": value}
    return {"question": question.id, "score": _score(value)}


def _score(value: str) -> int | str | None:
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        # Passed on as it is, for survey_submit to refuse as invalid.
        return value


def _form(request: HttpRequest, invitation: Invitation, *, error: SurveyError | None = None,
          status: int = 200) -> HttpResponse:
    questions = [
        {
            "question": question,
            "field": f"question-{question.id}",
            "scores": [str(score) for score in SCORE_RANGES.get(question.kind, ())],
            "value": request.POST.get(f"question-{question.id}", ""),
            "error": error.detail if error and error.question_id == question.id else "",
        }
        for question in invitation.survey.questions.all()
    ]
    general_error = error.detail if error and error.question_id is None else ""
    return render(
        request, "surveys/form.html",
        {"survey": invitation.survey, "questions": questions, "error": error, "general_error": general_error,
         "max_text_length": MAX_TEXT_ANSWER_LENGTH},
        status=status,
    )


def _closed(request: HttpRequest, code: SurveyErrorCode) -> HttpResponse:
    return render(request, "surveys/closed.html", {"code": code.value}, status=CLOSED_STATUS[code])
