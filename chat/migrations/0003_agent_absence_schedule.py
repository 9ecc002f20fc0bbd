from django.db import migrations

NAME = "Release agents whose console is gone"


def create_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    # A quarter of the 60 s grace period: a chat waits at most 75 s for its agent.
    interval, _ = IntervalSchedule.objects.get_or_create(every=15, period="seconds")
    PeriodicTask.objects.get_or_create(name=NAME, defaults={"task": "chat.tasks.release_absent_agents",
                                                            "interval": interval})


def delete_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("chat", "0002_periodic_tasks")]
    operations = [migrations.RunPython(create_schedule, delete_schedule)]
