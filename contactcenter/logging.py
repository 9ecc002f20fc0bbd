"""Structured logs: with LOG_FORMAT=json every line is one JSON object (time,
level, logger, message, and the ids of what was being handled), for a log
pipeline to index without parsing prose.

The ids travel in context variables. A consumer binds its connection id once
(each socket runs in its own asyncio task, so the value stays with that
socket), and binds the conversation and reservation of each request around
handling it; sync_to_async copies the context into the database thread, so
the services' log lines carry the same ids.
"""
import contextvars
import json
import logging
from datetime import datetime, timezone

connection_id = contextvars.ContextVar("connection_id", default=None)
# (conversation id, reservation id) of the socket request being handled: one
# variable, set once per request, as every frame of a busy socket sets it.
request_ids = contextvars.ContextVar("request_ids", default=(None, None))

# Longer values are not ids of ours (they are at most 64 characters on the wire).
ID_MAX_LENGTH = 64


def bind_connection(value: str) -> None:
    connection_id.set(value)


class request_context:
    """`with request_context(data):` the conversation and reservation a socket
    request names, for the log lines written while it is handled."""

    def __init__(self, data: dict):
        self.ids = (_as_id(data.get("conversation")), _as_id(data.get("reservation")))

    def __enter__(self):
        self.token = request_ids.set(self.ids)

    def __exit__(self, *exc_info):
        request_ids.reset(self.token)


def _as_id(value) -> str | None:
    return value[:ID_MAX_LENGTH] if isinstance(value, str) else None


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        conversation, reservation = request_ids.get()
        ids = (("connection_id", connection_id.get()), ("conversation_id", conversation), ("reservation_id", reservation))
        for name, value in ids:
            if value is not None:
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, ensure_ascii=False)
