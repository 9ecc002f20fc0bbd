from celery import shared_task

from chat.services.absence import absent_agents_release
from chat.services.bot import bot_reply
from chat.services.connections import connections_sweep
from chat.services.ending import idle_conversations_end


@shared_task
def sweep_stale_connections() -> int:
    return connections_sweep()


@shared_task
def bot_reply_task(conversation_id: str, message_seq: int) -> None:
    bot_reply(conversation_id=conversation_id, message_seq=message_seq)


@shared_task
def end_idle_conversations() -> int:
    return idle_conversations_end()


@shared_task
def release_absent_agents() -> int:
    return absent_agents_release()
