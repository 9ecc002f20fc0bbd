"""Celery task outcomes, counted in Redis so that /metrics of any web process
can report them: a prometheus_client counter inside a worker would only be seen
by a scrape of that worker, and workers serve no HTTP.

The worker imports this module (CELERY_IMPORTS), which connects the signal
handlers. Each task name has one hash, `<prefix>:celery:tasks:<task name>`,
with a field per outcome; a set lists the names so a scrape reads them
without scanning the keyspace.
"""
import logging
from functools import cache

import redis
from celery.signals import task_failure, task_retry, task_success
from django.conf import settings

logger = logging.getLogger(__name__)


class Outcome:
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    RETRIED = "retried"


def _prefix() -> str:
    return f"{settings.CHANNEL_LAYERS['default']['CONFIG']['prefix']}:celery:tasks"


def _names_key() -> str:
    return f"{_prefix()}:names"


def _task_key(task_name: str) -> str:
    return f"{_prefix()}:{task_name}"


@cache
def _redis() -> redis.Redis:
    # A short timeout: a counter is not worth holding up a task or a scrape.
    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1)


def task_outcome_count(task_name: str, outcome: str) -> None:
    try:
        pipeline = _redis().pipeline(transaction=False)
        pipeline.sadd(_names_key(), task_name)
        pipeline.hincrby(_task_key(task_name), outcome, 1)
        pipeline.execute()
    except redis.RedisError:
        # The task itself went fine (or failed on its own): losing one count is
        # better than turning a Redis hiccup into a task error.
        logger.warning("could not count %s of task %s", outcome, task_name, exc_info=True)


def task_outcome_counts() -> dict[str, dict[str, int]]:
    """{task name: {outcome: count}} across every worker since Redis started."""
    client = _redis()
    names = sorted(name.decode() for name in client.smembers(_names_key()))
    pipeline = client.pipeline(transaction=False)
    for name in names:
        pipeline.hgetall(_task_key(name))
    return {
        name: {outcome.decode(): int(count) for outcome, count in counts.items()}
        for name, counts in zip(names, pipeline.execute())
    }


@task_success.connect
def _count_success(sender=None, **kwargs):
    task_outcome_count(sender.name, Outcome.SUCCEEDED)


@task_failure.connect
def _count_failure(sender=None, **kwargs):
    task_outcome_count(sender.name, Outcome.FAILED)


@task_retry.connect
def _count_retry(sender=None, **kwargs):
    task_outcome_count(sender.name, Outcome.RETRIED)
