"""The queueing app's beat schedule, in the database so staff can edit it in the admin.

Created once by migration (not from settings at every beat start), so an edit
made in the admin is not overwritten.
"""
from django.db import migrations

SCHEDULES = [
    # Positions change at once with every event; this catches the estimates,
    # which move with time and agent status.
    ("Refresh wait estimates", "queueing.tasks.refresh_wait_estimates", 10),
    # Idle timeouts are minutes long: 10 s late is within what anyone notices.
    ("Warn and expire quiet or overdue reservations", "queueing.tasks.expire_quiet_and_overdue_reservations", 10),
    # A sixth of the default 30 s offer timeout: a lapsed offer waits at most 5 s more.
    ("Return lapsed offers to the queue", "queueing.tasks.return_lapsed_offers", 5),
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
        ("queueing", "0002_reservation"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(create_schedules, delete_schedules)]
