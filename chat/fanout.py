"""Fan-out of conversation events and signals to the sockets following them.

Through the channel layer alone, every event cost one group_send (a Redis
round trip) and then one receive and dispatch per subscribed socket, all on
the one event loop of the process (docs/benchmarks.md). Here a daphne process
hands events to its own sockets in memory, and the layer carries them only
between processes: a conversation's layer group holds one channel per process
whose sockets follow it, not one per socket, and a process that knows of no
other process following the conversation does not use the layer at all.

Processes learn of each other through the group itself: one that starts
following a conversation says `joined` to the group, the others answer
`here`, and one that stops says `left`. Until the answers can have come, the
newcomer sends through the layer anyway. An event that still races these
(sent by an old follower just before it heard `joined`) is missed like any
dropped fan-out: the socket sees a gap at the next event, or the heartbeat
finds it, and reads what it missed from the database
(chat.consumers.ChatConsumer._advance).

Publishing from anywhere else (a Celery worker, a test, a loop that follows
nothing) goes to the group through the layer, which reaches every process
following it.
"""
import asyncio
import logging
from collections import deque

from channels.consumer import get_handler_name
from channels.layers import get_channel_layer

from chat.loops import per_event_loop

logger = logging.getLogger(__name__)

JOINED, HERE, LEFT = "fanout.joined", "fanout.here", "fanout.left"
# After a failed read from the layer (Redis gone), before the next try.
READ_RETRY_SECONDS = 1.0
# How long a process that has just started following a conversation sends
# through the layer without knowing who else follows it: `here` answers take
# milliseconds; this is for a slow layer.
DISCOVERY_SECONDS = 2.0


class ProcessFanout:
    def __init__(self):
        self.layer = get_channel_layer()
        self.channel: str | None = None
        self.local: dict[str, set] = {}  # group -> consumers of this process following it
        self.remote: dict[str, set[str]] = {}  # group -> channels of other processes following it
        self.discovering_until: dict[str, float] = {}  # group -> loop time its `here` answers are in
        self._started = asyncio.Lock()
        self.outbox: deque[tuple[str, dict]] = deque()
        self.publishing = False
        # The loop keeps only weak references to its tasks.
        self._tasks: set[asyncio.Task] = set()

    async def join(self, group: str, consumer) -> None:
        await self._start()
        followers = self.local.setdefault(group, set())
        first = not followers
        followers.add(consumer)
        if first:
            self.discovering_until[group] = asyncio.get_running_loop().time() + DISCOVERY_SECONDS
            await self.layer.group_add(group, self.channel)
            await self.layer.group_send(group, {"type": JOINED, "group": group, "origin": self.channel})

    async def leave(self, group: str, consumer) -> None:
        followers = self.local.get(group)
        if not followers or consumer not in followers:
            return
        followers.discard(consumer)
        if followers:
            return
        del self.local[group]
        self.remote.pop(group, None)
        self.discovering_until.pop(group, None)
        await self.layer.group_discard(group, self.channel)
        await self.layer.group_send(group, {"type": LEFT, "group": group, "origin": self.channel})

    def publish_soon(self, messages: list[tuple[str, dict]]) -> None:
        """Publish after everything handed over before, in order: one task per
        hand-over would let a later batch overtake an earlier one at a busy
        socket, and the socket would read the gap back from the database."""
        self.outbox.extend(messages)
        if not self.publishing:
            self.publishing = True
            self._run(self._publish_outbox())

    async def _publish_outbox(self) -> None:
        try:
            while self.outbox:
                group, message = self.outbox.popleft()
                try:
                    await self.publish(group, message)
                except Exception:
                    logger.exception("publishing %s to %s failed", message.get("type"), group)
        finally:
            self.publishing = False

    async def publish(self, group: str, message: dict) -> None:
        message = {**message, "group": group, "origin": self.channel}
        if group not in self.local:
            await self.layer.group_send(group, message)
            return
        await self._deliver(group, message)
        if self._discovering(group):
            await self.layer.group_send(group, message)
            return
        # Straight to the processes known to follow it: a group_send would also
        # bring the event back to this process, through Redis, to be dropped.
        for channel in self.remote.get(group, ()):
            await self.layer.send(channel, message)

    def _run(self, coroutine) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _discovering(self, group: str) -> bool:
        until = self.discovering_until.get(group)
        if until is None:
            return False
        if asyncio.get_running_loop().time() < until:
            return True
        del self.discovering_until[group]
        return False

    async def _start(self) -> None:
        async with self._started:
            if self.channel is None:
                # The default "specific" prefix: channels-redis reads all specific channels of a
                # process from one Redis list, under one lock; a second prefix would wait behind it.
                self.channel = await self.layer.new_channel()
                self._run(self._read())

    async def _read(self) -> None:
        while True:
            try:
                message = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.warning("reading fan-out from the channel layer failed; retrying", exc_info=True)
                await asyncio.sleep(READ_RETRY_SECONDS)
                continue
            try:
                await self._receive(message)
            except Exception:
                logger.exception("fan-out of %s failed", message.get("type"))

    async def _receive(self, message: dict) -> None:
        group, origin = message.get("group"), message.get("origin")
        if origin == self.channel or group not in self.local:
            return
        kind = message["type"]
        if kind == JOINED:
            self.remote.setdefault(group, set()).add(origin)
            await self.layer.send(origin, {"type": HERE, "group": group, "origin": self.channel})
        elif kind == HERE:
            self.remote.setdefault(group, set()).add(origin)
        elif kind == LEFT:
            self.remote.get(group, set()).discard(origin)
        else:
            await self._deliver(group, message)

    async def _deliver(self, group: str, message: dict) -> None:
        handler_name = get_handler_name(message)
        for consumer in list(self.local.get(group, ())):
            try:
                await getattr(consumer, handler_name)(message)
            except Exception:
                logger.exception("delivery of %s to %s failed", message["type"], getattr(consumer, "connection_id", "?"))


process_fanout = per_event_loop(ProcessFanout)
