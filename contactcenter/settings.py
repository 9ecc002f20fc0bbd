"""Settings read from the environment, with defaults that run on one machine.

Every variable is documented in the README. Nothing secret lives in git: an
unset SECRET_KEY is generated once and kept in var/secret_key.
"""
import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _secret_key() -> str:
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "rest_framework",
    "rest_framework.authtoken",
    "django_celery_beat",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "chat",
    "queueing",
    "surveys",
    "integrations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "contactcenter.urls"
ASGI_APPLICATION = "contactcenter.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def _database() -> dict:
    url = os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
    # Connections are kept: opening and closing SQLite's file for every query
    # was 43% of a daphne process's one database thread (bench/chat_load.py).
    database = dj_database_url.parse(url, conn_max_age=None, conn_health_checks=True)
    if database["ENGINE"] == "django.db.backends.sqlite3":
        # daphne, the Celery worker and beat write to one file at once: WAL lets
        # readers go on during a write, IMMEDIATE takes the write lock at BEGIN so
        # a read never has to upgrade (the source of "database is locked"), and
        # the timeout makes a writer wait its turn instead of failing.
        database["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
        database["TEST"] = {"NAME": os.environ.get("TEST_DATABASE_NAME", str(VAR_DIR / "test.sqlite3"))}
    return database


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: one host, several hosts, or Sentinel (docs/production.md) -------
# REDIS_URL alone (the default) is the channel layer, the Celery broker and the
# cache. CHANNEL_LAYER_REDIS_URLS (comma-separated) spreads the channel layer
# over several Redis servers, which channels-redis shards by consistent hashing
# of channel and group names: every daphne process must list the same servers in
# the same order. REDIS_SENTINELS (host:port,...) with REDIS_SENTINEL_MASTER puts
# the channel layer and the broker behind Sentinel, so a failover moves them to
# the new master without a restart. The cache, the API rate counters and the
# /healthz Redis check always use REDIS_URL: Django's Redis cache knows no Sentinel.
from django.core.exceptions import ImproperlyConfigured  # noqa: E402

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
CHANNEL_LAYER_REDIS_URLS = env_list("CHANNEL_LAYER_REDIS_URLS", "")
REDIS_SENTINELS = env_list("REDIS_SENTINELS", "")
REDIS_SENTINEL_MASTER = os.environ.get("REDIS_SENTINEL_MASTER", "").strip()


def _sentinel_address(entry: str) -> tuple[str, int]:
    host, _, port = entry.rpartition(":")
    if not host or not port.isdigit():
        raise ImproperlyConfigured(f"REDIS_SENTINELS: {entry!r} is not host:port")
    return host, int(port)


def _redis_topology() -> tuple[list[dict], str, dict]:
    """The channel layer's hosts, the broker URL it implies and the broker's transport options."""
    if bool(REDIS_SENTINELS) != bool(REDIS_SENTINEL_MASTER):
        raise ImproperlyConfigured("REDIS_SENTINELS and REDIS_SENTINEL_MASTER go together")
    if REDIS_SENTINELS and CHANNEL_LAYER_REDIS_URLS:
        raise ImproperlyConfigured("set CHANNEL_LAYER_REDIS_URLS or REDIS_SENTINELS, not both")
    if REDIS_SENTINELS:
        sentinels = [_sentinel_address(entry) for entry in REDIS_SENTINELS]
        # kombu tries the sentinel:// URLs in turn and asks for master_name.
        broker_url = ";".join(f"sentinel://{host}:{port}" for host, port in sentinels)
        return ([{"sentinels": sentinels, "master_name": REDIS_SENTINEL_MASTER}], broker_url,
                {"master_name": REDIS_SENTINEL_MASTER})
    return [{"address": url} for url in CHANNEL_LAYER_REDIS_URLS or [REDIS_URL]], REDIS_URL, {}


CHANNEL_LAYER_HOSTS, _REDIS_BROKER_URL, _REDIS_BROKER_TRANSPORT_OPTIONS = _redis_topology()

CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            "hosts": CHANNEL_LAYER_HOSTS,
            "prefix": os.environ.get("CHANNEL_LAYER_PREFIX", "asgi"),
            "capacity": 1000,
            # All sockets of one process share one Redis list, and so one capacity
            # (channels_redis#97): at 1,000, matching the head of a line of 5,000
            # dropped up to 3,000 customers' position updates (bench: queue). A
            # dropped chat event is recovered from sequence numbers; a position
            # waits for the next change. Room for a line of 20,000 costs Redis
            # memory only while a process is behind.
            "channel_capacity": {"specific.*": 20_000},
        },
    },
}

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": os.environ.get("CHANNEL_LAYER_PREFIX", "asgi"),
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "queueing.authentication.GuestTokenAuthentication",
        "integrations.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}

