"""The bot's turn after each guest message while the conversation is with the bot."""
from django.conf import settings
from django.db import transaction

from chat.bot import responder
from chat.models import Conversation, Event, Participant
from chat.services.events import event_record

ESCALATION_OFFER = "I can connect you with a person from our team. Would you like that?"
NOT_SURE = "I'm not sure I understood. Could you put it another way? You can also ask for a person."


def bot_participant(conversation: Conversation) -> Participant:
    participant, _ = Participant.objects.get_or_create(
        conversation=conversation, kind=Participant.Kind.BOT, defaults={"display_name": settings.CHAT_BOT_NAME}
    )
    return participant


def bot_reply(*, conversation_id, message_seq: int) -> dict | None:
    """Answer one guest message (the answer's payload); a second call for the same message does nothing."""
    question = Event.objects.filter(conversation_id=conversation_id, seq=message_seq).values_list("body", flat=True).first()
    if question is None:
        return None
    # Outside any transaction: a responder may be slow (a language model) and
    # must not hold the database's write lock while it thinks.
    answer = responder().answer(question=question)
    with transaction.atomic():
        conversation = Conversation.objects.get(pk=conversation_id)
        if conversation.status != Conversation.Status.BOT:
            return None  # escalated or ended meanwhile
        bot = bot_participant(conversation)
        reply_id = f"reply-to-{message_seq}"
        if Event.objects.filter(conversation=conversation, author=bot, client_msg_id=reply_id).exists():
            return None
        previous = Event.objects.filter(conversation=conversation, author=bot).order_by("-seq").first()
        confident = answer.confidence >= settings.CHAT_BOT_MIN_CONFIDENCE
        if answer.wants_person or (not confident and previous is not None and previous.data.get("unsure")):
            body, data = ESCALATION_OFFER, {"offer": "escalation"}
        elif confident:
            body, data = answer.text, {"confidence": answer.confidence, **answer.data}
        else:
            body, data = NOT_SURE, {"unsure": True, "confidence": answer.confidence}
        return event_record(conversation=conversation, type=Event.Type.MESSAGE, author=bot, body=body, data=data,
                            client_msg_id=reply_id)
