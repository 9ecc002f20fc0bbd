from django.contrib import admin

from chat.models import Connection, Conversation, Event, Guest, Participant


class ParticipantInline(admin.TabularInline):
    model = Participant
    extra = 0
    fields = ["kind", "display_name", "joined_at", "left_at", "last_read_seq"]
    readonly_fields = fields
    can_delete = False


class EventInline(admin.TabularInline):
    model = Event
    extra = 0
    fields = ["seq", "type", "author", "body", "created_at"]
    readonly_fields = fields
    can_delete = False
    ordering = ["seq"]


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ["id", "guest", "queue", "status", "last_seq", "created_at", "ended_at"]
    list_filter = ["status", "queue", "created_at"]
    search_fields = ["id", "guest__display_name", "events__body"]
    readonly_fields = ["id", "guest", "last_seq", "created_at", "ended_at"]
    inlines = [ParticipantInline, EventInline]


@admin.register(Guest)
class GuestAdmin(admin.ModelAdmin):
    list_display = ["id", "display_name", "created_at"]
    search_fields = ["id", "display_name"]


@admin.register(Connection)
class ConnectionAdmin(admin.ModelAdmin):
    list_display = ["id", "guest", "user", "server", "remote_addr", "opened_at", "last_seen_at", "closed_at", "close_code"]
    list_filter = ["server", "closed_at"]
    readonly_fields = [f.name for f in Connection._meta.fields]
