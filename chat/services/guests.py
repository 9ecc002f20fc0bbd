from django.core import signing

from chat.models import Guest
from chat.protocol import ActionError, Reason

GUEST_TOKEN_SALT = "chat.guest-token"


def guest_token(guest: Guest) -> str:
    return signing.dumps(str(guest.id), salt=GUEST_TOKEN_SALT)


def guest_from_token(token: str) -> Guest:
    try:
        guest_id = signing.loads(token, salt=GUEST_TOKEN_SALT)
        return Guest.objects.get(pk=guest_id)
    except (signing.BadSignature, Guest.DoesNotExist, ValueError):
        raise ActionError(Reason.FORBIDDEN, "the guest token is not valid: say hello without one for a new guest")


def guest_create() -> Guest:
    return Guest.objects.create()
