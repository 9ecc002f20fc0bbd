"""Writes and reads of API tokens."""
import hashlib
import secrets
from datetime import timedelta

from django.utils import timezone

from integrations.models import ApiToken

# Marks the key as ours in secret scanners and logs.
KEY_PREFIX = "cc_"
# A key is looked up by its hash, so it must carry its own entropy: 32 random bytes.
KEY_BYTES = 32
# last_used_at is a hint for staff ("is this token still in use?"), not an
# audit log: writing it on every request would add a write to every API read.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def key_hash(key: str) -> str:
    # A plain SHA-256 is enough for a random 256-bit key: there is nothing to
    # guess, so the slow password hashers would only slow every request down.
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_key_assign(*, token: ApiToken) -> str:
    """Give an unsaved token a new key; only its hash is kept. Returns the key,
    to be shown once."""
    key = KEY_PREFIX + secrets.token_urlsafe(KEY_BYTES)
    token.prefix = key[: len(KEY_PREFIX) + 6]
    token.key_hash = key_hash(key)
    return key


def api_token_create(*, name: str, owner, scopes: list[str]) -> tuple[ApiToken, str]:
    token = ApiToken(name=name, owner=owner, scopes=list(scopes))
    key = api_token_key_assign(token=token)
    token.save()
    return token, key


def api_token_revoke(*, token: ApiToken) -> bool:
    """True if this call revoked it (False: it already was)."""
    revoked = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    token.refresh_from_db(fields=["revoked_at"])
    return revoked == 1


def api_token_by_key(key: str) -> ApiToken | None:
    return ApiToken.objects.select_related("owner").filter(key_hash=key_hash(key)).first()


def api_token_used(*, token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
