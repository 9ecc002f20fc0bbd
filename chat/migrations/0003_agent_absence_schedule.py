from django.db import migrations

from contactcenter.beat_schedules import schedules_operation

# A quarter of the 60 s grace period: a chat waits at most 75 s for its agent.
SCHEDULES = [("Release agents whose console is gone", "chat.tasks.release_absent_agents", 15)]


class Migration(migrations.Migration):
    dependencies = [("chat", "0002_periodic_tasks")]
    operations = [schedules_operation(SCHEDULES)]
