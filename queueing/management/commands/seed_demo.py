"""Demo data for a first run: a queue, a staff agent, a superuser and FAQ entries for the bot.

Idempotent: it creates only what is missing and prints a password only when it
creates the account, so the credentials appear once.
"""
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand

from chat.models import FaqEntry
from queueing.models import Agent, Queue

FAQ = [
    ("What are your opening hours?", "We are open Monday to Friday, 8:00 to 18:00, and Saturday 9:00 to 13:00.",
     "hours, open, opening, closed, time, weekend"),
    ("How do I reset my password?", "Use 'Forgot password' on the sign-in page: we email you a link that works for one hour.",
     "password, reset, forgot, login, sign in, locked"),
    ("How long does delivery take?", "Orders ship within one working day and arrive in 2 to 4 working days.",
     "delivery, shipping, ship, arrive, order, parcel"),
    ("How do I return an item?", "You can return any item within 30 days from your account page: the return label is free.",
     "return, refund, exchange, send back"),
]


# What a staff agent works with in the admin: conversations (the console, the
# list and its actions), the bot's FAQ, and the survey results.
AGENT_PERMISSIONS = [
    ("chat", "view_conversation"), ("chat", "change_conversation"),
    ("chat", "view_faqentry"), ("chat", "add_faqentry"), ("chat", "change_faqentry"),
    ("surveys", "view_survey"), ("surveys", "view_invitation"),
]


def agents_group() -> Group:
    group, _ = Group.objects.get_or_create(name="Agents")
    for app_label, codename in AGENT_PERMISSIONS:
        group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return group


class Command(BaseCommand):
    help = "Create the demo queue, staff agent and superuser if they do not exist."

    def handle(self, *args, **options):
        queue, _ = Queue.objects.get_or_create(name="support", defaults={"display_name": "Customer support"})
        Queue.objects.get_or_create(name="tier-2", defaults={"display_name": "Second-tier support"})
        if not FaqEntry.objects.exists():
            FaqEntry.objects.bulk_create(FaqEntry(question=q, answer=a, keywords=k) for q, a, k in FAQ)
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
            agent_user.groups.add(agents_group())
            self.stdout.write(self.style.SUCCESS(f"Staff agent created: agent / {password}  (shown once)"))
