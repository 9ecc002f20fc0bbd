from datetime import timedelta

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone

from surveys.models import Answer, Invitation, Question, Survey
from surveys.selectors import survey_results

RESULTS_DAYS = 30
# The per-day chart, in SVG user units: one bar per day.
CHART_BAR_WIDTH = 14
CHART_BAR_GAP = 4
CHART_HEIGHT = 120


class QuestionInline(admin.TabularInline):
    model = Question
    extra = 0
    fields = ["order", "kind", "prompt", "required"]


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ["name", "queue", "is_active", "question_count", "created_at"]
    list_filter = ["is_active", "queue"]
    inlines = [QuestionInline]
    change_list_template = "admin/surveys/survey/change_list.html"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("queue").annotate(question_count=Count("questions"))

    @admin.display(description="questions", ordering="question_count")
    def question_count(self, survey: Survey) -> int:
        return survey.question_count

    def get_urls(self):
        return [
            path("results/", self.admin_site.admin_view(self.results_view), name="surveys_survey_results"),
            *super().get_urls(),
        ]

    def results_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        until = timezone.localdate()
        results = survey_results(since=until - timedelta(days=RESULTS_DAYS - 1), until=until)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Survey results, last {RESULTS_DAYS} days",
            "opts": self.model._meta,
            "results": results,
            "by_agent": [_with_bars(row, label=row["name"]) for row in results["by_agent"]],
            "by_queue": [_with_bars(row, label=row["name"]) for row in results["by_queue"]],
            "by_day": [_with_bars(row, label=row["day"]) for row in results["by_day"]],
            "chart": _day_chart(results["by_day"]),
        }
        return TemplateResponse(request, "admin/surveys/survey/results.html", context)


def _with_bars(row: dict, *, label: str) -> dict:
    """A results row with its label and the widths (in %) of its CSS bars: CSAT from
    0 to 5, and NPS drawn from the middle (0) to the left (down to -100) or right (up to 100)."""
    csat, nps = row["csat_average"], row["nps"]
    return {
        **row,
        "label": label,
        "csat_bar_percent": round(csat / 5 * 100, 1) if csat is not None else 0,
        "nps_bar_left_percent": 50 + min(nps, 0) / 2 if nps is not None else 50,
        "nps_bar_percent": abs(nps) / 2 if nps is not None else 0,
    }


def _day_chart(days: list[dict]) -> dict:
    """Geometry of the per-day SVG chart: CSAT bars grow up from the bottom of the
    top half, NPS bars up or down from the middle line of the bottom half."""
    half = CHART_HEIGHT / 2
    bars = []
    for index, day in enumerate(days):
        csat, nps = day["csat_average"], day["nps"]
        csat_height = round(csat / 5 * (half - 10), 1) if csat is not None else 0
        nps_height = round(abs(nps) / 100 * (half / 2 - 4), 1) if nps is not None else 0
        nps_zero = half + half / 2
        bars.append({
            **day,
            "x": index * (CHART_BAR_WIDTH + CHART_BAR_GAP),
            "csat_y": half - 4 - csat_height,
            "csat_height": csat_height,
            "nps_y": nps_zero - nps_height if (nps or 0) >= 0 else nps_zero,
            "nps_height": nps_height,
        })
    return {
        "bars": bars,
        "bar_width": CHART_BAR_WIDTH,
        "width": len(days) * (CHART_BAR_WIDTH + CHART_BAR_GAP),
        "height": CHART_HEIGHT,
        "half": half,
        "nps_zero": half + half / 2,
    }


class AnswerInline(admin.TabularInline):
    model = Answer
    extra = 0
    fields = ["question", "score", "text"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class AnsweredFilter(admin.SimpleListFilter):
    title = "answered"
    parameter_name = "answered"

    def lookups(self, request, model_admin):
        return [("yes", "Answered"), ("no", "Not answered")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(answered_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(answered_at__isnull=True)
        return queryset


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Read-only: invitations are created when a chat ends and answered by the customer."""

    list_display = ["conversation", "survey", "queue", "agent", "created_at", "expires_at", "answered_at"]
    list_filter = [AnsweredFilter, "queue", ("agent", admin.RelatedOnlyFieldListFilter), "survey"]
    list_select_related = ["conversation__guest", "survey", "queue", "agent"]
    date_hierarchy = "created_at"
    fields = ["conversation", "survey", "queue", "agent", "created_at", "expires_at", "answered_at"]
    readonly_fields = fields
    inlines = [AnswerInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
