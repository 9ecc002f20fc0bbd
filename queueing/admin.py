from django.contrib import admin

from queueing.models import Agent, Queue


@admin.register(Queue)
class QueueAdmin(admin.ModelAdmin):
    list_display = ["name", "display_name", "target_answer_seconds", "max_wait_seconds", "idle_timeout_seconds"]
    prepopulated_fields = {"name": ["display_name"]}


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    list_display = ["user", "status", "capacity"]
    list_filter = ["status", "queues"]
    filter_horizontal = ["queues"]
