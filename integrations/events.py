"""The catalogue of webhook events: the names integrations subscribe to, and
which of chat's stored events they come from."""
from enum import StrEnum


class WebhookEvent(StrEnum):
    # A customer opened a chat (payload: conversation, guest, queue, status, created_at).
    CONVERSATION_CREATED = "conversation.created"
    # A message was stored (payload: the chat event, as the sockets get it).
    MESSAGE_CREATED = "message.created"
    # The customer asked for a person: the conversation waits in a queue (the chat event).
    CONVERSATION_ESCALATED = "conversation.escalated"
    # The chat was ended by the customer, staff or the idle time-out (the chat event).
    CONVERSATION_ENDED = "conversation.ended"
    # A customer's place in a queue changed (payload: the reservation, as the widget sees it).
    RESERVATION_UPDATED = "reservation.updated"
    # A post-chat survey was answered (payload: the invitation and its answers).
    SURVEY_COMPLETED = "survey.completed"


# chat.models.Event.Type → webhook event. Joins and survey offers are internal
# to the conversation and are not published.
CHAT_EVENT_WEBHOOKS = {
    "message.new": WebhookEvent.MESSAGE_CREATED,
    "conversation.escalated": WebhookEvent.CONVERSATION_ESCALATED,
    "chat.ended": WebhookEvent.CONVERSATION_ENDED,
}
