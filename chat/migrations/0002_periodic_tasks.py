"""The chat app's beat schedule (contactcenter/beat_schedules.py says why by migration)."""
from django.db import migrations

from contactcenter.beat_schedules import schedules_operation

SCHEDULES = [
    # Rows of a process that died without closing them; three heartbeats stale.
    ("Close stale socket registry rows", "chat.tasks.sweep_stale_connections", 60),
    # CHAT_IDLE_END_SECONDS is minutes; a minute's lateness is unnoticeable.
    ("End idle chats", "chat.tasks.end_idle_conversations", 60),
]


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [schedules_operation(SCHEDULES)]
