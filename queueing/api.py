"""The queueing REST API under /api/v1/: one class per operation, each calling
one service. A guest sees only its own reservations (another's is a 404, as if
it did not exist); staff users and integration tokens see all."""
from django.db import transaction
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from chat.services.guests import guest_create, guest_token
from integrations.authentication import ApiTokenAuthentication, ApiTokenRateThrottle, scope_required
from integrations.scopes import Scope
from queueing.authentication import GuestPrincipal, GuestTokenAuthentication, IsGuestOrStaff, IsStaff
from queueing.errors import ErrorCode, QueueingError
from queueing.models import Agent, Reservation
from queueing.selectors import new_arrival_estimate_seconds, queue_position, queues_with_figures, reservation_payload
from queueing.services.reservations import (
    reservation_cancel, reservation_complete, reservation_create, reservation_rejoin, reservation_seen,
)
from queueing.services.routing import agent_set_status, offer_accept

ERROR_STATUS = {
    ErrorCode.NOT_FOUND: status.HTTP_404_NOT_FOUND,
    ErrorCode.INVALID: status.HTTP_400_BAD_REQUEST,
    ErrorCode.CONFLICT: status.HTTP_409_CONFLICT,
}


class QueueingApi(APIView):
    authentication_classes = [GuestTokenAuthentication, TokenAuthentication, ApiTokenAuthentication,
                              SessionAuthentication]
    permission_classes = [IsGuestOrStaff, scope_required(Scope.RESERVATIONS_MANAGE)]
    throttle_classes = [ApiTokenRateThrottle]

    def handle_exception(self, exc):
        if isinstance(exc, QueueingError):
            return Response({"code": exc.code, "detail": exc.detail}, status=ERROR_STATUS[exc.code])
        return super().handle_exception(exc)

    def caller_guest(self):
        return self.request.user.guest if isinstance(self.request.user, GuestPrincipal) else None

    def reservation(self, public_id) -> Reservation:
        """The caller's reservation: a guest's own, any for staff; 404 otherwise."""
        reservations = Reservation.objects.select_related("queue", "agent__user", "offered_agent")
        guest = self.caller_guest()
        if guest is not None:
            reservations = reservations.filter(guest=guest)
        reservation = reservations.filter(public_id=public_id).first()
        if reservation is None:
            raise NotFound("no such reservation")
        return reservation


class ReservationOutput(serializers.Serializer):
    """The schema of `reservation_representation`."""

    id = serializers.UUIDField()
    queue = serializers.CharField()
    status = serializers.ChoiceField(choices=Reservation.Status.choices)
    queue_position = serializers.IntegerField(allow_null=True)
    estimated_wait_until = serializers.DateTimeField(allow_null=True)
    agent = serializers.CharField(allow_null=True)
    expire_reason = serializers.CharField(allow_null=True)
    version = serializers.IntegerField()
    conversation = serializers.UUIDField()
    priority = serializers.IntegerField()
    created_at = serializers.DateTimeField()


class ReservationCreatedOutput(ReservationOutput):
    guest_token = serializers.CharField(
        required=False, help_text="Only when an integration booked: the new customer's token, for its widget."
    )


def reservation_representation(reservation: Reservation) -> dict:
    return {
        **reservation_payload(reservation),
        "queue_position": queue_position(reservation=reservation),
        "conversation": str(reservation.conversation_id),
        "priority": reservation.priority,
        "created_at": reservation.created_at.isoformat(),
    }


