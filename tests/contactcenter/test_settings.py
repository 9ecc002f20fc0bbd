"""Settings come from the environment, with safe defaults."""
import json
import subprocess
import sys

from tests.processes import BASE_DIR

PRINT_SETTINGS = """
import json, django
from django.conf import settings
django.setup()
db = settings.DATABASES["default"]
print(json.dumps({
    "engine": db["ENGINE"], "name": db["NAME"], "host": db.get("HOST"), "options": db.get("OPTIONS", {}),
    "debug": settings.DEBUG, "allowed_hosts": settings.ALLOWED_HOSTS, "secret_key": settings.SECRET_KEY,
    "redis": settings.REDIS_URL, "broker": settings.CELERY_BROKER_URL,
    "layer_hosts": settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"],
}))
"""


def settings_with(tmp_path, **env) -> dict:
    clean = {"PATH": "/usr/bin:/bin", "VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "contactcenter.settings"}
    output = subprocess.run([sys.executable, "-c", PRINT_SETTINGS], cwd=BASE_DIR, env={**clean, **env},
                            capture_output=True, text=True, check=True).stdout
    return json.loads(output)


def test_defaults_are_a_wal_sqlite_file_debug_off_and_a_generated_secret_kept_in_a_file(tmp_path):
    first = settings_with(tmp_path)
    assert first["engine"] == "django.db.backends.sqlite3"
    assert first["name"] == str(tmp_path / "db.sqlite3")
    assert "journal_mode=WAL" in first["options"]["init_command"]
    assert first["options"]["transaction_mode"] == "IMMEDIATE"
    assert first["options"]["timeout"] >= 5
    assert first["debug"] is False
    assert len(first["secret_key"]) >= 50
    assert (tmp_path / "secret_key").read_text() == first["secret_key"]
    assert settings_with(tmp_path)["secret_key"] == first["secret_key"]


def test_environment_overrides_database_redis_hosts_debug_and_secret(tmp_path):
    loaded = settings_with(
        tmp_path,
        DATABASE_URL="postgres://cc:pw@db.internal:5432/contactcenter",
        REDIS_URL="redis://cache.internal:6380/2",
        ALLOWED_HOSTS="chat.example.com, admin.example.com",
        DEBUG="true",
        SECRET_KEY="from-the-environment",
    )
    assert loaded["engine"] == "django.db.backends.postgresql"
    assert (loaded["name"], loaded["host"]) == ("contactcenter", "db.internal")
    assert loaded["options"] == {}
    assert loaded["redis"] == loaded["broker"] == "redis://cache.internal:6380/2"
    assert loaded["layer_hosts"] == [{"address": "redis://cache.internal:6380/2"}]
    assert loaded["allowed_hosts"] == ["chat.example.com", "admin.example.com"]
    assert loaded["debug"] is True
    assert loaded["secret_key"] == "from-the-environment"
    assert not (tmp_path / "secret_key").exists()
