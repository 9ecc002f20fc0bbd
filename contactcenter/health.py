"""GET /healthz: each dependency checked for real, 200 when all are up, else 503."""
import asyncio
import time

import redis.asyncio as aioredis
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection
from django.http import JsonResponse

from contactcenter.celery import app as celery_app

CHECK_TIMEOUT_SECONDS = 2.0


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


async def _check_redis() -> None:
    client = aioredis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=CHECK_TIMEOUT_SECONDS)
    try:
        await client.ping()
    finally:
        await client.aclose()


async def _check_channel_layer() -> None:
    layer = get_channel_layer()
    channel = await layer.new_channel("healthz.")
    await layer.send(channel, {"type": "health.ping"})
    message = await layer.receive(channel)
    if message.get("type") != "health.ping":
        raise RuntimeError("round trip returned another message")


def _check_celery_worker() -> None:
    # limit=1 returns on the first reply instead of waiting out the timeout.
    if not celery_app.control.ping(timeout=1.0, limit=1):
        raise RuntimeError("no worker answered a ping")


CHECKS = {
    "database": sync_to_async(_check_database),
    "redis": _check_redis,
    "channel_layer": _check_channel_layer,
    "celery_worker": sync_to_async(_check_celery_worker, thread_sensitive=False),
}


async def _run(name: str) -> tuple[str, dict]:
    started = time.monotonic()
    try:
        await asyncio.wait_for(CHECKS[name](), CHECK_TIMEOUT_SECONDS)
        result = {"status": "up"}
    except Exception as error:  # any failure of a dependency is a "down", reported by name
        result = {"status": "down", "error": f"{type(error).__name__}: {error}"[:300]}
    result["ms"] = round((time.monotonic() - started) * 1000, 1)
    return name, result


async def healthz(request):
    results = dict(await asyncio.gather(*(_run(name) for name in CHECKS)))
    healthy = all(result["status"] == "up" for result in results.values())
    return JsonResponse(
        {"status": "up" if healthy else "down", "checks": results},
        status=200 if healthy else 503,
    )
