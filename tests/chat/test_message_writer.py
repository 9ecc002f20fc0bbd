"""How the message writer paces its batches (chat.message_writer): while
messages keep coming, a batch starts at most every LINGER_SECONDS, counted from
the start of the batch before, so a slow batch is followed at once."""
import asyncio
import statistics
import time

import pytest

from chat import message_writer as writer_module
from chat.message_writer import LINGER_SECONDS, MessageWriter

# Nothing here is stored, but the database thread checks its connection before
# and after each batch, and after other tests it has one.
pytestmark = pytest.mark.django_db


def batch_starts_while_sending(monkeypatch, batch_seconds: float) -> list[float]:
    starts = []

    def store(drafts):
        starts.append(time.monotonic())
        time.sleep(batch_seconds)
        return [({"seq": 1}, False)] * len(drafts)

    monkeypatch.setattr(writer_module, "messages_send", store)

    async def send_steadily():
        writer = MessageWriter()
        sends = []
        for _ in range(300):  # a message every half millisecond or so, for 150 ms or more
            sends.append(asyncio.create_task(writer.send(object())))
            await asyncio.sleep(0.0005)
        await asyncio.gather(*sends)

    asyncio.run(send_steadily())
    return [later - earlier for earlier, later in zip(starts, starts[1:])]


def test_quick_batches_start_a_linger_apart(monkeypatch):
    gaps = batch_starts_while_sending(monkeypatch, batch_seconds=0.003)
    assert gaps and min(gaps) >= LINGER_SECONDS * 0.9


def test_a_batch_slower_than_the_linger_is_followed_at_once(monkeypatch):
    gaps = batch_starts_while_sending(monkeypatch, batch_seconds=LINGER_SECONDS * 2)
    # A pause of a whole linger after each would make it three lingers.
    assert gaps and statistics.median(gaps) < LINGER_SECONDS * 2.5
