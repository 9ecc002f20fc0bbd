"""The signed token of a survey link: the invitation id, signed so it cannot be
guessed or altered. Expiry is the invitation's `expires_at`, not the signature's
age, so staff can see and reason about it in one place."""
from django.core import signing

from surveys.models import Invitation

SALT = "surveys.invitation"


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps(invitation.pk, salt=SALT)


def invitation_id_from_token(token: str) -> int | None:
    """The invitation id a token was signed for, or None for a forged or damaged token."""
    try:
        invitation_id = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    return invitation_id if isinstance(invitation_id, int) else None
