"""Messages a staff member wrote while the guests were away, N per seeded conversation.

    python -m bench.missed PER_CONVERSATION   (run with the server's environment)

Stored as the product stores them (numbered events after the conversation's
last seq); nobody is connected, so nothing is published. Prints the JSON map
conversation -> the seq the guest had seen before them.
"""
import json
import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contactcenter.settings")
django.setup()

from django.db import transaction  # noqa: E402
from django.db.models import F  # noqa: E402

from chat.models import Conversation, Event, Participant  # noqa: E402


def main(per_conversation: int) -> None:
    seen = {}
    with transaction.atomic():
        for conversation in Conversation.objects.all():
            staff = Participant.objects.get(conversation=conversation, kind=Participant.Kind.STAFF)
            seen[str(conversation.pk)] = conversation.last_seq
            Event.objects.bulk_create(
                Event(conversation=conversation, seq=conversation.last_seq + n, type=Event.Type.MESSAGE,
                      author=staff, body=f"missed {n}")
                for n in range(1, per_conversation + 1)
            )
        Conversation.objects.update(last_seq=F("last_seq") + per_conversation)
    json.dump(seen, sys.stdout)


if __name__ == "__main__":
    main(int(sys.argv[1]))
