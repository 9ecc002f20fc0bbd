from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html_join

from chat.models import Connection, Conversation, FaqEntry, Guest, Participant
from chat.access import Actor
from chat.protocol import ActionError
from chat.services.ending import conversation_end
from chat.services.escalation import conversation_escalate
from chat.transcripts import transcript_lines
from queueing.models import Agent, Queue


class ParticipantInline(admin.TabularInline):
    model = Participant
    extra = 0
    fields = ["kind", "display_name", "joined_at", "left_at", "last_read_seq"]
    readonly_fields = fields
    can_delete = False


@admin.action(description="End the selected chats")
def end_chats(modeladmin, request, queryset):
    for conversation_id in queryset.exclude(status=Conversation.Status.ENDED).values_list("pk", flat=True):
        conversation_end(conversation_id=conversation_id, ended_by="staff", user_id=request.user.pk,
                         reason="ended from the admin")
    messages.success(request, "The selected chats are ended.")


def escalate_to(queue: Queue):
    def escalate(modeladmin, request, queryset):
        actor = Actor(kind=Participant.Kind.STAFF, user_id=request.user.pk)
        for conversation_id in queryset.exclude(status=Conversation.Status.ENDED).values_list("pk", flat=True):
            try:
                conversation_escalate(actor=actor, conversation_id=conversation_id, queue_name=queue.name)
            except ActionError as error:
                messages.error(request, f"{conversation_id}: {error.detail}")
        messages.success(request, f"The selected chats are in line for {queue.display_name}.")

    escalate.short_description = f"Escalate the selected chats to {queue.display_name}"
    return f"escalate_to_{queue.name}", escalate


class AgentFilter(admin.SimpleListFilter):
    title = "agent"
    parameter_name = "agent"

    def lookups(self, request, model_admin):
        return [(agent.user_id, str(agent)) for agent in Agent.objects.select_related("user")]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(participants__user_id=self.value(), participants__kind=Participant.Kind.STAFF)
        return queryset


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ["id", "guest", "queue", "status", "last_seq", "created_at", "ended_at"]
    list_filter = ["status", "queue", AgentFilter, "created_at"]
    search_fields = ["id", "guest__display_name", "events__body"]
    readonly_fields = ["id", "guest", "queue", "status", "last_seq", "created_at", "last_activity_at", "ended_at",
                       "ended_by", "ended_by_user", "end_reason", "transcript"]
    inlines = [ParticipantInline]
    actions = [end_chats]
    change_form_template = "admin/chat/conversation/change_form.html"

    def get_actions(self, request):
        # One escalation per queue, so the target needs no extra form.
        actions = super().get_actions(request)
        for queue in Queue.objects.order_by("display_name"):
            name, function = escalate_to(queue)
            actions[name] = (function, name, function.short_description)
        return actions

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "queues": Queue.objects.order_by("display_name")}
        return super().change_view(request, object_id, form_url, extra_context)

    def transcript(self, conversation):
        return format_html_join(
            "\n", "<p><small>{}</small> <strong>{}</strong>: {}</p>",
            ((line["at"][11:19], line["author"], line["text"]) for line in transcript_lines(conversation)),
        )

    def get_urls(self):
        console = path("console/", self.admin_site.admin_view(self.console_view), name="chat_console")
        return [console, *super().get_urls()]

    def console_view(self, request):
        """The staff console: offers, the agent's chats and a live chat panel over the staff socket."""
        return TemplateResponse(request, "admin/chat/console.html", {
            **self.admin_site.each_context(request),
            "title": "Staff console",
            "agent": Agent.objects.filter(user=request.user).first(),
            "queues": Queue.objects.order_by("display_name"),
        })

    def has_add_permission(self, request):
        return False  # conversations start from the widget


@admin.register(FaqEntry)
class FaqEntryAdmin(admin.ModelAdmin):
    list_display = ["question", "keywords", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["question", "answer", "keywords"]


@admin.register(Guest)
class GuestAdmin(admin.ModelAdmin):
    list_display = ["id", "display_name", "created_at"]
    search_fields = ["id", "display_name"]


@admin.register(Connection)
class ConnectionAdmin(admin.ModelAdmin):
    list_display = ["id", "guest", "user", "server", "remote_addr", "opened_at", "last_seen_at", "closed_at", "close_code"]
    list_filter = ["server", "closed_at"]
    readonly_fields = [f.name for f in Connection._meta.fields]
