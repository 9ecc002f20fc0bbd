"""The production profile end to end: Debian's nginx, with the shipped
deploy/nginx.conf, in front of two daphne processes sharing Redis and the
database. Everything below goes through nginx."""
import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
import websockets
from channels.db import database_sync_to_async

from chat.models import Connection
from contactcenter.private_redis import free_port
from deploy.render_nginx import render
from tests.chat.client import ChatClient
from tests.processes import BASE_DIR, Daphne, Process
from tests.queueing.test_live import EventStream, call_api

pytestmark = pytest.mark.django_db(transaction=True)

# A loopback address of its own for the test's client, so the address daphne
# records can only have come from nginx's X-Forwarded-For.
CLIENT_ADDRESS = "127.0.0.5"
SPOOFED_ADDRESS = "203.0.113.7"

MAIN_CONFIG = """\
{user}
worker_processes 1;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    access_log {directory}/access.log;
    client_body_temp_path {directory}/client_body;
    proxy_temp_path {directory}/proxy;
    fastcgi_temp_path {directory}/fastcgi;
    uwsgi_temp_path {directory}/uwsgi;
    scgi_temp_path {directory}/scgi;
    include {directory}/contactcenter.conf;
}}
"""


@pytest.fixture(scope="session")
def nginx_binary() -> str:
    """Debian's nginx, installed when missing: this test fails without it, never skips."""
    subprocess.run([BASE_DIR / "scripts" / "ensure-nginx"], check=True)
    return shutil.which("nginx") or "/usr/sbin/nginx"


def write_config(directory: Path, *, port: int, upstreams: list[str], static_root: Path) -> Path:
    site = render(upstreams=upstreams, server_name="127.0.0.1", listen=f"127.0.0.1:{port}",
                  static_root=str(static_root))
    (directory / "contactcenter.conf").write_text(site)
    # As root the workers would otherwise be www-data, who cannot read pytest's tmp_path.
    user = "user root;" if os.geteuid() == 0 else ""
    main = directory / "nginx.conf"
    main.write_text(MAIN_CONFIG.format(user=user, directory=directory))
    return main


class Nginx(Process):
    def __init__(self, binary: str, directory: Path, port: int, upstreams: list[str], static_root: Path):
        self.port = port
        config = write_config(directory, port=port, upstreams=upstreams, static_root=static_root)
        super().__init__("nginx", [
            binary, "-c", str(config), "-p", str(directory), "-e", str(directory / "error.log"),
            "-g", f"daemon off; pid {directory}/nginx.pid; error_log {directory}/error.log;",
        ], dict(os.environ), directory)
        self.error_log = directory / "error.log"
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return
            except OSError:
                if self.popen.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"nginx did not start:\n{self.output()}\n{self.error_log.read_text()}")
                time.sleep(0.05)

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def origin(self) -> str:
        return self.http_url

    # The same plain HTTP helpers as for a daphne process: they only need http_url.
    get = Daphne.get
    get_json = Daphne.get_json


