"""Production Redis settings: one host (the default), several channel-layer
hosts, or Sentinel; parsed in a fresh interpreter per environment."""
import json
import subprocess
import sys
import time

import redis

from contactcenter.private_redis import PrivateRedis, free_port, redis_server_binary
from tests.processes import BASE_DIR

PRINT_REDIS_SETTINGS = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({
    "layer_hosts": settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"],
    "broker": settings.CELERY_BROKER_URL,
    "broker_options": settings.CELERY_BROKER_TRANSPORT_OPTIONS,
    "cache": settings.CACHES["default"]["LOCATION"],
}))
"""

# Through Sentinel for real: a channel-layer round trip and a broker connection.
ROUND_TRIP_THROUGH_SENTINEL = """
import asyncio, django
django.setup()
from channels.layers import get_channel_layer
from contactcenter.celery import app

async def round_trip():
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add("probe", channel)
    await layer.group_send("probe", {"type": "probe", "text": "via sentinel"})
    return (await layer.receive(channel))["text"]

print(asyncio.run(round_trip()))
with app.connection_for_write() as connection:
    connection.ensure_connection(max_retries=1)
    print(connection.as_uri())
"""


def run_settings(tmp_path, script: str, **env) -> subprocess.CompletedProcess:
    clean = {"PATH": "/usr/bin:/bin", "VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "contactcenter.settings"}
    return subprocess.run([sys.executable, "-c", script], cwd=BASE_DIR, env={**clean, **env},
                          capture_output=True, text=True, timeout=60)


def redis_settings(tmp_path, **env) -> dict:
    finished = run_settings(tmp_path, PRINT_REDIS_SETTINGS, **env)
    assert finished.returncode == 0, finished.stderr
    return json.loads(finished.stdout)


def refused(tmp_path, **env) -> str:
    finished = run_settings(tmp_path, PRINT_REDIS_SETTINGS, **env)
    assert finished.returncode != 0
    return finished.stderr.strip().splitlines()[-1]


def test_without_the_new_variables_everything_is_on_redis_url(tmp_path):
    assert redis_settings(tmp_path) == {
        "layer_hosts": [{"address": "redis://127.0.0.1:6379/0"}],
        "broker": "redis://127.0.0.1:6379/0",
        "broker_options": {},
        "cache": "redis://127.0.0.1:6379/0",
    }


def test_several_channel_layer_hosts_shard_the_layer_only(tmp_path):
    loaded = redis_settings(
        tmp_path,
        REDIS_URL="redis://main.internal:6379/0",
        CHANNEL_LAYER_REDIS_URLS="redis://layer-a.internal:6379/0, redis://layer-b.internal:6379/0",
    )
    assert loaded["layer_hosts"] == [
        {"address": "redis://layer-a.internal:6379/0"}, {"address": "redis://layer-b.internal:6379/0"},
    ]
    assert loaded["broker"] == loaded["cache"] == "redis://main.internal:6379/0"
    assert loaded["broker_options"] == {}


def test_sentinel_gives_the_layer_a_sentinel_host_and_the_broker_sentinel_urls(tmp_path):
    loaded = redis_settings(
        tmp_path,
        REDIS_SENTINELS="sentinel-1.internal:26379,sentinel-2.internal:26380",
        REDIS_SENTINEL_MASTER="contactcenter",
    )
    assert loaded["layer_hosts"] == [{
        "sentinels": [["sentinel-1.internal", 26379], ["sentinel-2.internal", 26380]],
        "master_name": "contactcenter",
    }]
    assert loaded["broker"] == "sentinel://sentinel-1.internal:26379;sentinel://sentinel-2.internal:26380"
    assert loaded["broker_options"] == {"master_name": "contactcenter"}


def test_an_explicit_celery_broker_url_still_wins(tmp_path):
    loaded = redis_settings(tmp_path, REDIS_SENTINELS="s1:26379", REDIS_SENTINEL_MASTER="cc",
                            CELERY_BROKER_URL="redis://broker.internal:6379/1")
    assert loaded["broker"] == "redis://broker.internal:6379/1"


def test_inconsistent_redis_variables_stop_the_process_with_the_reason(tmp_path):
    assert "go together" in refused(tmp_path, REDIS_SENTINELS="s1:26379")
    assert "go together" in refused(tmp_path, REDIS_SENTINEL_MASTER="cc")
    assert "not both" in refused(tmp_path, REDIS_SENTINELS="s1:26379", REDIS_SENTINEL_MASTER="cc",
                                 CHANNEL_LAYER_REDIS_URLS="redis://a:6379/0")
    assert "'s1' is not host:port" in refused(tmp_path, REDIS_SENTINELS="s1", REDIS_SENTINEL_MASTER="cc")


def start_sentinel(tmp_path, master: PrivateRedis, master_name: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    config = tmp_path / "sentinel.conf"  # Sentinel rewrites its config file: it must be writable.
    config.write_text(f"port {port}\nbind 127.0.0.1\ndir {tmp_path}\n"
                      f"sentinel monitor {master_name} 127.0.0.1 {master.port} 1\n")
    sentinel = subprocess.Popen([redis_server_binary(), str(config), "--sentinel"], stdout=subprocess.DEVNULL)
    client = redis.Redis(port=port)
    deadline = time.monotonic() + 10
    while True:
        try:
            if client.sentinel_master(master_name):
                return sentinel, port
        except redis.ConnectionError:
            pass
        assert sentinel.poll() is None and time.monotonic() < deadline, "sentinel did not start"
        time.sleep(0.05)


def test_the_layer_and_the_broker_reach_the_master_through_a_real_sentinel(tmp_path):
    master = PrivateRedis().start()
    sentinel, sentinel_port = start_sentinel(tmp_path, master, "cc-master")
    try:
        finished = run_settings(tmp_path, ROUND_TRIP_THROUGH_SENTINEL, REDIS_SENTINELS=f"127.0.0.1:{sentinel_port}",
                                REDIS_SENTINEL_MASTER="cc-master", CHANNEL_LAYER_PREFIX="sentinel-test")
        group_on_master = redis.Redis(port=master.port).exists("sentinel-test:group:probe")
    finally:
        sentinel.terminate()
        sentinel.wait(timeout=10)
        master.stop()
    assert finished.returncode == 0, finished.stderr
    layer_answer, broker_uri = finished.stdout.splitlines()
    assert layer_answer == "via sentinel"
    assert broker_uri.startswith(f"sentinel://127.0.0.1:{sentinel_port}")
    assert group_on_master
