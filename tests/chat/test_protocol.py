import json
from datetime import datetime, timezone

import pytest

from chat.addresses import client_address
from chat.protocol import ActionError, FrameError, event_frame, field, parse_frame


def test_a_request_without_data_gets_an_empty_object():
    assert parse_frame('{"type": "request", "id": "c1", "action": "hello"}')["data"] == {}


@pytest.mark.parametrize("text, detail", [
    ("{", "frame is not JSON"),
    ('"just a string"', "frame is not a JSON object"),
    ('{"type": "event", "id": "c1"}', "type must be 'request' or 'response'"),
    ('{"type": "request", "id": ""}', "id must be a string of 1 to 64 characters"),
    ('{"type": "request", "id": "c1", "action": 3}', "action must be a string"),
    ('{"type": "request", "id": "c1", "action": "x", "data": [1]}', "data must be an object"),
])
def test_malformed_frames_are_refused_with_what_is_wrong(text, detail):
    with pytest.raises(FrameError, match=detail):
        parse_frame(text)


def test_fields_are_typed_and_a_flag_is_never_a_number():
    assert field({"seq": 3}, "seq", int) == 3
    for bad in ({"seq": True}, {"seq": "3"}, {"seq": -1}, {}):
        with pytest.raises(ActionError):
            field(bad, "seq", int)
    assert field({}, "seq", int, required=False) is None


def test_forwarded_for_counts_only_from_a_trusted_proxy(settings):
    settings.TRUSTED_PROXIES = {"10.0.0.2"}
    headers = [(b"x-forwarded-for", b"6.6.6.6, 203.0.113.9, 10.0.0.2")]
    assert client_address({"client": ["198.51.100.1", 5000], "headers": headers}) == "198.51.100.1"
    assert client_address({"client": ["10.0.0.2", 5000], "headers": headers}) == "203.0.113.9"
    assert client_address({"client": ["10.0.0.2", 5000], "headers": []}) == "10.0.0.2"


def test_frames_are_json_even_with_a_lone_surrogate_a_stored_json_field_gave_back():
    text = event_frame("message.new", {"body": "café", "data": {"note": "half a pair \ud800"}})
    assert json.loads(text)["data"] == {"body": "café", "data": {"note": "half a pair \ud800"}}


def test_frames_write_times_as_iso_8601_and_other_values_as_text():
    sent = datetime(2026, 11, 30, 10, 0, 5, tzinfo=timezone.utc)
    data = json.loads(event_frame("x", {"at": sent, "counts": {1: 2}, "id": ActionError}))["data"]
    assert data == {"at": "2026-11-30T10:00:05+00:00", "counts": {"1": 2}, "id": str(ActionError)}