# Celery: REDIS_URL, or the Sentinel master (the Redis block above). Tasks are
# idempotent and acked late, so a worker killed mid-task only causes a harmless
# second run.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", _REDIS_BROKER_URL)
CELERY_BROKER_TRANSPORT_OPTIONS = _REDIS_BROKER_TRANSPORT_OPTIONS
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# The chat sockets (docs/protocol.md). Seed 002's values unless a reason is given.
CHAT_HEARTBEAT_SECONDS = float(os.environ.get("CHAT_HEARTBEAT_SECONDS", 20))
CHAT_REQUEST_TIMEOUT_SECONDS = float(os.environ.get("CHAT_REQUEST_TIMEOUT_SECONDS", 15))
CHAT_MAX_CONNECTIONS = int(os.environ.get("CHAT_MAX_CONNECTIONS", 2000))
# A chat message is at most 4,000 characters; 16 KiB leaves room for the envelope
# and multi-byte text while keeping one frame's cost small.
CHAT_MAX_FRAME_BYTES = int(os.environ.get("CHAT_MAX_FRAME_BYTES", 16 * 1024))
# Typing indicators are sent at most every few seconds by the widget; 10/s with
# bursts of 30 only stops a client that has gone wrong.
CHAT_RATE_PER_SECOND = float(os.environ.get("CHAT_RATE_PER_SECOND", 10))
CHAT_RATE_BURST = int(os.environ.get("CHAT_RATE_BURST", 30))
# How long SIGTERM waits for drained sockets to finish their close handshake.
CHAT_DRAIN_SECONDS = float(os.environ.get("CHAT_DRAIN_SECONDS", 10))
CHAT_ALLOWED_ORIGINS = env_list("CHAT_ALLOWED_ORIGINS", ",".join(ALLOWED_HOSTS))
# Peers whose X-Forwarded-For is believed (the reverse proxy in front of daphne).
TRUSTED_PROXIES = set(env_list("TRUSTED_PROXIES", ""))

# The conversation's life (issue: bot first, escalation, end chat).
# The queue of a conversation whose widget names none.
CHAT_DEFAULT_QUEUE = os.environ.get("CHAT_DEFAULT_QUEUE", "support")
CHAT_BOT_RESPONDER = os.environ.get("CHAT_BOT_RESPONDER", "chat.bot.FaqResponder")
CHAT_BOT_NAME = os.environ.get("CHAT_BOT_NAME", "Assistant")
# Below this the bot says it is not sure instead of answering; twice in a row
# and it offers a person.
CHAT_BOT_MIN_CONFIDENCE = float(os.environ.get("CHAT_BOT_MIN_CONFIDENCE", 0.5))
# An agent whose staff console has been gone this long is set offline and their
# chats go back to the head of the queue: longer than a phone switching networks.
CHAT_AGENT_GRACE_SECONDS = float(os.environ.get("CHAT_AGENT_GRACE_SECONDS", 60))
# A conversation with no event for this long is ended by the idle-chat task.
CHAT_IDLE_END_SECONDS = float(os.environ.get("CHAT_IDLE_END_SECONDS", 15 * 60))
# ... and one whose guest has had no socket open this long (the tab was closed):
# long enough for a reload, a tunnel, a phone call.
CHAT_GUEST_GONE_SECONDS = float(os.environ.get("CHAT_GUEST_GONE_SECONDS", 10 * 60))

# LOG_FORMAT=json: one JSON object per line, with the connection, conversation
# and reservation ids of the work being logged (contactcenter/logging.py).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "json": {"()": "contactcenter.logging.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json" if LOG_FORMAT == "json" else "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"daphne": {"level": "WARNING"}},
}

# --- Surveys (surveys/) ---------------------------------------------------
# How long a post-chat survey stays answerable, over the socket or at its
# signed link. A week covers a customer who comes back to the link after a
# weekend; answers much later say little about that one chat.
SURVEY_INVITATION_TTL_SECONDS = int(os.environ.get("SURVEY_INVITATION_TTL_SECONDS", 7 * 24 * 3600))

