"""/healthz checks every dependency for real."""
import pytest

from contactcenter.private_redis import PrivateRedis

pytestmark = pytest.mark.django_db(transaction=True)


def test_healthz_is_200_with_every_dependency_up(start_daphne, celery_worker_process):
    server = start_daphne()
    status, body = server.get_json("/healthz")
    assert status == 200, body
    assert body["status"] == "up"
    assert set(body["checks"]) == {"database", "redis", "channel_layer", "celery_worker"}
    assert all(check["status"] == "up" for check in body["checks"].values())


def test_healthz_is_503_naming_redis_when_redis_is_stopped(start_daphne):
    redis = PrivateRedis().start()
    try:
        server = start_daphne(REDIS_URL=redis.url)
        status, body = server.get_json("/healthz")
        assert body["checks"]["redis"]["status"] == "up"
        redis.stop()
        status, body = server.get_json("/healthz")
    finally:
        redis.stop()
    assert status == 503
    assert body["status"] == "down"
    assert body["checks"]["redis"]["status"] == "down"
    assert body["checks"]["channel_layer"]["status"] == "down"
    assert body["checks"]["database"]["status"] == "up"
    assert body["checks"]["redis"]["error"]
