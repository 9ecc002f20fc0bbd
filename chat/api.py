"""REST API for integrations and guests: conversations and their transcripts."""
from datetime import datetime, timezone as dt_timezone

from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from chat.access import Actor, conversations_visible_to
from chat.models import Conversation, Participant
from chat.services.ending import conversation_end_by
from chat.transcripts import transcript_csv, transcript_lines, transcript_text
from integrations.authentication import ApiTokenRateThrottle, scope_required
from integrations.scopes import Scope
from queueing.authentication import GuestPrincipal, IsGuestOrStaff, IsStaff


def actor_for(user) -> Actor:
    """The API caller as a chat actor: a guest, or a staff user (an integration's
    token user sees what that user sees: every queue for a superuser)."""
    if isinstance(user, GuestPrincipal):
        return Actor(kind=Participant.Kind.GUEST, guest_id=user.guest.pk)
    return Actor(kind=Participant.Kind.STAFF, user_id=user.pk)


def moment_in_utc(name: str, text: str) -> datetime:
    """A query parameter's date-time, in UTC (naive means UTC). In UTC because
    PostgreSQL refuses offsets past ±15:59 that Python accepts (schemathesis
    found the 500 with -23:15)."""
    try:
        moment = parse_datetime(text)
        if moment is not None:
            return moment.replace(tzinfo=dt_timezone.utc) if moment.tzinfo is None else moment.astimezone(dt_timezone.utc)
    except (ValueError, OverflowError):
        pass
    raise ValidationError({name: "an ISO 8601 date-time, such as 2026-11-22T00:00:00Z"})


class ConversationOutput(serializers.ModelSerializer):
    queue = serializers.SlugRelatedField(slug_field="name", read_only=True)
    agents = serializers.SerializerMethodField()

    class Meta:
        model = Conversation
        fields = ["id", "status", "queue", "guest", "agents", "last_seq", "created_at", "last_activity_at",
                  "ended_at", "ended_by", "end_reason"]

    def get_agents(self, conversation) -> list[str]:
        return [p.display_name for p in conversation.participants.all() if p.kind == Participant.Kind.STAFF]


class TranscriptOutput(ConversationOutput):
    """The schema of the transcript: the conversation and its lines (chat.transcripts.transcript_lines)."""

    class LineSerializer(serializers.Serializer):
        seq = serializers.IntegerField()
        at = serializers.DateTimeField()
        kind = serializers.CharField()
        author = serializers.CharField()
        text = serializers.CharField()

    transcript = LineSerializer(many=True)

    class Meta(ConversationOutput.Meta):
        fields = [*ConversationOutput.Meta.fields, "transcript"]


class EndInput(serializers.Serializer):
    """The schema of ConversationEnd's body."""

    reason = serializers.CharField(required=False, max_length=100)


class NewestFirst(CursorPagination):
    ordering = "-created_at"
    page_size = 50


class ConversationFilters(serializers.Serializer):
    """The list's text filters, checked: a NUL character in one made PostgreSQL
    answer 500 (schemathesis found it); now it is a 400 that names the field."""
    queue = serializers.CharField(required=False, allow_blank=True, max_length=100)
    agent = serializers.CharField(required=False, allow_blank=True, max_length=150)
    status = serializers.ChoiceField(required=False, allow_blank=True, choices=Conversation.Status.values)


class ConversationList(APIView):
    """GET /api/v1/conversations/?queue=&agent=&status=&created_after=&created_before= (cursor paginated)."""

    permission_classes = [IsGuestOrStaff, scope_required(Scope.TRANSCRIPTS_READ)]
    throttle_classes = [ApiTokenRateThrottle]
    # Read by the schema generator only; `get` paginates explicitly.
    pagination_class = NewestFirst

    @extend_schema(
        operation_id="conversations_list",
        parameters=[
            OpenApiParameter("queue", description="A queue name."),
            OpenApiParameter("agent", description="A staff username who took part."),
            OpenApiParameter("status", enum=Conversation.Status.values),
            OpenApiParameter("created_after", OpenApiTypes.DATETIME),
            OpenApiParameter("created_before", OpenApiTypes.DATETIME),
        ],
        responses=ConversationOutput(many=True),
    )
    def get(self, request):
        conversations = conversations_visible_to(actor_for(request.user)).select_related("queue").prefetch_related("participants")
        filters = ConversationFilters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        params = {**request.query_params.dict(), **filters.validated_data}
        if params.get("queue"):
            conversations = conversations.filter(queue__name=params["queue"])
        if params.get("status"):
            conversations = conversations.filter(status=params["status"])
        if params.get("agent"):
            conversations = conversations.filter(
                Q(participants__user__username=params["agent"]), participants__kind=Participant.Kind.STAFF
            ).distinct()
        for name, lookup in (("created_after", "created_at__gte"), ("created_before", "created_at__lt")):
            if params.get(name):
                conversations = conversations.filter(**{lookup: moment_in_utc(name, params[name])})
        paginator = NewestFirst()
        page = paginator.paginate_queryset(conversations, request, view=self)
        return paginator.get_paginated_response(ConversationOutput(page, many=True).data)


class ConversationTranscript(APIView):
    """GET /api/v1/conversations/<id>/ : the conversation and its transcript as JSON;
    /transcript.txt and /transcript.csv for downloads. Someone else's is 404."""

    permission_classes = [IsGuestOrStaff, scope_required(Scope.TRANSCRIPTS_READ)]
    throttle_classes = [ApiTokenRateThrottle]
    formats = {
        "txt": ("text/plain; charset=utf-8", transcript_text),
        "csv": ("text/csv; charset=utf-8", transcript_csv),
    }

    @extend_schema(
        responses={
            (200, "application/json"): TranscriptOutput,
            (200, "text/plain"): OpenApiResponse(OpenApiTypes.STR, description="transcript.txt"),
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="transcript.csv"),
        },
    )
    def get(self, request, conversation_id, download=None):
        conversation = get_object_or_404(conversations_visible_to(actor_for(request.user)), pk=conversation_id)
        if download:
            content_type, render = self.formats[download]
            response = HttpResponse(render(conversation), content_type=content_type)
            response["Content-Disposition"] = f'attachment; filename="transcript-{conversation.pk}.{download}"'
            return response
        return Response({**ConversationOutput(conversation).data, "transcript": transcript_lines(conversation)})


class ConversationEnd(APIView):
    """POST /api/v1/conversations/<id>/end : the same end as the widget and the console."""

    permission_classes = [IsStaff, scope_required(Scope.RESERVATIONS_MANAGE)]
    throttle_classes = [ApiTokenRateThrottle]

    @extend_schema(request=EndInput, responses=ConversationOutput)
    def post(self, request, conversation_id):
        actor = actor_for(request.user)
        get_object_or_404(conversations_visible_to(actor), pk=conversation_id)
        reason = str(request.data.get("reason", ""))[:100] or "ended by API"
        conversation = conversation_end_by(actor=actor, conversation_id=conversation_id, reason=reason)
        return Response(ConversationOutput(conversation).data)
