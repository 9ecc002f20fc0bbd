"""The answer to message.send carries the sender's own message.new only where
the socket's stream is due it (chat.consumers.ChatConsumer._answer_with_event):
nothing overtakes it, nothing is skipped, nothing comes twice."""
import asyncio
import json

from chat.consumers import AnswerWithEvent, GuestConsumer

CONVERSATION = "0b7e6e1c-6a36-4c4e-9d1e-6f0c1d2b3a40"


def event(seq: int) -> dict:
    return {"conversation": CONVERSATION, "seq": seq, "type": "message.new", "body": f"message {seq}"}


def answer(seq: int) -> AnswerWithEvent:
    return AnswerWithEvent({"conversation": CONVERSATION, "seq": seq, "duplicate": False}, event(seq))


class RecordingConsumer(GuestConsumer):
    """The delivery state a socket has once subscribed, its frames recorded instead of sent."""

    def __init__(self, delivered: int):
        super().__init__()
        self.connection_id = "a" * 32
        self.subscriptions = {CONVERSATION: delivered}
        self.held, self.refills = {}, {}
        self.delivery_lock = asyncio.Lock()
        self.closing = False
        self.frames = []

    async def send_frame(self, text: str):
        self.frames.append(json.loads(text))

    def stream(self) -> list[tuple]:
        """Each frame as (kind, seq of the event it carries or None)."""
        return [("answer", frame["data"].get("event", {}).get("seq")) if frame["type"] == "response"
                else ("event", frame["data"]["seq"]) for frame in self.frames]

    def stop_refills(self):
        for task in self.refills.values():
            task.cancel()


async def test_an_answer_due_next_carries_the_event_and_lets_the_held_ones_follow():
    socket = RecordingConsumer(delivered=4)
    await socket.conversation_event({"event": event(6)})  # the other side's, come before the sender's answer

    await socket._answer_with_event("c7", answer(5))

    assert socket.stream() == [("answer", 5), ("event", 6)]
    assert socket.subscriptions[CONVERSATION] == 6
    socket.stop_refills()


async def test_an_answer_not_due_yet_goes_without_the_event_which_comes_in_its_place():
    socket = RecordingConsumer(delivered=3)

    await socket._answer_with_event("c7", answer(5))
    await socket.conversation_event({"event": event(4)})

    assert socket.stream() == [("answer", None), ("event", 4), ("event", 5)]
    assert socket.subscriptions[CONVERSATION] == 5
    socket.stop_refills()


async def test_an_answer_to_a_message_the_socket_already_has_carries_nothing():
    socket = RecordingConsumer(delivered=5)  # read back by a refill before the answer was ready

    await socket._answer_with_event("c7", answer(5))

    assert socket.stream() == [("answer", None)]


async def test_the_fan_out_leaves_out_the_sockets_own_message_and_nobody_elses():
    sender, other_tab = RecordingConsumer(delivered=4), RecordingConsumer(delivered=4)
    other_tab.connection_id = "b" * 32
    message = {"event": event(5), "answered_on": sender.connection_id}

    await sender.conversation_event(message)
    await other_tab.conversation_event(message)

    assert sender.stream() == [] and other_tab.stream() == [("event", 5)]
