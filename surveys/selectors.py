"""Reads of the surveys app: which survey applies, the offer sent to the customer,
the answered invitations, and CSAT / NPS aggregates."""
from datetime import date, datetime, time, timedelta

from django.db.models import Avg, Count, Prefetch, Q, QuerySet
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone

from surveys.models import Answer, Invitation, Question, Survey
from surveys.tokens import invitation_id_from_token, invitation_token

# NPS buckets (0-10 scale): promoters answer 9-10, detractors 0-6, 7-8 are passive.
NPS_PROMOTER_MIN = 9
NPS_DETRACTOR_MAX = 6


def survey_active_for_queue(*, queue_id: int | None) -> Survey | None:
    """The queue's active survey, else the active default survey, else None."""
    if queue_id is not None:
        survey = Survey.objects.filter(queue_id=queue_id, is_active=True).first()
        if survey is not None:
            return survey
    return Survey.objects.filter(queue__isnull=True, is_active=True).first()


def invitation_by_token(*, token: str) -> Invitation | None:
    invitation_id = invitation_id_from_token(token)
    if invitation_id is None:
        return None
    return Invitation.objects.select_related("survey").prefetch_related("survey__questions").filter(pk=invitation_id).first()


def invitation_offer(invitation: Invitation) -> dict:
    """What the customer needs to answer: the payload of the `survey.offered` chat event."""
    token = invitation_token(invitation)
    return {
        "invitation": token,
        "url": reverse("surveys:page", kwargs={"token": token}),
        "expires_at": invitation.expires_at.isoformat(),
        "questions": [
            {"id": question.id, "kind": question.kind, "prompt": question.prompt, "required": question.required}
            for question in invitation.survey.questions.all()
        ],
    }


def _day_start(day: date) -> datetime:
    """Midnight at the start of `day` in the current time zone: date ranges are
    compared on answered_at itself, so its index serves them."""
    return timezone.make_aware(datetime.combine(day, time.min))


def invitation_responses(
    *, queue_name: str | None = None, agent_username: str | None = None,
    since: date | None = None, until: date | None = None,
) -> QuerySet[Invitation]:
    """Answered invitations, newest first, with their answers, filtered as asked (dates inclusive)."""
    invitations = Invitation.objects.filter(answered_at__isnull=False)
    if queue_name:
        invitations = invitations.filter(queue__name=queue_name)
    if agent_username:
        invitations = invitations.filter(agent__username=agent_username)
    if since:
        invitations = invitations.filter(answered_at__gte=_day_start(since))
    if until:
        invitations = invitations.filter(answered_at__lt=_day_start(until + timedelta(days=1)))
    return (
        invitations.select_related("queue", "agent")
        .prefetch_related(Prefetch("answers", queryset=Answer.objects.select_related("question").order_by("question__order", "question_id")))
        .order_by("-answered_at", "-id")
    )


def survey_results(*, since: date, until: date) -> dict:
    """CSAT average and NPS of the invitations answered from `since` to `until`
    (inclusive, current time zone): overall, per agent, per queue and per day
    (every day of the range, empty ones included, so a chart has no gaps)."""
    answers = Answer.objects.filter(
        invitation__answered_at__gte=_day_start(since), invitation__answered_at__lt=_day_start(until + timedelta(days=1)),
        question__kind__in=[Question.Kind.CSAT, Question.Kind.NPS], score__isnull=False,
    )
    by_agent = [
        {
            "agent": row["invitation__agent__username"],
            "name": _person_name(row["invitation__agent__first_name"], row["invitation__agent__last_name"])
            or row["invitation__agent__username"] or "No agent",
            **_scores(row),
        }
        for row in _aggregate(answers.values(
            "invitation__agent_id", "invitation__agent__username",
            "invitation__agent__first_name", "invitation__agent__last_name",
        )).order_by("invitation__agent__username")
    ]
    by_queue = [
        {"queue": row["invitation__queue__name"], "name": row["invitation__queue__display_name"] or "No queue",
         **_scores(row)}
        for row in _aggregate(answers.values(
            "invitation__queue_id", "invitation__queue__name", "invitation__queue__display_name",
        )).order_by("invitation__queue__name")
    ]
    days = {
        row["day"]: _scores(row)
        for row in _aggregate(answers.annotate(day=TruncDate("invitation__answered_at")).values("day"))
    }
    by_day = [
        {"day": day.isoformat(), **days.get(day, _scores({}))}
        for day in (since + timedelta(days=offset) for offset in range((until - since).days + 1))
    ]
    overall = answers.aggregate(**_aggregates())
    return {
        "since": since.isoformat(),
        "until": until.isoformat(),
        "overall": _scores(overall),
        "by_agent": by_agent,
        "by_queue": by_queue,
        "by_day": by_day,
    }


def _aggregate(grouped: QuerySet) -> QuerySet:
    return grouped.annotate(**_aggregates())


def _aggregates() -> dict:
    """What `_scores` needs, computed by the database over a set of answers."""
    return {
        "responses": Count("invitation_id", distinct=True),
        "csat_average": Avg("score", filter=Q(question__kind=Question.Kind.CSAT)),
        "csat_responses": Count("id", filter=Q(question__kind=Question.Kind.CSAT)),
        "nps_promoters": Count("id", filter=Q(question__kind=Question.Kind.NPS, score__gte=NPS_PROMOTER_MIN)),
        "nps_detractors": Count("id", filter=Q(question__kind=Question.Kind.NPS, score__lte=NPS_DETRACTOR_MAX)),
        "nps_responses": Count("id", filter=Q(question__kind=Question.Kind.NPS)),
    }


def _scores(row: dict) -> dict:
    """The reported figures of one aggregate row: CSAT average (1-5, two decimals)
    and NPS (% promoters minus % detractors, -100 to 100, one decimal); None without answers."""
    nps_responses = row.get("nps_responses") or 0
    csat_average = row.get("csat_average")
    return {
        "responses": row.get("responses") or 0,
        "csat_average": round(csat_average, 2) if csat_average is not None else None,
        "csat_responses": row.get("csat_responses") or 0,
        "nps": (
            round(100 * (row["nps_promoters"] - row["nps_detractors"]) / nps_responses, 1)
            if nps_responses else None
        ),
        "nps_responses": nps_responses,
    }


def _person_name(first_name: str | None, last_name: str | None) -> str:
    return f"{first_name or ''} {last_name or ''}".strip()
