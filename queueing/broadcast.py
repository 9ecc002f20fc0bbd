"""The one door through which queueing events leave, always after commit.

A customer's events go to every socket of the guest (through chat's personal
groups) and to the reservation's own group, which the SSE stream listens to.
Not sequenced by the layer: every `reservation.updated` carries the whole
state and a `version`, so a lost one is corrected by the next, and a client
drops one older than what it has.
"""
from enum import StrEnum

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from chat.broadcast import notify_guest_on_commit, notify_staff_on_commit
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
    notify_guest_on_commit(reservation.guest_id, event, data)
    group = reservation_group(reservation.public_id)
    transaction.on_commit(
        lambda: async_to_sync(get_channel_layer().group_send)(
            group, {"type": "reservation.event", "event": str(event), "data": data}
        )
    )


def notify_agent_on_commit(agent: Agent, event: EventName, data: dict) -> None:
    notify_staff_on_commit(agent.user_id, event, data)
