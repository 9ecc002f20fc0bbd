from celery import shared_task

from chat.services.connections import connections_sweep


@shared_task
def sweep_stale_connections() -> int:
    return connections_sweep()