# --- Queueing (queueing/, docs/queueing.md) ---------------------------------
# Read from the environment like the rest, so tests can shorten them for the
# daphne and Celery processes they start.
# An agent has this long to accept an offer before the customer goes back to
# the head of the queue (and the agent is set away).
QUEUE_OFFER_TIMEOUT_SECONDS = float(os.environ.get("QUEUE_OFFER_TIMEOUT_SECONDS", 30))
# How long after an idle expiry the customer may rejoin at their original place:
# long enough to survive a phone locking or a page reload.
QUEUE_REJOIN_GRACE_SECONDS = float(os.environ.get("QUEUE_REJOIN_GRACE_SECONDS", 300))
# The "are you still there?" warning goes out this long before an idle expiry.
QUEUE_IDLE_WARNING_SECONDS = float(os.environ.get("QUEUE_IDLE_WARNING_SECONDS", 30))
# An estimate that moved less than this is not pushed again: the 10 s refresh
# would otherwise send a few seconds of drift to every waiting customer.
QUEUE_ESTIMATE_TOLERANCE_SECONDS = float(os.environ.get("QUEUE_ESTIMATE_TOLERANCE_SECONDS", 30))
# A comment line on an idle SSE stream, so proxies do not time it out.
QUEUE_SSE_KEEPALIVE_SECONDS = float(os.environ.get("QUEUE_SSE_KEEPALIVE_SECONDS", 15))

# --- Integrations (integrations/): API tokens, webhooks, OpenAPI ------------
# Requests per token, across every API view: enough for a sync job paging
# through transcripts, low enough that one runaway script cannot starve the
# chat's database. DRF's rate syntax: "<count>/<second|minute|hour|day>".
INTEGRATIONS_TOKEN_RATE = os.environ.get("INTEGRATIONS_TOKEN_RATE", "600/minute")
# A receiver gets this long to answer; a slow one costs a worker this much per attempt.
INTEGRATIONS_WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("INTEGRATIONS_WEBHOOK_TIMEOUT_SECONDS", 5))
# Attempts before a delivery is marked failed. With the backoff below, eight
# attempts span about 40 minutes: a receiver restarted or redeployed in that
# time still gets everything.
INTEGRATIONS_WEBHOOK_MAX_ATTEMPTS = int(os.environ.get("INTEGRATIONS_WEBHOOK_MAX_ATTEMPTS", 8))
# The wait before the second attempt, doubled before each following one.
INTEGRATIONS_WEBHOOK_BACKOFF_SECONDS = float(os.environ.get("INTEGRATIONS_WEBHOOK_BACKOFF_SECONDS", 20))
# The longest wait between two attempts. A retry waits in the worker as an ETA
# task, and the Redis broker hands an unacknowledged task to another worker
# after its visibility timeout (an hour): stay well under it.
INTEGRATIONS_WEBHOOK_BACKOFF_MAX_SECONDS = float(os.environ.get("INTEGRATIONS_WEBHOOK_BACKOFF_MAX_SECONDS", 30 * 60))

SPECTACULAR_SETTINGS = {
    "TITLE": "Contact center API",
    "DESCRIPTION": "Conversations and transcripts, queues and reservations, survey results. "
                   "Integrations authenticate with `Authorization: Bearer <key>` (an API token, created by staff "
                   "in the admin); the chat widget uses `Authorization: Guest <token>`.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI's files come from the product (drf-spectacular-sidecar, served by whitenoise), not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Three models have a `status`: name each set of choices after its model.
    "ENUM_NAME_OVERRIDES": {
        "ConversationStatusEnum": "chat.models.Conversation.Status",
        "ReservationStatusEnum": "queueing.models.Reservation.Status",
        "AgentStatusEnum": "queueing.models.Agent.Status",
    },
}

# --- Operations: /metrics, the wallboard, structured logs --------------------
# The worker imports this module at start: its signal handlers count task
# outcomes in Redis for /metrics.
CELERY_IMPORTS = ["contactcenter.task_counters"]
# Celery replaces the root handler in the worker unless told not to; in JSON
# mode the worker keeps LOGGING's handler, so its lines are JSON too.
CELERY_WORKER_HIJACK_ROOT_LOGGER = LOG_FORMAT != "json"
# The wallboard's chart shows today; yesterday's snapshots are kept too, so a
# supervisor can still look just after midnight.
WALLBOARD_SNAPSHOT_KEEP_SECONDS = int(os.environ.get("WALLBOARD_SNAPSHOT_KEEP_SECONDS", 2 * 24 * 3600))
