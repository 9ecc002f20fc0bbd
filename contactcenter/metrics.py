from django.http import HttpResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest


def metrics(request):
    """This process's figures in Prometheus text format (each daphne process has its own)."""
    return HttpResponse(generate_latest(), content_type=CONTENT_TYPE_LATEST)
