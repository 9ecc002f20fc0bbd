"""Group commit for message.send: the messages of a process's sockets that
arrive while the database thread is busy are stored together.

Every socket of a daphne process shares one database thread
(`database_sync_to_async`), so one transaction per message made that thread
the first limit of chat throughput. Here the first message goes to the thread
at once; whatever arrives while it is being stored goes next, together, in one
transaction (`chat.services.messages.messages_send`). While messages keep
coming, a batch starts at most every LINGER_SECONDS. A batch costs about 1.4 ms
of the database thread plus 0.1 ms a message: without the linger, a loaded
process stored batches of one or two back to back, and the database thread took
half of the interpreter's time from the sockets.
"""
import asyncio

from channels.db import database_sync_to_async

from chat.loops import per_event_loop
from chat.services.messages import MessageDraft, messages_send

# A bound on how long one transaction holds SQLite's single writer lock.
MAX_BATCH = 200
# The shortest time from one batch's start to the next one's while messages keep
# coming; measured in bench/chat_load.py (docs/benchmarks.md).
LINGER_SECONDS = 0.015


class MessageWriter:
    def __init__(self):
        self.waiting: list[tuple[MessageDraft, asyncio.Future]] = []
        self.flushing = False

    async def send(self, draft: MessageDraft) -> tuple[dict, bool]:
        """Store one message; its payload and whether it was a retry, or the draft's ActionError."""
        future = asyncio.get_running_loop().create_future()
        self.waiting.append((draft, future))
        if not self.flushing:
            self.flushing = True
            asyncio.get_running_loop().create_task(self._flush())
        return await future

    async def _flush(self) -> None:
        try:
            loop = asyncio.get_running_loop()
            busy, started = False, loop.time()
            while self.waiting:
                if busy and len(self.waiting) < MAX_BATCH:
                    # Counted from the start of the batch before, not its end: a
                    # loaded process, whose batches take longer, waits less; a pause
                    # of a whole linger after every batch added it to every message
                    # (at 4,400 msg/s, p99 206 and 332 ms in two runs, against 104
                    # and 190 counted from the start; bench: chat).
                    await asyncio.sleep(started + LINGER_SECONDS - loop.time())
                started = loop.time()
                batch, self.waiting = self.waiting[:MAX_BATCH], self.waiting[MAX_BATCH:]
                try:
                    results = await database_sync_to_async(messages_send)([draft for draft, _ in batch])
                except Exception as error:
                    results = [error] * len(batch)
                for (_, future), result in zip(batch, results):
                    # Done already when the request timed out and stopped waiting.
                    if future.done():
                        continue
                    if isinstance(result, Exception):
                        future.set_exception(result)
                    else:
                        future.set_result(result)
                # More came in while this batch was stored: waiting a little for
                # the next ones costs less than storing them one or two at a time.
                busy = bool(self.waiting)
        finally:
            self.flushing = False


message_writer = per_event_loop(MessageWriter)
