"""How the API's authentication schemes appear in the OpenAPI schema."""
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object


class GuestTokenScheme(OpenApiAuthenticationExtension):
    target_class = "queueing.authentication.GuestTokenAuthentication"
    name = "guestToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "The chat widget's guest: `Guest <token>`, the token the socket's `hello` returns.",
        }


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "integrations.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            **build_bearer_security_scheme_object(header_name="Authorization", token_prefix="Bearer"),
            "description": "An API token created by staff in the admin: `Bearer <key>`, limited to its scopes.",
        }
