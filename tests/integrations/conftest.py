import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.contrib.auth import get_user_model

from integrations.models import WebhookEndpoint
from integrations.scopes import Scope
from integrations.tokens import api_token_create

WEBHOOK_SECRET = "s3cret-for-tests"

# For the daphne and Celery processes the tests start (they read their settings
# from the environment): retries a fraction of a second apart, few of them.
FAST_WEBHOOK_ENV = {
    "INTEGRATIONS_WEBHOOK_BACKOFF_SECONDS": "0.2",
    "INTEGRATIONS_WEBHOOK_MAX_ATTEMPTS": "3",
    "INTEGRATIONS_WEBHOOK_TIMEOUT_SECONDS": "2",
}


@pytest.fixture(autouse=True)
def fast_webhooks(monkeypatch, settings):
    """Started processes inherit the environment; this process gets the same values."""
    for name, value in FAST_WEBHOOK_ENV.items():
        monkeypatch.setenv(name, value)
        setattr(settings, name, float(value) if "." in value else int(value))


@dataclass
class Received:
    headers: dict
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)


class Receiver:
    """A webhook receiver on 127.0.0.1 in a thread: answers each request with the
    next status of `statuses` (then 200), and records what it got."""

    def __init__(self):
        self.statuses: list[int] = []
        self.received: list[Received] = []
        self.arrived = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok" if status < 400 else b"no")
                with receiver.arrived:
                    receiver.received.append(Received(dict(self.headers), body))
                    receiver.arrived.notify_all()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/hooks"

    def wait_for(self, count: int, timeout: float = 20) -> list[Received]:
        with self.arrived:
            assert self.arrived.wait_for(lambda: len(self.received) >= count, timeout), self.received
            return list(self.received)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.stop()


@pytest.fixture
def make_endpoint(db):
    def make(url: str, events: list[str], **fields) -> WebhookEndpoint:
        return WebhookEndpoint.objects.create(name="CRM", url=url, secret=WEBHOOK_SECRET, events=events, **fields)
    return make


@pytest.fixture
def staff_user(db):
    return get_user_model().objects.create_user("integration", password="pw-for-tests", is_staff=True)


@pytest.fixture
def make_token(staff_user):
    def make(scopes=tuple(Scope.values), owner=None) -> str:
        return api_token_create(name="CRM sync", owner=owner or staff_user, scopes=list(scopes))[1]
    return make
