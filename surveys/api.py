"""The surveys REST API under /api/v1/surveys/, read-only, for staff users and
integration tokens (staff accounts): answered surveys and their aggregates."""
from datetime import timedelta

from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from integrations.authentication import ApiTokenAuthentication, ApiTokenRateThrottle, scope_required
from integrations.scopes import Scope
from surveys.selectors import invitation_responses, survey_results

# The summary's default window, as on the admin results page.
SUMMARY_DEFAULT_DAYS = 30
# The summary lists every day of its range; a year bounds the size of one answer.
SUMMARY_MAX_DAYS = 366


class SurveysApi(APIView):
    authentication_classes = [TokenAuthentication, ApiTokenAuthentication, SessionAuthentication]
    permission_classes = [IsAdminUser, scope_required(Scope.SURVEYS_READ)]
    throttle_classes = [ApiTokenRateThrottle]


class DateRangeSerializer(serializers.Serializer):
    """`since` and `until`, inclusive dates (YYYY-MM-DD) in the server's time zone."""

    since = serializers.DateField(required=False)
    until = serializers.DateField(required=False)

    def validate(self, data):
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise serializers.ValidationError("'since' is after 'until'")
        return data


class ResponsesPagination(CursorPagination):
    # Ties on answered_at are broken by id, so a page boundary never repeats or skips one.
    ordering = ("-answered_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class SurveyResponsesApi(SurveysApi):
    """GET: answered surveys, newest first, with cursor pagination."""

    # Read by the schema generator only; `get` paginates explicitly.
    pagination_class = ResponsesPagination

    class FilterSerializer(DateRangeSerializer):
        queue = serializers.SlugField(required=False, help_text="A queue name.")
        agent = serializers.CharField(required=False, max_length=150, help_text="A staff username.")

    @extend_schema_serializer(component_name="SurveyResponse")
    class OutputSerializer(serializers.Serializer):
        @extend_schema_serializer(component_name="SurveyAnswer")
        class AnswerSerializer(serializers.Serializer):
            question = serializers.IntegerField(source="question_id")
            kind = serializers.CharField(source="question.kind")
            prompt = serializers.CharField(source="question.prompt")
            score = serializers.IntegerField(allow_null=True)
            text = serializers.CharField()

        id = serializers.IntegerField()
        conversation = serializers.UUIDField(source="conversation_id")
        survey = serializers.IntegerField(source="survey_id")
        queue = serializers.CharField(source="queue.name", allow_null=True, default=None)
        agent = serializers.CharField(source="agent.username", allow_null=True, default=None)
        answered_at = serializers.DateTimeField()
        answers = AnswerSerializer(many=True)

    @extend_schema(operation_id="surveys_responses_list", parameters=[FilterSerializer],
                   responses=OutputSerializer(many=True))
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        invitations = invitation_responses(
            queue_name=data.get("queue"), agent_username=data.get("agent"),
            since=data.get("since"), until=data.get("until"),
        )
        paginator = ResponsesPagination()
        page = paginator.paginate_queryset(invitations, request, view=self)
        return paginator.get_paginated_response(self.OutputSerializer(page, many=True).data)


class SurveySummaryApi(SurveysApi):
    """GET: CSAT average and NPS overall, per agent, per queue and per day.
    Without dates: the last 30 days, today included."""

    class FilterSerializer(DateRangeSerializer):
        def validate(self, data):
            data = super().validate(data)
            until = data.get("until") or timezone.localdate()
            since = data.get("since") or until - timedelta(days=SUMMARY_DEFAULT_DAYS - 1)
            if since > until:
                raise serializers.ValidationError("'since' is after 'until'")
            if (until - since).days >= SUMMARY_MAX_DAYS:
                raise serializers.ValidationError(f"the range is longer than {SUMMARY_MAX_DAYS} days")
            return {"since": since, "until": until}

    @extend_schema_serializer(component_name="SurveySummary")
    class OutputSerializer(serializers.Serializer):
        """The schema of `survey_results`."""

        class ScoresSerializer(serializers.Serializer):
            responses = serializers.IntegerField()
            csat_average = serializers.FloatField(allow_null=True, help_text="1 to 5")
            csat_responses = serializers.IntegerField()
            nps = serializers.FloatField(allow_null=True, help_text="-100 to 100")
            nps_responses = serializers.IntegerField()

        class AgentScoresSerializer(ScoresSerializer):
            agent = serializers.CharField(allow_null=True, help_text="A staff username; null: no agent.")
            name = serializers.CharField()

        class QueueScoresSerializer(ScoresSerializer):
            queue = serializers.CharField(allow_null=True, help_text="A queue name; null: no queue.")
            name = serializers.CharField()

        class DayScoresSerializer(ScoresSerializer):
            day = serializers.DateField()

        since = serializers.DateField()
        until = serializers.DateField()
        overall = ScoresSerializer()
        by_agent = AgentScoresSerializer(many=True)
        by_queue = QueueScoresSerializer(many=True)
        by_day = DayScoresSerializer(many=True)

    @extend_schema(parameters=[FilterSerializer], responses=OutputSerializer)
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        return Response(survey_results(**filters.validated_data))
