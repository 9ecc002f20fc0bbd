"""The queueing app's beat schedule (contactcenter/beat_schedules.py says why by migration)."""
from django.db import migrations

from contactcenter.beat_schedules import schedules_operation

SCHEDULES = [
    # Positions change at once with every event; this catches the estimates,
    # which move with time and agent status.
    ("Refresh wait estimates", "queueing.tasks.refresh_wait_estimates", 10),
    # Idle timeouts are minutes long: 10 s late is within what anyone notices.
    ("Warn and expire quiet or overdue reservations", "queueing.tasks.expire_quiet_and_overdue_reservations", 10),
    # A sixth of the default 30 s offer timeout: a lapsed offer waits at most 5 s more.
    ("Return lapsed offers to the queue", "queueing.tasks.return_lapsed_offers", 5),
]


class Migration(migrations.Migration):
    dependencies = [
        ("queueing", "0002_reservation"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [schedules_operation(SCHEDULES)]
