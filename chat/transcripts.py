"""A conversation's transcript: the same lines for the API (JSON, text, CSV),
the widget's download and the admin's change page."""
import csv
import io

from chat.models import Conversation, Event

DESCRIBED = {
    Event.Type.PARTICIPANT_JOINED: lambda e: f"{e.data.get('name', 'Someone')} joined the chat",
    Event.Type.PARTICIPANT_LEFT: lambda e: f"{e.data.get('name', 'Someone')} left the chat",
    Event.Type.ESCALATED: lambda e: f"Sent to the queue {e.data.get('queue', '')}",
    Event.Type.CHAT_ENDED: lambda e: f"Chat ended ({e.data.get('reason') or e.data.get('ended_by', '')})",
}


def transcript_lines(conversation: Conversation) -> list[dict]:
    lines = []
    for event in conversation.events.select_related("author").order_by("seq"):
        if event.type == Event.Type.MESSAGE:
            text = event.body
        elif event.type in DESCRIBED:
            text = DESCRIBED[event.type](event)
        else:
            continue  # survey offers and the like are not part of what was said
        lines.append({
            "seq": event.seq,
            "at": event.created_at.isoformat(),
            "kind": event.kind,
            "author": event.author.display_name if event.author else "System",
            "text": text,
        })
    return lines


def transcript_text(conversation: Conversation) -> str:
    header = f"Conversation {conversation.pk}\nStarted {conversation.created_at.isoformat()}\n\n"
    return header + "".join(f"[{line['at'][:19].replace('T', ' ')}] {line['author']}: {line['text']}\n"
                            for line in transcript_lines(conversation))


def transcript_csv(conversation: Conversation) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=["seq", "at", "kind", "author", "text"])
    writer.writeheader()
    writer.writerows(transcript_lines(conversation))
    return buffer.getvalue()
