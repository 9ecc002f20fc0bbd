"""Routing: who is offered to whom, offers lapsing, accepting, agent status."""
from datetime import timedelta

import pytest
from django.utils import timezone

from chat.models import Participant
from queueing.errors import QueueingError
from queueing.models import Agent, Reservation
from queueing.services.reservations import reservation_complete, reservation_create
from queueing.services.routing import agent_set_status, offer_accept, offer_timeout_sweep, route_queue

pytestmark = pytest.mark.django_db


def test_longest_waiting_reservation_is_offered_to_the_least_loaded_agent(make_queue, make_agent, make_guest,
                                                                           published):
    queue = make_queue()
    first, _ = reservation_create(guest=make_guest(), queue_name="support")
    second, _ = reservation_create(guest=make_guest(), queue_name="support")
    busy = make_agent(queue, capacity=3)
    Reservation.objects.filter(pk=first.pk).update(offered_agent=busy, status=Reservation.Status.MATCHED)
    idle = make_agent(queue, capacity=3)

    offered = route_queue(queue_id=queue.pk)

    assert [r.pk for r in offered] == [second.pk]
    second.refresh_from_db()
    assert second.status == Reservation.Status.OFFERED and second.offered_agent == idle
    assert [(user_id, event) for user_id, event, _ in published.agent] == [(idle.user_id, "reservation.offered")]


def test_higher_priority_is_offered_before_longer_waiting(make_queue, make_agent, make_guest, published):
    queue = make_queue()
    early, _ = reservation_create(guest=make_guest(), queue_name="support")
    vip, _ = reservation_create(guest=make_guest(), queue_name="support", priority=5)
    assert Reservation.objects.get(pk=vip.pk).published_position == 1
    make_agent(queue)

    route_queue(queue_id=queue.pk)

    assert Reservation.objects.get(pk=vip.pk).status == Reservation.Status.OFFERED
    assert Reservation.objects.get(pk=early.pk).status == Reservation.Status.QUEUED


def test_no_agent_gets_more_offers_than_its_capacity(make_queue, make_agent, make_guest, published):
    queue = make_queue()
    agent = make_agent(queue, capacity=2)
    for _ in range(4):
        reservation_create(guest=make_guest(), queue_name="support")

    route_queue(queue_id=queue.pk)

    assert Reservation.objects.filter(offered_agent=agent, status=Reservation.Status.OFFERED).count() == 2
    assert Reservation.objects.filter(status=Reservation.Status.QUEUED).count() == 2


def test_agents_who_are_away_or_serve_other_queues_get_no_offer(make_queue, make_agent, make_guest, published):
    queue, other = make_queue(), make_queue("sales")
    make_agent(queue, status=Agent.Status.AWAY)
    make_agent(other)
    reservation, _ = reservation_create(guest=make_guest(), queue_name="support")

    assert route_queue(queue_id=queue.pk) == []
    assert Reservation.objects.get(pk=reservation.pk).status == Reservation.Status.QUEUED


def test_lapsed_offer_returns_to_the_head_and_the_agent_is_set_away(make_queue, make_agent, make_guest, published,
                                                                    settings):
    settings.QUEUE_OFFER_TIMEOUT_SECONDS = 30
    queue = make_queue()
    agent = make_agent(queue)
    first, _ = reservation_create(guest=make_guest(), queue_name="support")
    second, _ = reservation_create(guest=make_guest(), queue_name="support")
    assert Reservation.objects.get(pk=first.pk).status == Reservation.Status.OFFERED

    assert offer_timeout_sweep(now=timezone.now() + timedelta(seconds=10)) == 0
    assert offer_timeout_sweep(now=timezone.now() + timedelta(seconds=31)) == 1

    first.refresh_from_db()
    assert first.status == Reservation.Status.QUEUED and first.offered_agent is None
    assert first.published_position == 1
    assert Reservation.objects.get(pk=second.pk).published_position == 2
    agent.refresh_from_db()
    assert agent.status == Agent.Status.AWAY
    assert [event for _, event, _ in published.agent][-2:] == ["reservation.withdrawn", "agent.status"]


def test_accepting_an_offer_matches_and_joins_the_conversation(make_queue, make_agent, make_guest, published):
    queue = make_queue()
    agent = make_agent(queue, name="alex")
    reservation, _ = reservation_create(guest=make_guest(), queue_name="support")
    published.clear()

    offer_accept(reservation=reservation, user_id=agent.user_id)

    reservation.refresh_from_db()
    assert reservation.status == Reservation.Status.MATCHED and reservation.agent == agent
    assert reservation.matched_at is not None
    assert Participant.objects.filter(conversation=reservation.conversation, user=agent.user).exists()
    [update] = published.updates_for(reservation.guest_id)
    assert update["status"] == "matched" and update["agent"] == "Alex" and update["queue_position"] is None


def test_an_offer_cannot_be_accepted_by_another_agent_or_twice(make_queue, make_agent, make_guest, published):
    queue = make_queue()
    agent = make_agent(queue)
    other = make_agent(queue, status=Agent.Status.AWAY)
    reservation, _ = reservation_create(guest=make_guest(), queue_name="support")

    with pytest.raises(QueueingError):
        offer_accept(reservation=reservation, user_id=other.user_id)
    offer_accept(reservation=reservation, user_id=agent.user_id)
    with pytest.raises(QueueingError):
        offer_accept(reservation=reservation, user_id=agent.user_id)


def test_completing_a_chat_frees_the_slot_for_the_next_customer(make_queue, make_agent, make_guest, published):
    queue = make_queue()
    agent = make_agent(queue, capacity=1)
    first, _ = reservation_create(guest=make_guest(), queue_name="support")
    second, _ = reservation_create(guest=make_guest(), queue_name="support")
    offer_accept(reservation=first, user_id=agent.user_id)
    assert Reservation.objects.get(pk=second.pk).status == Reservation.Status.QUEUED

    reservation_complete(reservation=first)

    assert Reservation.objects.get(pk=first.pk).status == Reservation.Status.COMPLETED
    assert Reservation.objects.get(pk=second.pk).status == Reservation.Status.OFFERED


def test_agent_going_away_returns_held_offers_and_coming_back_gets_them(make_queue, make_agent, make_guest,
                                                                         published):
    queue = make_queue()
    agent = make_agent(queue)
    reservation, _ = reservation_create(guest=make_guest(), queue_name="support")
    assert Reservation.objects.get(pk=reservation.pk).status == Reservation.Status.OFFERED

    agent_set_status(agent=agent, status=Agent.Status.AWAY)
    assert Reservation.objects.get(pk=reservation.pk).status == Reservation.Status.QUEUED

    agent_set_status(agent=agent, status=Agent.Status.AVAILABLE)
    assert Reservation.objects.get(pk=reservation.pk).status == Reservation.Status.OFFERED
