"""Demo data for a first run: a queue, a staff agent and a superuser.

Idempotent: it creates only what is missing and prints a password only when it
creates the account, so the credentials appear once.
"""
import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from queueing.models import Agent, Queue


class Command(BaseCommand):
    help = "Create the demo queue, staff agent and superuser if they do not exist."

    def handle(self, *args, **options):
        queue, _ = Queue.objects.get_or_create(name="support", defaults={"display_name": "Customer support"})
        users = get_user_model().objects
        if not users.filter(is_superuser=True).exists():
            password = secrets.token_urlsafe(12)
            users.create_superuser("admin", "admin@example.com", password)
            self.stdout.write(self.style.SUCCESS(f"Superuser created: admin / {password}  (shown once)"))
        if not users.filter(username="agent").exists():
            password = secrets.token_urlsafe(12)
            agent_user = users.create_user("agent", "agent@example.com", password, is_staff=True,
                                           first_name="Alex", last_name="Agent")
            Agent.objects.create(user=agent_user).queues.add(queue)
            self.stdout.write(self.style.SUCCESS(f"Staff agent created: agent / {password}  (shown once)"))
