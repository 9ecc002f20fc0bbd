"""Prometheus metrics of this process, served at /metrics."""
from prometheus_client import Counter, Gauge, Histogram

CONNECTIONS_TOTAL = Counter("chat_connections", "WebSocket connections accepted by this process")
CONNECTIONS_OPEN = Gauge("chat_connections_open", "WebSocket connections open in this process")
CONNECTIONS_CLOSED = Counter("chat_connections_closed", "WebSocket connections ended, by close code", ["code"])
FRAMES_IN = Counter("chat_frames_in", "Frames received from clients")
FRAMES_OUT = Counter("chat_frames_out", "Frames sent to clients")
MESSAGES_STORED = Counter("chat_messages_stored", "Chat messages stored by message.send")
ERRORS = Counter("chat_errors", "Error responses and error frames sent, by reason", ["reason"])
REQUEST_SECONDS = Histogram(
    "chat_request_seconds", "Time to answer a client request, by action", ["action"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15),
)
HEARTBEAT_RTT_SECONDS = Histogram(
    "chat_heartbeat_rtt_seconds", "Round trip of the application heartbeat",
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
