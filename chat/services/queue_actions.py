"""What the sockets ask of the queueing app, checked against the asking actor."""
from django.core.exceptions import ValidationError

from chat.access import Actor
from chat.protocol import ActionError, Reason
from queueing.models import Agent, Reservation
from queueing.selectors import reservation_payload
from queueing.services.reservations import reservation_cancel, reservation_rejoin, reservation_seen
from queueing.services.routing import agent_set_status, offer_accept


def _reservation(public_id: str, **owner) -> Reservation:
    try:
        return Reservation.objects.select_related("queue", "agent__user").get(public_id=public_id, **owner)
    except (Reservation.DoesNotExist, ValidationError, ValueError):
        raise ActionError(Reason.NOT_FOUND, "no such reservation for you")


def guest_reservation_cancel(*, actor: Actor, public_id: str) -> dict:
    return reservation_payload(reservation_cancel(reservation=_reservation(public_id, guest_id=actor.guest_id)))


def guest_reservation_seen(*, actor: Actor, public_id: str) -> dict:
    reservation = _reservation(public_id, guest_id=actor.guest_id)
    reservation_seen(reservation=reservation)
    return {"status": reservation.status}


def guest_reservation_rejoin(*, actor: Actor, public_id: str) -> dict:
    return reservation_payload(reservation_rejoin(reservation=_reservation(public_id, guest_id=actor.guest_id)))


def conversation_reservation(*, conversation_id) -> dict | None:
    """The newest reservation of a conversation, for a widget that reconnects mid-queue."""
    reservation = (Reservation.objects.select_related("queue", "agent__user")
                   .filter(conversation_id=conversation_id).order_by("-created_at").first())
    return reservation_payload(reservation) if reservation else None


def _agent(actor: Actor) -> Agent:
    agent = Agent.objects.select_related("user").filter(user_id=actor.user_id).first()
    if agent is None:
        raise ActionError(Reason.FORBIDDEN, "you are not an agent: an administrator adds you to a queue")
    return agent


def staff_offer_accept(*, actor: Actor, public_id: str) -> dict:
    reservation = offer_accept(reservation=_reservation(public_id, offered_agent__user_id=actor.user_id),
                               user_id=actor.user_id)
    return {"conversation": str(reservation.conversation_id), "reservation": reservation_payload(reservation)}


def staff_status_set(*, actor: Actor, status: str) -> dict:
    return {"status": agent_set_status(agent=_agent(actor), status=status).status}


def staff_agent_state(*, user_id: int) -> dict:
    """For the staff hello: the agent's status and the offers waiting for them."""
    agent = Agent.objects.filter(user_id=user_id).first()
    if agent is None:
        return {"agent": None, "offers": []}
    offered = Reservation.objects.select_related("queue", "agent__user").filter(
        offered_agent=agent, status=Reservation.Status.OFFERED
    )
    return {
        "agent": {"status": agent.status, "capacity": agent.capacity},
        "offers": [{**reservation_payload(r), "conversation": str(r.conversation_id)} for r in offered],
    }
