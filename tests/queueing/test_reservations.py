"""Reservations: joining, positions, who is told, leaving, expiring, rejoining."""
from datetime import timedelta

import pytest
from django.utils import timezone

from queueing.errors import QueueingError
from queueing.models import Reservation
from queueing.selectors import queue_position
from queueing.services.reservations import (
    queues_refresh, reservation_cancel, reservation_create, reservation_rejoin, reservation_requeue,
    reservation_seen, reservations_expire_sweep,
)

pytestmark = pytest.mark.django_db


def line_of(make_guest, count: int, queue_name: str = "support") -> list[Reservation]:
    return [reservation_create(guest=make_guest(), queue_name=queue_name)[0] for _ in range(count)]


def test_positions_are_one_based_and_follow_arrival(make_queue, make_guest, published):
    make_queue()
    first, second, third = line_of(make_guest, 3)
    assert [queue_position(reservation=r) for r in (first, second, third)] == [1, 2, 3]
    assert [Reservation.objects.get(pk=r.pk).published_position for r in (first, second, third)] == [1, 2, 3]


def test_joining_again_returns_the_same_place_instead_of_a_second_one(make_queue, make_guest, published):
    make_queue()
    guest = make_guest()
    reservation, created = reservation_create(guest=guest, queue_name="support")
    again, created_again = reservation_create(guest=guest, queue_name="support")
    assert created and not created_again and again.pk == reservation.pk


def test_unknown_queue_is_refused(make_queue, make_guest):
    with pytest.raises(QueueingError) as refused:
        reservation_create(guest=make_guest(), queue_name="nope")
    assert refused.value.code == "not_found"


def test_a_newcomer_at_the_back_tells_only_themselves(make_queue, make_guest, published):
    make_queue()
    first, second = line_of(make_guest, 2)
    published.clear()
    [third] = line_of(make_guest, 1)
    assert published.guests_told() == [third.guest_id]
    assert published.updates_for(third.guest_id)[0]["queue_position"] == 3


def test_leaving_tells_exactly_those_behind_and_the_one_who_left(make_queue, make_guest, published):
    make_queue()
    make_queue("sales")
    ahead, leaving, behind, last = line_of(make_guest, 4)
    [elsewhere] = line_of(make_guest, 1, "sales")
    published.clear()

    reservation_cancel(reservation=leaving)

    assert sorted(map(str, published.guests_told())) == sorted(
        str(r.guest_id) for r in (leaving, behind, last)
    )
    assert published.updates_for(leaving.guest_id)[0]["status"] == "canceled"
    assert published.updates_for(behind.guest_id)[0]["queue_position"] == 2
    assert published.updates_for(last.guest_id)[0]["queue_position"] == 3
    assert ahead.guest_id not in published.guests_told() and elsewhere.guest_id not in published.guests_told()


def test_every_update_carries_a_growing_version_and_the_whole_state(make_queue, make_guest, published):
    make_queue()
    first, second = line_of(make_guest, 2)
    reservation_cancel(reservation=first)
    versions = [u["version"] for u in published.updates_for(second.guest_id)]
    assert versions == sorted(versions) and len(set(versions)) == len(versions) == 2
    assert set(published.updates_for(second.guest_id)[-1]) == {
        "id", "queue", "status", "queue_position", "estimated_wait_until", "agent", "expire_reason", "version",
    }


def test_cancel_is_idempotent_but_a_finished_reservation_cannot_be_canceled(make_queue, make_guest, published):
    make_queue()
    [reservation] = line_of(make_guest, 1)
    reservation_cancel(reservation=reservation)
    assert reservation_cancel(reservation=reservation).status == "canceled"
    Reservation.objects.filter(pk=reservation.pk).update(status=Reservation.Status.COMPLETED)
    reservation.refresh_from_db()
    with pytest.raises(QueueingError) as refused:
        reservation_cancel(reservation=reservation)
    assert refused.value.code == "conflict"


def test_estimate_is_null_while_the_queue_has_no_finished_wait(make_queue, make_agent, make_guest, published):
    queue = make_queue()
    make_agent(queue, capacity=1)
    # An earlier customer who canceled is not a finished wait.
    reservation_cancel(reservation=line_of(make_guest, 1)[0])
    first, second = line_of(make_guest, 2)
    assert Reservation.objects.get(pk=second.pk).estimated_wait_until is None
    assert published.updates_for(second.guest_id)[-1]["estimated_wait_until"] is None


def test_estimate_appears_once_a_wait_has_finished(make_queue, make_agent, make_guest, published):
    queue = make_queue()
    make_agent(queue, capacity=1)
    now = timezone.now()
    [served] = line_of(make_guest, 1)
    Reservation.objects.filter(pk=served.pk).update(
        status=Reservation.Status.COMPLETED, created_at=now - timedelta(minutes=10),
        matched_at=now - timedelta(minutes=8), completed_at=now - timedelta(minutes=2),
    )
    first, second = line_of(make_guest, 2)  # first is offered to the only agent
    until = Reservation.objects.get(pk=second.pk).estimated_wait_until
    assert until is not None and until > now
    assert published.updates_for(second.guest_id)[-1]["estimated_wait_until"] == until.isoformat()


