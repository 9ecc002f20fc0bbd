"""The chat app's beat schedule, in the database so staff can edit it in the admin.

Created once by migration (not from settings at every beat start), so an edit
made in the admin is not overwritten.
"""
from django.db import migrations

SCHEDULES = [
    # Rows of a process that died without closing them; three heartbeats stale.
    ("Close stale socket registry rows", "chat.tasks.sweep_stale_connections", 60),
    # CHAT_IDLE_END_SECONDS is minutes; a minute's lateness is unnoticeable.
    ("End idle chats", "chat.tasks.end_idle_conversations", 60),
]


def create_schedules(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, seconds in SCHEDULES:
        interval, _ = IntervalSchedule.objects.get_or_create(every=seconds, period="seconds")
        PeriodicTask.objects.get_or_create(name=name, defaults={"task": task, "interval": interval})


def delete_schedules(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[name for name, _, _ in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(create_schedules, delete_schedules)]
