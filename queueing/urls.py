from django.urls import path

from queueing import api
from queueing.sse import reservation_events

urlpatterns = [
    path("api/v1/reservations/", api.ReservationCreateApi.as_view(), name="reservation-create"),
    path("api/v1/reservations/<uuid:public_id>/", api.ReservationDetailApi.as_view(), name="reservation-detail"),
    path("api/v1/reservations/<uuid:public_id>/seen/", api.ReservationSeenApi.as_view(), name="reservation-seen"),
    path("api/v1/reservations/<uuid:public_id>/cancel/", api.ReservationCancelApi.as_view(),
         name="reservation-cancel"),
    path("api/v1/reservations/<uuid:public_id>/rejoin/", api.ReservationRejoinApi.as_view(),
         name="reservation-rejoin"),
    path("api/v1/reservations/<uuid:public_id>/accept/", api.ReservationAcceptApi.as_view(),
         name="reservation-accept"),
    path("api/v1/reservations/<uuid:public_id>/complete/", api.ReservationCompleteApi.as_view(),
         name="reservation-complete"),
    path("api/v1/queues/", api.QueueListApi.as_view(), name="queue-list"),
    path("api/v1/agents/me/status/", api.AgentStatusApi.as_view(), name="agent-status"),
    path("events/reservations/<uuid:public_id>/", reservation_events, name="reservation-events"),
]