def test_the_rendered_config_fills_every_placeholder_and_passes_nginx_t(nginx_binary, tmp_path):
    config = write_config(tmp_path, port=free_port(), upstreams=["127.0.0.1:8001", "127.0.0.1:8002"],
                          static_root=tmp_path / "static")
    site = (tmp_path / "contactcenter.conf").read_text()
    assert "${" not in site
    assert "server 127.0.0.1:8001;\n    server 127.0.0.1:8002;" in site
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in site
    checked = subprocess.run([nginx_binary, "-t", "-c", str(config), "-p", str(tmp_path),
                              "-e", str(tmp_path / "error.log")], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr


@pytest.fixture
def static_root(tmp_path) -> Path:
    root = tmp_path / "static"
    (root / "widget").mkdir(parents=True)
    (root / "widget" / "probe.txt").write_text("served by nginx from STATIC_ROOT\n")
    return root


async def open_guest(nginx: Nginx, token: str | None = None, **connect_options) -> tuple[ChatClient, str, str]:
    """A guest socket through nginx: the client, its connection id and the guest token."""
    ws = await websockets.connect(f"{nginx.ws_url}/ws/guest/", origin=nginx.origin, max_size=None,
                                  **connect_options)
    client = ChatClient(ws, answer_pings=True)
    ready = await client.next_event("connection.ready")
    hello = await client.ok("hello", {"token": token} if token else {})
    return client, ready["data"]["connection_id"], hello["guest"]["token"]


@database_sync_to_async
def holder_pid(connection_id: str) -> int:
    """The pid of the daphne process holding a socket, from the product's connection registry."""
    return int(Connection.objects.get(pk=connection_id).server.rpartition(":")[2])


@database_sync_to_async
def recorded_address(connection_id: str) -> str:
    return Connection.objects.get(pk=connection_id).remote_addr


async def test_two_daphne_processes_behind_nginx(nginx_binary, start_daphne, celery_worker_process, support_queue,
                                                 static_root, tmp_path):
    nginx_port = free_port()
    servers = [start_daphne(CHAT_ALLOWED_ORIGINS=f"http://127.0.0.1:{nginx_port}", TRUSTED_PROXIES="127.0.0.1")
               for _ in range(2)]
    by_pid = {server.popen.pid: server for server in servers}
    nginx = Nginx(nginx_binary, tmp_path, nginx_port, [f"127.0.0.1:{server.port}" for server in servers],
                  static_root)
    try:
        # Plain HTTP: health, static files from disk, metrics kept per process.
        status, health = await asyncio.to_thread(nginx.get_json, "/healthz")
        assert status == 200, health
        assert await asyncio.to_thread(nginx.get, "/static/widget/probe.txt") == (
            200, "served by nginx from STATIC_ROOT\n")
        assert (await asyncio.to_thread(nginx.get, "/metrics"))[0] == 403

        # The Origin check still holds through the proxy.
        with pytest.raises(websockets.InvalidStatus) as refused:
            await websockets.connect(f"{nginx.ws_url}/ws/guest/", origin="http://evil.example")
        assert refused.value.response.status_code == 403

        # A guest, with a forged X-Forwarded-For that nginx must overwrite.
        first, first_id, token = await open_guest(
            nginx, local_addr=(CLIENT_ADDRESS, 0), additional_headers={"X-Forwarded-For": SPOOFED_ADDRESS})
        assert await recorded_address(first_id) == CLIENT_ADDRESS
        conversation = (await first.ok("conversation.start", {"queue": "support"}))["conversation"]

        # The same guest's second socket, on the other process (least_conn puts
        # it there; a few attempts cover a balancer that does not).
        for _ in range(6):
            second, second_id, _ = await open_guest(nginx, token)
            if await holder_pid(second_id) != await holder_pid(first_id):
                break
            await second.close()
        else:
            pytest.fail("every second socket landed on the first socket's process")
        first_server, second_server = by_pid[await holder_pid(first_id)], by_pid[await holder_pid(second_id)]
        await second.ok("conversation.subscribe", {"conversation": conversation, "after_seq": 0})

        sent = await first.ok("message.send", {"conversation": conversation, "body": "through nginx",
                                               "client_msg_id": "m-1"})
        while (seen := await second.next_stored())["seq"] != sent["seq"]:
            pass
        assert seen["body"] == "through nginx"  # daphne to daphne through Redis

        # Server-Sent Events through nginx: an update arrives as it happens.
        status, reservation = await asyncio.to_thread(call_api, nginx, "POST", "/api/v1/reservations/", token,
                                                      {"queue": "support"})
        assert status == 201, reservation
        stream, headers = await EventStream.open(nginx, reservation["id"])
        assert headers.startswith("http/1.1 200") and "content-type: text/event-stream" in headers
        assert json.loads((await stream.next_event())["data"])["status"] == "queued"
        cancel_sent_at = time.monotonic()
        status, _ = await asyncio.to_thread(call_api, nginx, "POST",
                                            f"/api/v1/reservations/{reservation['id']}/cancel/", token)
        update = await stream.next_event(timeout=5)
        sse_latency = time.monotonic() - cancel_sent_at
        stream.close()
        assert status == 200 and json.loads(update["data"])["status"] == "canceled"
        # Now, not with the next keep-alive (15 s) or at the end of the stream.
        assert sse_latency < 2

        # SIGTERM drains the first socket's process: 3333, then a reconnect through
        # nginx reaches the other process and resumes with what was missed.
        drain_started = time.monotonic()
        first_server.signal(signal.SIGTERM)
        assert await first.close_code() == 3333
        missed = await second.ok("message.send", {"conversation": conversation, "body": "while you were away",
                                                  "client_msg_id": "m-2"})
        resumed, resumed_id, _ = await open_guest(nginx, token)
        assert time.monotonic() - drain_started < 5
        assert await holder_pid(resumed_id) == second_server.popen.pid
        await resumed.ok("conversation.subscribe", {"conversation": conversation, "after_seq": sent["seq"]})
        # Everything after the last seq seen, with no gap (the bot's answers included).
        replayed = {event["seq"]: event for event in
                    (frame["data"] for frame in resumed.drain_events()) if "seq" in event}
        assert list(replayed) == list(range(sent["seq"] + 1, max(replayed) + 1))
        assert replayed[missed["seq"]]["body"] == "while you were away"
        assert await asyncio.to_thread(first_server.wait) == 0
        assert await asyncio.to_thread(second_server.metric, "chat_connections_open") == 2

        await resumed.close()
        await second.close()
    finally:
        nginx.stop()