def test_refresh_pushes_only_estimates_that_moved(make_queue, make_guest, published, settings):
    settings.QUEUE_ESTIMATE_TOLERANCE_SECONDS = 30
    make_queue()
    now = timezone.now()
    [served] = line_of(make_guest, 1)
    Reservation.objects.filter(pk=served.pk).update(status=Reservation.Status.MATCHED,
                                                    created_at=now - timedelta(minutes=5), matched_at=now)
    first, second = line_of(make_guest, 2)
    published.clear()
    assert queues_refresh() == 0 and published.customer == []
    Reservation.objects.filter(pk=second.pk).update(estimated_wait_until=now - timedelta(hours=1))
    assert queues_refresh() == 1 and published.guests_told() == [second.guest_id]


def test_a_quiet_customer_is_warned_then_expired_with_the_reason(make_queue, make_guest, published, settings):
    settings.QUEUE_IDLE_WARNING_SECONDS = 30
    make_queue(idle_timeout_seconds=120)
    quiet, present = line_of(make_guest, 2)
    now = timezone.now()

    assert reservations_expire_sweep(now=now + timedelta(seconds=60)) == {"warned": 0, "idle": 0, "max_wait": 0}
    assert reservations_expire_sweep(now=now + timedelta(seconds=95))["warned"] == 2
    assert reservations_expire_sweep(now=now + timedelta(seconds=96))["warned"] == 0  # once
    assert published.guests_told("reservation.idle_warning") == [quiet.guest_id, present.guest_id]
    reservation_seen(reservation=present)
    assert Reservation.objects.get(pk=present.pk).idle_warned_at is None
    # Seen again at +100 s (the sweep is run with a clock in the future).
    Reservation.objects.filter(pk=present.pk).update(last_seen_at=now + timedelta(seconds=100))
    published.clear()

    assert reservations_expire_sweep(now=now + timedelta(seconds=125))["idle"] == 1
    assert reservations_expire_sweep(now=now + timedelta(seconds=125))["idle"] == 0  # idempotent

    quiet.refresh_from_db()
    assert quiet.status == "expired" and quiet.expire_reason == "idle" and quiet.expired_at
    assert published.updates_for(quiet.guest_id)[-1]["expire_reason"] == "idle"
    assert published.updates_for(present.guest_id)[-1]["queue_position"] == 1


def test_a_reservation_past_the_max_wait_expires_even_if_present(make_queue, make_guest, published):
    make_queue(max_wait_seconds=600, idle_timeout_seconds=3600)
    [reservation] = line_of(make_guest, 1)
    reservations_expire_sweep(now=timezone.now() + timedelta(seconds=601))
    reservation.refresh_from_db()
    assert reservation.status == "expired" and reservation.expire_reason == "max_wait"


def test_rejoin_within_the_grace_period_keeps_the_original_place(make_queue, make_guest, published, settings):
    settings.QUEUE_REJOIN_GRACE_SECONDS = 300
    make_queue(idle_timeout_seconds=60)
    first, second = line_of(make_guest, 2)
    Reservation.objects.filter(pk=second.pk).update(last_seen_at=timezone.now() + timedelta(hours=1))
    reservations_expire_sweep(now=timezone.now() + timedelta(seconds=61))
    first.refresh_from_db()
    assert first.status == "expired" and queue_position(reservation=second) == 1
    [third] = line_of(make_guest, 1)

    reservation_rejoin(reservation=first)

    assert [queue_position(reservation=Reservation.objects.get(pk=r.pk)) for r in (first, second, third)] == [1, 2, 3]


def test_rejoin_after_the_grace_period_or_after_max_wait_is_refused(make_queue, make_guest, published, settings):
    settings.QUEUE_REJOIN_GRACE_SECONDS = 300
    make_queue()
    late, overdue = line_of(make_guest, 2)
    Reservation.objects.filter(pk=late.pk).update(status="expired", expire_reason="idle",
                                                  expired_at=timezone.now() - timedelta(seconds=301))
    Reservation.objects.filter(pk=overdue.pk).update(status="expired", expire_reason="max_wait",
                                                     expired_at=timezone.now())
    for reservation in (late, overdue):
        reservation.refresh_from_db()
        with pytest.raises(QueueingError):
            reservation_rejoin(reservation=reservation)


def test_staff_requeue_puts_a_canceled_reservation_back_at_its_place(make_queue, make_guest, published):
    make_queue()
    first, second = line_of(make_guest, 2)
    reservation_cancel(reservation=first)
    reservation_requeue(reservation=first)
    assert queue_position(reservation=Reservation.objects.get(pk=first.pk)) == 1
    assert published.updates_for(second.guest_id)[-1]["queue_position"] == 2
