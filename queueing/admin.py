from django.contrib import admin, messages
from django.db.models import Count, Q
from django.template.response import TemplateResponse
from django.urls import path

from queueing.errors import QueueingError
from queueing.models import Agent, Queue, Reservation
from queueing.services.reservations import reservation_cancel, reservation_requeue
from queueing.wallboard import wallboard_state


@admin.register(Queue)
class QueueAdmin(admin.ModelAdmin):
    list_display = ["name", "display_name", "waiting", "target_answer_seconds", "max_wait_seconds",
                    "idle_timeout_seconds"]
    prepopulated_fields = {"name": ["display_name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            waiting_count=Count("reservations", filter=Q(reservations__status__in=Reservation.WAITING))
        )

    @admin.display(ordering="waiting_count")
    def waiting(self, queue):
        return queue.waiting_count

    def get_urls(self):
        wallboard = path("wallboard/", self.admin_site.admin_view(self.wallboard_view), name="queueing_wallboard")
        return [wallboard, *super().get_urls()]

    def wallboard_view(self, request):
        """Every queue's live figures for supervisors, kept current over the staff
        socket (`wallboard.subscribe`), with a chart of the day."""
        return TemplateResponse(request, "admin/queueing/wallboard.html", {
            **self.admin_site.each_context(request),
            "title": "Wallboard",
            "state": wallboard_state(),
        })


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    list_display = ["user", "status", "load", "capacity", "last_offered_at"]
    list_filter = ["status", "queues"]
    filter_horizontal = ["queues"]
    readonly_fields = ["last_offered_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            load_count=Count("offers", filter=Q(offers__status__in=Reservation.HOLDING))
        )

    @admin.display(ordering="load_count", description="chats held (offered or matched)")
    def load(self, agent):
        return agent.load_count


@admin.register(Reservation)
class ReservationAdmin(admin.ModelAdmin):
    list_display = ["public_id", "queue", "guest", "status", "priority", "published_position", "offered_agent",
                    "agent", "created_at", "matched_at", "expire_reason"]
    list_filter = ["queue", "status", "expire_reason"]
    search_fields = ["public_id", "guest__display_name"]
    ordering = ["-created_at"]
    list_select_related = ["queue", "guest", "offered_agent__user", "agent__user"]
    # State changes go through the actions (the services), never a form save,
    # so every change is published and the routing rules hold.
    readonly_fields = [field.name for field in Reservation._meta.fields]
    actions = ["cancel", "requeue"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Cancel the selected reservations")
    def cancel(self, request, queryset):
        self._apply(request, queryset, reservation_cancel, "canceled")

    @admin.action(description="Put the selected reservations back in line at their original place")
    def requeue(self, request, queryset):
        self._apply(request, queryset, reservation_requeue, "put back in line")

    def _apply(self, request, queryset, service, done: str):
        succeeded = 0
        for reservation in queryset:
            try:
                service(reservation=reservation)
                succeeded += 1
            except QueueingError as error:
                self.message_user(request, f"{reservation}: {error.detail}", messages.WARNING)
        if succeeded:
            self.message_user(request, f"{succeeded} reservation(s) {done}.", messages.SUCCESS)
