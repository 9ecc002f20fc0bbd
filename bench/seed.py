"""One-to-one conversations for the load, made with the product's own services.

    python -m bench.seed ROOMS   (run by bench.servers with the server's environment)

Each room is a new guest whose conversation in the default queue is assigned
to a staff member of its own: an active chat with a person on each end, the
path every message of a human conversation takes. Prints JSON, one object per
room: guest_token, conversation, staff_cookie.
"""
import json
import os
import secrets
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contactcenter.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import transaction  # noqa: E402
from django.test import Client  # noqa: E402

from chat.services.conversations import conversation_assign, conversation_start  # noqa: E402
from chat.services.guests import guest_create, guest_token  # noqa: E402
from queueing.models import Agent, Queue  # noqa: E402


def seed_room(index: int, queue: Queue) -> dict:
    # No password: force_login below skips the deliberately slow password hash.
    # Random suffix: a benchmark may seed rooms more than once in one database.
    user = get_user_model().objects.create_user(f"bench-agent-{index}-{secrets.token_hex(4)}", is_staff=True)
    Agent.objects.create(user=user).queues.add(queue)
    guest = guest_create()
    conversation = conversation_start(guest_id=guest.id, queue_name=queue.name)
    with transaction.atomic():
        conversation_assign(conversation=conversation, user_id=user.id)
    browser = Client()
    browser.force_login(user)
    return {
        "guest_token": guest_token(guest),
        "conversation": str(conversation.pk),
        "staff_cookie": f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}",
    }


def main(rooms: int) -> None:
    queue, _ = Queue.objects.get_or_create(name=settings.CHAT_DEFAULT_QUEUE, defaults={"display_name": "Support"})
    json.dump([seed_room(index, queue) for index in range(rooms)], sys.stdout)


if __name__ == "__main__":
    main(int(sys.argv[1]))
