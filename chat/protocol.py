"""The wire protocol of the chat sockets: frames, error reasons, close codes.

docs/protocol.md describes the same with an example of every frame; keep the two in step.
"""
import json
from enum import IntEnum, StrEnum
from typing import Any

import orjson


class Reason(StrEnum):
    INVALID = "invalid"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    RATE_LIMITED = "rate_limited"
    FAILED = "failed"
    TIMEOUT = "timeout"


class CloseCode(IntEnum):
    NORMAL = 1000
    # Seed 002's codes. The WebSocket library under daphne only sends 1000 and
    # 3000-4999, so the standard 1009 and 1013 are sent as 4009 and 4013.
    DRAIN = 3333
    HEARTBEAT_TIMEOUT = 3334
    UNEXPECTED_CLOSE = 3335
    UNAUTHORIZED = 4001
    MESSAGE_TOO_BIG = 4009
    CONCURRENCY_LIMIT_EXCEEDED = 4013


class ActionError(Exception):
    """A request that cannot be carried out; becomes an error response."""

    def __init__(self, reason: Reason, detail: str):
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


class FrameError(Exception):
    """A frame that is not a valid request or response; answered with an error frame."""

    def __init__(self, detail: str, request_id: str | None = None):
        super().__init__(detail)
        self.detail = detail
        self.request_id = request_id


MAX_ID_LENGTH = 64


def parse_frame(text: str) -> dict[str, Any]:
    try:
        frame = orjson.loads(text)
    except ValueError:
        raise FrameError("frame is not JSON")
    if not isinstance(frame, dict):
        raise FrameError("frame is not a JSON object")
    frame_type = frame.get("type")
    frame_id = frame.get("id")
    if frame_type not in ("request", "response"):
        raise FrameError("type must be 'request' or 'response'")
    if not isinstance(frame_id, str) or not 0 < len(frame_id) <= MAX_ID_LENGTH:
        raise FrameError(f"id must be a string of 1 to {MAX_ID_LENGTH} characters")
    if frame_type == "request":
        if not isinstance(frame.get("action"), str):
            raise FrameError("action must be a string", frame_id)
        if not isinstance(frame.setdefault("data", {}), dict):
            raise FrameError("data must be an object", frame_id)
    return frame


def field(data: dict, name: str, kind: type, *, required: bool = True, max_length: int | None = None):
    """One typed field of a request's data, or an `invalid` error naming it."""
    value = data.get(name)
    if value is None:
        if required:
            raise ActionError(Reason.INVALID, f"'{name}' is required")
        return None
    # bool is an int in Python; a flag is never a number and a number never a flag.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ActionError(Reason.INVALID, f"'{name}' must be of type {kind.__name__}")
    if max_length is not None and len(value) > max_length:
        raise ActionError(Reason.INVALID, f"'{name}' is longer than {max_length}")
    if kind is int and value < 0:
        raise ActionError(Reason.INVALID, f"'{name}' must not be negative")
    return value


def dumps(frame: dict) -> str:
    # orjson: a tenth of the standard library's time per frame, and every message
    # is written as two frames or more.
    try:
        return orjson.dumps(frame, default=str, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        # A lone surrogate, which orjson refuses to write. None comes in through
        # the socket (orjson.loads refuses it too), but a JSON field the REST API
        # or the admin stored keeps one escaped, and gives it back.
        return json.dumps(frame, separators=(",", ":"), default=str)


def response_ok(request_id: str, data: dict) -> str:
    return dumps({"type": "response", "id": request_id, "ok": True, "data": data})


def response_error(request_id: str, reason: Reason, detail: str) -> str:
    return dumps({"type": "response", "id": request_id, "ok": False, "error": {"reason": reason, "detail": detail}})


def error_frame(detail: str) -> str:
    return dumps({"type": "error", "error": {"reason": Reason.INVALID, "detail": detail}})


def event_frame(event: str, data: dict) -> str:
    return dumps({"type": "event", "event": event, "data": data})


def request_frame(request_id: str, action: str, data: dict) -> str:
    return dumps({"type": "request", "id": request_id, "action": action, "data": data})
