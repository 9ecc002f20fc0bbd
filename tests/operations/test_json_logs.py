"""LOG_FORMAT=json: one JSON object per line, carrying the ids of the work logged."""
import asyncio
import contextvars
import io
import json
import logging

import pytest

from contactcenter.logging import JsonFormatter, bind_connection, request_context
from tests.chat.client import ChatClient


def test_a_request_s_conversation_and_reservation_are_on_its_log_lines_and_only_there():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("tests.operations.json")
    logger.addHandler(handler)

    def handle_on_a_socket():
        bind_connection("c0ffee")
        with request_context({"conversation": "conv-1", "reservation": "res-1"}):
            logger.warning("inside %s", "the request")
        logger.warning("after it")

    try:
        # A context of its own, as each socket's task has: the ids stay out of other tests.
        contextvars.copy_context().run(handle_on_a_socket)
    finally:
        logger.removeHandler(handler)
    inside, after = (json.loads(line) for line in stream.getvalue().splitlines())
    assert inside["message"] == "inside the request" and inside["level"] == "WARNING"
    assert inside["logger"] == "tests.operations.json" and inside["time"].endswith("+00:00")
    assert (inside["connection_id"], inside["conversation_id"], inside["reservation_id"]) == ("c0ffee", "conv-1", "res-1")
    assert after["connection_id"] == "c0ffee" and "conversation_id" not in after and "reservation_id" not in after


@pytest.mark.django_db(transaction=True)
async def test_daphne_with_log_format_json_writes_json_lines_with_the_connection_id(start_daphne):
    server = start_daphne(LOG_FORMAT="json")
    client = await ChatClient.connect(f"{server.ws_url}/ws/guest/")
    connection_id = (await client.next_event("connection.ready"))["data"]["connection_id"]
    # A response to a request the server never made is logged as a warning.
    await client.send_raw(json.dumps({"type": "response", "id": "S999", "ok": True, "data": {}}))

    for _ in range(100):
        lines = [json.loads(line) for line in server.output().splitlines() if line.strip()]
        if any(line.get("connection_id") == connection_id for line in lines):
            break
        await asyncio.sleep(0.1)
    [dropped] = [line for line in lines if line.get("connection_id") == connection_id]
    assert dropped["level"] == "WARNING" and dropped["logger"] == "chat.consumers"
    assert "S999" in dropped["message"]
    await client.close()
