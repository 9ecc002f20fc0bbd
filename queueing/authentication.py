"""Who calls the queueing API: a guest with its widget token, or a user (staff
in the console, integrations with a DRF token)."""
from dataclasses import dataclass

from rest_framework import authentication, exceptions, permissions

from chat.models import Guest
from chat.protocol import ActionError
from chat.services.guests import guest_from_token

GUEST_KEYWORD = "Guest"


@dataclass(frozen=True)
class GuestPrincipal:
    """`request.user` for a guest: authenticated, never staff, owns one guest row."""

    guest: Guest
    is_authenticated = True
    is_anonymous = False
    is_staff = False
    is_active = True


class GuestTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Guest <token>`, the signed token the chat socket's hello returns."""

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != GUEST_KEYWORD.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("expected 'Authorization: Guest <token>'")
        try:
            guest = guest_from_token(parts[1].decode())
        except (ActionError, UnicodeDecodeError):
            raise exceptions.AuthenticationFailed("the guest token is not valid")
        return GuestPrincipal(guest=guest), parts[1].decode()

    def authenticate_header(self, request):
        return GUEST_KEYWORD


class IsGuestOrStaff(permissions.BasePermission):
    def has_permission(self, request, view):
        user = request.user
        return isinstance(user, GuestPrincipal) or bool(user and user.is_authenticated and user.is_staff)


class IsStaff(permissions.BasePermission):
    def has_permission(self, request, view):
        user = request.user
        return not isinstance(user, GuestPrincipal) and bool(user and user.is_authenticated and user.is_staff)