class ReservationCreateApi(QueueingApi):
    @extend_schema_serializer(component_name="ReservationCreateInput")
    class InputSerializer(serializers.Serializer):
        queue = serializers.SlugField()
        # Integrations only: a guest does not choose its own priority or name.
        priority = serializers.IntegerField(required=False, min_value=-1000, max_value=1000)
        display_name = serializers.CharField(required=False, max_length=100)

    @extend_schema(request=InputSerializer, responses={201: ReservationCreatedOutput, 200: ReservationCreatedOutput})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        guest = self.caller_guest()
        new_token = None
        if guest is not None:
            if "priority" in data.validated_data or "display_name" in data.validated_data:
                raise PermissionDenied("priority and display_name are set by integrations")
        else:
            # An integration books for a new customer and hands the token to its widget.
            with transaction.atomic():
                guest = guest_create()
                if data.validated_data.get("display_name"):
                    guest.display_name = data.validated_data["display_name"]
                    guest.save(update_fields=["display_name"])
            new_token = guest_token(guest)
        reservation, created = reservation_create(
            guest=guest, queue_name=data.validated_data["queue"], priority=data.validated_data.get("priority", 0)
        )
        body = reservation_representation(reservation)
        if new_token:
            body["guest_token"] = new_token
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class ReservationDetailApi(QueueingApi):
    @extend_schema(responses=ReservationOutput)
    def get(self, request, public_id):
        reservation = self.reservation(public_id)
        if self.caller_guest() is not None:
            # A customer asking about their place is a customer still there.
            reservation_seen(reservation=reservation)
        return Response(reservation_representation(reservation))


class ReservationSeenApi(QueueingApi):
    """The widget's "still here" signal (page visible, user active): resets the idle timeout."""

    @extend_schema(request=None, responses=ReservationOutput)
    def post(self, request, public_id):
        reservation = self.reservation(public_id)
        reservation_seen(reservation=reservation)
        return Response(reservation_representation(reservation))


class ReservationCancelApi(QueueingApi):
    @extend_schema(request=None, responses=ReservationOutput)
    def post(self, request, public_id):
        reservation = reservation_cancel(reservation=self.reservation(public_id))
        return Response(reservation_representation(reservation))


class ReservationRejoinApi(QueueingApi):
    @extend_schema(request=None, responses=ReservationOutput)
    def post(self, request, public_id):
        reservation = reservation_rejoin(reservation=self.reservation(public_id))
        return Response(reservation_representation(reservation))


class ReservationAcceptApi(QueueingApi):
    permission_classes = [IsStaff, scope_required(Scope.RESERVATIONS_MANAGE)]

    @extend_schema(request=None, responses=ReservationOutput)
    def post(self, request, public_id):
        reservation = offer_accept(reservation=self.reservation(public_id), user_id=request.user.pk)
        return Response(reservation_representation(reservation))


class ReservationCompleteApi(QueueingApi):
    permission_classes = [IsStaff, scope_required(Scope.RESERVATIONS_MANAGE)]

    @extend_schema(request=None, responses=ReservationOutput)
    def post(self, request, public_id):
        reservation = reservation_complete(reservation=self.reservation(public_id))
        return Response(reservation_representation(reservation))


class QueueListApi(QueueingApi):
    permission_classes = [IsGuestOrStaff, scope_required(Scope.QUEUES_READ)]

    @extend_schema_serializer(component_name="QueueOutput")
    class OutputSerializer(serializers.Serializer):
        name = serializers.CharField()
        display_name = serializers.CharField()
        waiting = serializers.IntegerField()
        longest_wait_seconds = serializers.FloatField(allow_null=True)
        agents_available = serializers.IntegerField()
        agents_busy = serializers.IntegerField()
        estimated_wait_seconds = serializers.FloatField(allow_null=True)

    @extend_schema(operation_id="queues_list", responses=OutputSerializer(many=True))
    def get(self, request):
        return Response([
            {
                "name": queue.name,
                "display_name": queue.display_name,
                "waiting": figures.waiting,
                "longest_wait_seconds": figures.longest_wait_seconds,
                "agents_available": figures.agents_available,
                "agents_busy": figures.agents_busy,
                "estimated_wait_seconds": new_arrival_estimate_seconds(figures=figures),
            }
            for queue, figures in queues_with_figures()
        ])


class AgentStatusApi(QueueingApi):
    """The calling agent's own status: available, away or offline."""

    permission_classes = [IsStaff, scope_required(Scope.AGENTS_MANAGE)]

    @extend_schema_serializer(component_name="AgentStatus")
    class InputSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=Agent.Status.choices)

    @extend_schema(request=InputSerializer, responses=InputSerializer)
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        agent = Agent.objects.filter(user=request.user).first()
        if agent is None:
            raise NotFound("you are not an agent")
        agent = agent_set_status(agent=agent, status=data.validated_data["status"])
        return Response({"status": agent.status})
