"""Periodic work of the queueing app, scheduled by migrations 0003 and 0004. Thin: each
calls one service, whose conditional updates make a repeated run harmless."""
from celery import shared_task

from queueing.services.reservations import queues_refresh, reservations_expire_sweep
from queueing.services.routing import offer_timeout_sweep
from queueing.services.wallboard import wallboard_publish


@shared_task
def refresh_wait_estimates() -> int:
    return queues_refresh()


@shared_task
def expire_quiet_and_overdue_reservations() -> dict[str, int]:
    return reservations_expire_sweep()


@shared_task
def return_lapsed_offers() -> int:
    return offer_timeout_sweep()


@shared_task
def publish_wallboard() -> int:
    """Every 5 s (migration 0004); returns the number of queues shown."""
    return len(wallboard_publish()["queues"])
