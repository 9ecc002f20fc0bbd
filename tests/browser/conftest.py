"""Headless Chromium (Debian's /usr/bin/chromium) driven by Playwright against live servers."""
import http.server
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import sync_playwright

from chat.models import FaqEntry
from queueing.models import Agent, Queue
from surveys.models import Question, Survey
from tests.processes import BASE_DIR

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps dialing Google hosts
# that this machine's closed network refuses.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                 "--disable-background-networking", "--disable-component-update"]
SCREENSHOTS = BASE_DIR / "docs" / "screenshots"
PASSWORD = "a-long-test-password"


@pytest.fixture(scope="session")
def collected_static():
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=BASE_DIR, check=True)


@pytest.fixture(scope="module")
def playwright():
    """Module scope: the driver's event loop must be gone before the async tests
    of other modules run in this thread. While it runs, Django takes this thread
    for async code, so the sync ORM calls of these tests (and their database
    flushes) are allowed, only here: the servers never get the variable
    (tests/processes.py)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as driver:
            yield driver


@pytest.fixture
def browser(playwright):
    assert Path(CHROMIUM).exists(), "Chromium is missing: `make test` installs Debian's chromium package"
    launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield launched
    launched.close()


@pytest.fixture
def product(start_daphne, celery_worker_process, collected_static):
    """The product at http://localhost:<port>, accepting sockets from the host page's origin."""
    # The host page's socket is bound now, so its port cannot be taken while daphne starts.
    host_server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), HostPage.Handler)
    host_port = host_server.server_address[1]
    server = start_daphne(CHAT_ALLOWED_ORIGINS=f"localhost,http://127.0.0.1:{host_port}")
    server.host_server = host_server
    server.url = f"http://localhost:{server.port}"
    server.host_port = host_port
    return server


class HostPage:
    """Another site (another origin) embedding the widget with its one script tag."""

    class Handler(http.server.BaseHTTPRequestHandler):
        html = b""

        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(self.html)))
            self.end_headers()
            self.wfile.write(self.html)

        def log_message(self, *args):
            pass

    def __init__(self, product_url: str, server: http.server.ThreadingHTTPServer):
        html = (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>A shop</title>'
                f'<meta name="viewport" content="width=device-width, initial-scale=1"></head>'
                f'<body><h1>A shop that embeds the chat</h1>'
                f'<script src="{product_url}/static/widget/widget.js" data-queue="support" async></script></body></html>')
        self.server = server
        self.server.RequestHandlerClass = type("Handler", (HostPage.Handler,), {"html": html.encode()})
        self.url = f"http://127.0.0.1:{server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def host_page(product):
    page = HostPage(product.url, product.host_server)
    yield page
    page.close()


@pytest.fixture
def support(transactional_db):
    queue = Queue.objects.create(name="support", display_name="Customer support")
    FaqEntry.objects.create(question="What are your opening hours?", keywords="hours, open, opening",
                            answer="We are open 8:00 to 18:00 on weekdays.")
    survey = Survey.objects.create(name="After chat", queue=queue, is_active=True)
    Question.objects.create(survey=survey, order=1, kind="csat", prompt="How satisfied are you?", required=True)
    Question.objects.create(survey=survey, order=2, kind="nps", prompt="Would you recommend us?", required=True)
    Question.objects.create(survey=survey, order=3, kind="text", prompt="Anything else?", required=False)
    return queue


@pytest.fixture
def agent_user(support):
    user = get_user_model().objects.create_user("alex", "alex@example.com", PASSWORD, is_staff=True,
                                                first_name="Alex", last_name="Agent")
    Agent.objects.create(user=user).queues.add(support)
    return user


def log_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{base_url}/admin/")


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def off_the_loop(function, *args, **kwargs):
    """Run a service in another thread: Playwright's loop owns this one, and
    services publish after commit with async_to_sync."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    def call():
        try:
            return function(*args, **kwargs)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(call).result()
