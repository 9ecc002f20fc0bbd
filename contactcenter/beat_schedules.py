"""Beat schedules created by migration, so staff can edit them in the admin.

Created once (not from settings at every beat start), so an edit made in the
admin is not overwritten. Each app's migration names its own schedules:

    operations = [schedules_operation([("Name shown in the admin", "app.tasks.task", every_seconds)])]
"""
from django.db import migrations


def schedules_operation(schedules: list[tuple[str, str, int]]) -> migrations.RunPython:
    def create(apps, schema_editor):
        IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
        PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
        for name, task, seconds in schedules:
            interval, _ = IntervalSchedule.objects.get_or_create(every=seconds, period="seconds")
            PeriodicTask.objects.get_or_create(name=name, defaults={"task": task, "interval": interval})

    def delete(apps, schema_editor):
        names = [name for name, _, _ in schedules]
        apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=names).delete()

    return migrations.RunPython(create, delete)
