"""Fuzzed frames never crash the consumer: every one is answered or dropped, and
the socket keeps working."""
import json

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from hypothesis import HealthCheck, given, settings, strategies as st

from contactcenter.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)

ACTIONS = ["hello", "conversation.start", "conversation.subscribe", "conversation.history", "message.send",
           "typing", "read", "ping", "nonsense"]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
data_dicts = st.fixed_dictionaries({}, optional={
    "conversation": json_values | st.uuids().map(str), "body": json_values, "client_msg_id": json_values,
    "after_seq": json_values, "before_seq": json_values, "limit": json_values, "seq": json_values,
    "active": json_values, "token": json_values, "queue": json_values,
})
frames = st.one_of(
    st.text(max_size=200),
    json_values.map(json.dumps),
    st.fixed_dictionaries({}, optional={
        "type": st.sampled_from(["request", "response", "event"]) | json_values,
        "id": st.text(max_size=70) | json_values,
        "action": st.sampled_from(ACTIONS) | json_values,
        "data": data_dicts | json_values,
    }).map(json.dumps),
)


async def exchange(frame: str) -> None:
    communicator = WebsocketCommunicator(application, "/ws/guest/", headers=[(b"origin", b"http://localhost")])
    connected, _ = await communicator.connect()
    assert connected
    assert json.loads(await communicator.receive_from(timeout=5))["event"] == "connection.ready"
    await communicator.send_to(text_data=json.dumps({"type": "request", "id": "hello", "action": "hello"}))
    assert json.loads(await communicator.receive_from(timeout=5))["ok"]
    await communicator.send_input({"type": "websocket.receive", "text": frame})  # send_to refuses ""
    await communicator.send_to(text_data=json.dumps({"type": "request", "id": "probe", "action": "history"}))
    while True:  # the fuzzed frame's answers (if any), then the probe's
        answer = json.loads(await communicator.receive_from(timeout=5))
        assert answer["type"] in ("response", "error", "event")
        if answer.get("id") == "probe":
            break
    assert answer["error"]["reason"] == "invalid"
    await communicator.disconnect()


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(frame=frames)
def test_fuzzed_frames_never_crash_the_consumer(frame):
    async_to_sync(exchange)(frame)
