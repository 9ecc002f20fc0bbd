"""Integration callers: `Authorization: Bearer <key>` with an API token, the
scope a view requires of them, and their rate limit. Guests and staff
sessions (and DRF tokens) are not affected by either."""
from django.conf import settings
from rest_framework import authentication, exceptions, permissions, throttling

from integrations.models import ApiToken
from integrations.scopes import Scope
from integrations.tokens import api_token_by_key, api_token_used

BEARER_KEYWORD = "Bearer"


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """`request.user` is the token's owner and `request.auth` the ApiToken."""

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != BEARER_KEYWORD.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("expected 'Authorization: Bearer <key>'")
        try:
            key = parts[1].decode()
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("the API token is not valid")
        token = api_token_by_key(key)
        if token is None:
            raise exceptions.AuthenticationFailed("the API token is not valid")
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed("the API token has been revoked")
        if not token.owner.is_active:
            raise exceptions.AuthenticationFailed("the API token's owner is inactive")
        api_token_used(token=token)
        return token.owner, token

    def authenticate_header(self, request):
        return BEARER_KEYWORD


def scope_required(scope: Scope) -> type[permissions.BasePermission]:
    """A permission class: an API-token caller needs `scope`; other callers pass
    (the view's other permission classes decide for them)."""

    class TokenHasScope(permissions.BasePermission):
        message = f"this API token lacks the scope '{scope}'"

        def has_permission(self, request, view):
            token = request.auth
            return not isinstance(token, ApiToken) or token.has_scope(scope)

    TokenHasScope.__name__ = TokenHasScope.__qualname__ = f"TokenHasScope[{scope}]"
    return TokenHasScope


class ApiTokenRateThrottle(throttling.SimpleRateThrottle):
    """INTEGRATIONS_TOKEN_RATE per API token, counted in the cache (Redis) so
    every daphne process shares the count. Other callers are not throttled."""

    scope = "api_token"

    def get_rate(self):
        return settings.INTEGRATIONS_TOKEN_RATE

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, ApiToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}
