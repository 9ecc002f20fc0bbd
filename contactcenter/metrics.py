"""GET /metrics: this process's own counters (chat.metrics) and the contact
center's figures, read from the database and Redis at scrape time."""
from django.db.models import Count
from django.http import HttpResponse
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector

from contactcenter.task_counters import task_outcome_counts
from integrations.models import WebhookDelivery
from queueing.models import Agent
from queueing.wallboard import SERVICE_LEVEL_WINDOW, csat_today_average, queues_live

# Upper bounds (seconds) of the answered-wait histogram: from "at once" to the
# default 30-minute max wait.
WAIT_BUCKETS = (5, 10, 20, 30, 60, 120, 300, 600, 1800)


class OperationsCollector(Collector):
    """Figures shared by every process (they come from the database and Redis),
    so any process's scrape gives the same values. A handful of aggregate
    queries per scrape."""

    def describe(self):
        # Names without samples: registering must not query the database
        # (the registry would otherwise call collect() at import time).
        return self._families()

    def collect(self):
        (waiting, longest_wait, agents, answered_waits, csat, webhooks, celery_tasks) = families = self._families()
        for live in queues_live():
            waiting.add_metric([live.name], live.waiting)
            longest_wait.add_metric([live.name], live.longest_wait_seconds or 0)
            answered_waits.add_metric([live.name], *_histogram(live.answered_wait_seconds))
        counts = dict(Agent.objects.values_list("status").annotate(count=Count("pk")))
        for status in Agent.Status.values:
            agents.add_metric([status], counts.get(status, 0))
        average = csat_today_average()
        if average is not None:
            csat.add_metric([], average)
        counts = dict(WebhookDelivery.objects.values_list("status").annotate(count=Count("pk")))
        for status in WebhookDelivery.Status.values:
            webhooks.add_metric([status], counts.get(status, 0))
        for task, outcomes in task_outcome_counts().items():
            for state, count in outcomes.items():
                celery_tasks.add_metric([task, state], count)
        return families

    @staticmethod
    def _families():
        return [
            GaugeMetricFamily("contactcenter_queue_waiting", "Reservations waiting (queued or offered)",
                              labels=["queue"]),
            GaugeMetricFamily("contactcenter_queue_longest_wait_seconds",
                              "How long the oldest waiting reservation has waited (0 when none waits)",
                              labels=["queue"]),
            GaugeMetricFamily("contactcenter_agents", "Agents by status", labels=["status"]),
            # Not a counter-backed histogram: the waits answered in the last hour,
            # recomputed at each scrape, so read it without rate().
            HistogramMetricFamily(
                "contactcenter_queue_answered_wait_seconds",
                f"Waits answered in the last {int(SERVICE_LEVEL_WINDOW.total_seconds())} s "
                "(matched_at - created_at)",
                labels=["queue"],
            ),
            GaugeMetricFamily("contactcenter_survey_csat_average", "Average CSAT score of today's survey answers"),
            GaugeMetricFamily("contactcenter_webhook_deliveries", "Webhook deliveries by status", labels=["status"]),
            CounterMetricFamily("contactcenter_celery_tasks", "Celery task outcomes across all workers",
                                labels=["task", "state"]),
        ]


def _histogram(waits: list[float]) -> tuple[list[tuple[str, int]], float]:
    buckets = [(str(bound), sum(1 for wait in waits if wait <= bound)) for bound in WAIT_BUCKETS]
    return [*buckets, ("+Inf", len(waits))], sum(waits)


REGISTRY.register(OperationsCollector())


def metrics(request):
    """Prometheus text format: this process's chat counters (each daphne process
    has its own) and the shared operations figures."""
    return HttpResponse(generate_latest(), content_type=CONTENT_TYPE_LATEST)
