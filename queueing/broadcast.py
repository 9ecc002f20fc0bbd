"""The one door through which queueing events leave, always after commit.

A customer's events go to every socket of the guest (through chat's personal
groups) and to the reservation's own group, which the SSE stream listens to.
Not sequenced by the layer: every `reservation.updated` carries the whole
state and a `version`, so a lost one is corrected by the next, and a client
drops one older than what it has.
"""
from enum import StrEnum

from chat.broadcast import group_send_on_commit, guest_group, notify_staff_on_commit, personal_message
from queueing.models import Agent, Reservation


class EventName(StrEnum):
    # To the customer: status, position, estimate, agent or expire reason changed.
    RESERVATION_UPDATED = "reservation.updated"
    # To the customer: quiet for a while, the place is lost soon unless they show up.
    RESERVATION_IDLE_WARNING = "reservation.idle_warning"
    # To one agent: a reservation is held for them until they accept or it times out.
    RESERVATION_OFFERED = "reservation.offered"
    # To one agent: an offer they had is gone (timed out, canceled, pulled back).
    RESERVATION_WITHDRAWN = "reservation.withdrawn"
    # To one agent: their status was changed for them (a missed offer sets away).
    AGENT_STATUS = "agent.status"


def reservation_group(public_id) -> str:
    return f"reservation.{public_id}"


def notify_customer_on_commit(reservation: Reservation, event: EventName, data: dict) -> None:
    notify_customers_on_commit([(reservation, data)], event)


def notify_customers_on_commit(updates: list[tuple[Reservation, dict]], event: EventName) -> None:
    """To each customer's sockets (their guest group) and SSE streams (the
    reservation's group), in one batch after commit."""
    messages = []
    for reservation, data in updates:
        messages.append((guest_group(reservation.guest_id), personal_message(str(event), data)))
        messages.append((reservation_group(reservation.public_id),
                         {"type": "reservation.event", "event": str(event), "data": data}))
    group_send_on_commit(messages)


def notify_agent_on_commit(agent: Agent, event: EventName, data: dict) -> None:
    notify_staff_on_commit(agent.user_id, event, data)
