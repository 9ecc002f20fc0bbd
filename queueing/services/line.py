"""Keeping customers told: every change of a queue ends with `queue_refresh`,
inside the transaction that made it, so positions and estimates are recomputed
and exactly the reservations whose state changed are published after commit."""
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from integrations.webhooks import emit_many_on_commit
from queueing import broadcast
from queueing.estimates import estimate_wait_seconds
from queueing.models import Queue, Reservation
from queueing.selectors import queue_figures, reservation_payload, waiting_in_line


def reservation_transition(*, reservation: Reservation, from_statuses, condition: Q = Q(), **changes) -> bool:
    """Compare-and-set: apply `changes` only if the status is still one of
    `from_statuses` (and `condition` still holds). True if this call made the
    change: exactly one caller wins, on SQLite and PostgreSQL alike. The
    reservation is then reloaded, and published if it left the line (one still
    in line is published by the queue_refresh that follows)."""
    if changes.get("status", reservation.status) not in Reservation.WAITING:
        changes.update(published_position=None, estimated_wait_until=None)
    with transaction.atomic():
        queue_lock(queue_id=reservation.queue_id)
        changed = Reservation.objects.filter(condition, pk=reservation.pk, status__in=from_statuses).update(
            **changes, version=F("version") + 1
        )
    if changed != 1:
        return False
    reservation.refresh_from_db()
    if reservation.status not in Reservation.WAITING:
        reservation_publish(reservation=reservation)
    return True


def queue_lock(*, queue_id) -> None:
    """Every writer of a queue's reservations takes the queue's row lock first, so
    concurrent transactions update those rows in one order: without it PostgreSQL
    deadlocks (a routing storm showed it). On SQLite the IMMEDIATE transaction
    already holds the one write lock, and select_for_update is ignored."""
    list(Queue.objects.select_for_update().filter(pk=queue_id).values_list("pk", flat=True))


def reservation_publish(*, reservation: Reservation) -> None:
    reservations_publish(reservations=[reservation])


def reservations_publish(*, reservations: list[Reservation]) -> None:
    """Tell the customers (sockets, SSE, webhooks) the state of these reservations, after commit."""
    updates = [(reservation, reservation_payload(reservation)) for reservation in reservations]
    broadcast.notify_customers_on_commit(updates, broadcast.EventName.RESERVATION_UPDATED)
    emit_many_on_commit("reservation.updated", [payload for _, payload in updates])


def queue_refresh(*, queue_id, now: datetime | None = None, force_ids=()) -> int:
    """Recompute position and estimate of everyone waiting in the queue and
    publish those that changed (and `force_ids`, whose status changed).
    Returns how many were published. Call inside the changing transaction."""
    now = now or timezone.now()
    queue_lock(queue_id=queue_id)
    figures = queue_figures(queue_id=queue_id, now=now)
    moves = {}
    # Three columns per customer to find who moved; whole rows only for those.
    in_line = waiting_in_line(queue_id=queue_id).values_list("pk", "published_position", "estimated_wait_until")
    for position, (pk, told_position, told_estimate) in enumerate(in_line, start=1):
        seconds = estimate_wait_seconds(position=position, figures=figures)
        estimate = now + timedelta(seconds=seconds) if seconds is not None else None
        unchanged = told_position == position and not _estimate_moved(told_estimate, estimate)
        if not unchanged or pk in force_ids:
            moves[pk] = (position, estimate)
    changed = list(Reservation.objects.select_related("queue", "agent__user").filter(pk__in=moves))
    for reservation in changed:
        # The queue lock is held: nobody else changes these rows' versions meanwhile.
        reservation.published_position, reservation.estimated_wait_until = moves[reservation.pk]
        reservation.version += 1
    _store_positions(changed)
    reservations_publish(reservations=changed)
    return len(changed)


def _store_positions(reservations: list[Reservation]) -> None:
    """One parameterised UPDATE run for all rows: Django's bulk_update builds a
    CASE expression that cost 3.8 s for 5,000 rows (bench/queue_tick.py)."""
    if not reservations:
        return
    table = connection.ops.quote_name(Reservation._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET published_position = %s, estimated_wait_until = %s, version = %s WHERE id = %s",
            [(r.published_position, connection.ops.adapt_datetimefield_value(r.estimated_wait_until), r.version, r.pk)
             for r in reservations],
        )


def _estimate_moved(told: datetime | None, estimate: datetime | None) -> bool:
    """Worth telling the customer: a change between none and some, or a move of
    at least QUEUE_ESTIMATE_TOLERANCE_SECONDS (an estimate recomputed every 10 s
    drifts by seconds; that is noise, not news)."""
    if told is None or estimate is None:
        return told is not estimate
    return abs((estimate - told).total_seconds()) >= settings.QUEUE_ESTIMATE_TOLERANCE_SECONDS
