"""The sockets of this process (seed 002): counters, limit, heartbeat, drain.

One instance per daphne process. Every socket is admitted and released here
exactly once (the consumer does both around its whole life, in a finally), so
the counters stay true on every close path: client close, server close,
heartbeat timeout, a TCP drop with no close frame, limit rejection, drain, and
a handler that crashed.
"""
import asyncio
import logging
import os
import socket

from channels.db import database_sync_to_async
from django.conf import settings

from chat import metrics
from chat.protocol import CloseCode
from chat.selectors import last_seqs
from chat.services.connections import connections_touch

logger = logging.getLogger(__name__)

SERVER_NAME = f"{socket.gethostname()}:{os.getpid()}"


class ProcessSockets:
    def __init__(self):
        self.total = 0
        self.open = 0
        self.consumers: dict[str, object] = {}
        self.draining = False
        self._heartbeat_task: asyncio.Task | None = None
        metrics.CONNECTIONS_OPEN.set_function(lambda: self.open)

    def admit(self, consumer) -> bool:
        """Count a new socket; False when it is over the limit or the process is draining."""
        self.total += 1
        self.open += 1
        metrics.CONNECTIONS_TOTAL.inc()
        self.consumers[consumer.connection_id] = consumer
        self._ensure_heartbeat()
        return self.open <= settings.CHAT_MAX_CONNECTIONS and not self.draining

    def release(self, consumer, close_code: int | None) -> None:
        if self.consumers.pop(consumer.connection_id, None) is not None:
            self.open -= 1
            metrics.CONNECTIONS_CLOSED.labels(code=str(close_code or "none")).inc()

    def _ensure_heartbeat(self) -> None:
        if self._heartbeat_task is None or self._heartbeat_task.done():
            self._heartbeat_task = asyncio.get_running_loop().create_task(self._heartbeat_loop())

    async def _heartbeat_loop(self) -> None:
        while True:
            await asyncio.sleep(settings.CHAT_HEARTBEAT_SECONDS)
            try:
                await self.heartbeat_tick()
            except Exception:
                logger.exception("heartbeat tick failed")

    async def heartbeat_tick(self) -> None:
        consumers = list(self.consumers.values())
        # One query for the newest seq of every subscribed conversation of the
        # process, not one per socket: those held the database thread that all
        # sockets share for up to 0.7 s a tick at 200 sockets (bench/chat_load.py).
        subscribed = {conversation_id for consumer in consumers for conversation_id in consumer.subscriptions}
        newest = await database_sync_to_async(last_seqs)(list(subscribed)) if subscribed else {}
        await asyncio.gather(*(consumer.heartbeat(newest) for consumer in consumers), return_exceptions=True)
        await database_sync_to_async(connections_touch)(server=SERVER_NAME)

    async def drain(self, timeout: float) -> None:
        """Close every socket with 3333 so clients reconnect elsewhere, then wait for them to go."""
        self.draining = True
        consumers = list(self.consumers.values())
        logger.info("draining %d sockets", len(consumers))
        await asyncio.gather(*(c.close_with(CloseCode.DRAIN) for c in consumers), return_exceptions=True)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.consumers and loop.time() < deadline:
            await asyncio.sleep(0.05)


process_sockets = ProcessSockets()
