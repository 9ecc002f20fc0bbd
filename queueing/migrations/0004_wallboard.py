"""The wallboard: minute snapshots of each queue for the chart of the day, and
the beat schedule of the task that writes them and pushes live figures (in the
database, created once, so an edit made in the admin is not overwritten)."""
import django.db.models.deletion
from django.db import migrations, models

from contactcenter.beat_schedules import schedules_operation

# Supervisors watch the wallboard for the queue to move: 5 s is live enough,
# and the figures are computed once per tick for every open wallboard.
SCHEDULE = ("Publish the wallboard", "queueing.tasks.publish_wallboard", 5)


class Migration(migrations.Migration):

    dependencies = [
        ("queueing", "0003_periodic_tasks"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.CreateModel(
            name="QueueSnapshot",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("taken_at", models.DateTimeField(db_index=True)),
                ("waiting", models.PositiveIntegerField()),
                ("longest_wait_seconds", models.FloatField(null=True)),
                ("service_level", models.FloatField(null=True)),
                ("queue", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="snapshots",
                                            to="queueing.queue")),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("queue", "taken_at"),
                                                        name="one_snapshot_per_queue_and_minute")],
            },
        ),
        schedules_operation([SCHEDULE]),
    ]
