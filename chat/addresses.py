from django.conf import settings


def client_address(scope) -> str:
    """The peer's address; X-Forwarded-For counts only when the peer is a trusted proxy."""
    peer = (scope.get("client") or ["", 0])[0] or ""
    if peer not in settings.TRUSTED_PROXIES:
        return peer
    for name, value in scope.get("headers", []):
        if name == b"x-forwarded-for":
            # The rightmost address that is not one of our proxies is the first
            # one nobody could have forged on the way in.
            for hop in reversed([part.strip() for part in value.decode("latin-1").split(",")]):
                if hop and hop not in settings.TRUSTED_PROXIES:
                    return hop
    return peer
