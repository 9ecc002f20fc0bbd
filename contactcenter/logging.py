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
from contextlib import contextmanager
from datetime import datetime, timezone

connection_id = contextvars.ContextVar("connection_id", default=None)
conversation_id = contextvars.ContextVar("conversation_id", default=None)
reservation_id = contextvars.ContextVar("reservation_id", default=None)

CONTEXT_IDS = (connection_id, conversation_id, reservation_id)

# Longer values are not ids of ours (they are at most 64 characters on the wire).
ID_MAX_LENGTH = 64


def bind_connection(value: str) -> None:
    connection_id.set(value)


@contextmanager
def request_context(data: dict):
    """The conversation and reservation a socket request names, for the log
    lines written while it is handled."""
    tokens = [
        (variable, variable.set(value[:ID_MAX_LENGTH] if isinstance(value, str) else None))
        for variable, value in ((conversation_id, data.get("conversation")), (reservation_id, data.get("reservation")))
    ]
    try:
        yield
    finally:
        for variable, token in reversed(tokens):
            variable.reset(token)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for variable in CONTEXT_IDS:
            value = variable.get()
            if value is not None:
                entry[variable.name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, ensure_ascii=False)
