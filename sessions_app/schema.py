"""OpenAPI: the bot protocol's token in the JSON body (accounts.auth.BodyTokenAuthentication).

Without this, the Bearer extension (match_subclasses) also claims the body-token
class under the same name and drf-spectacular warns about a name clash.
"""
from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BodyTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.auth.BodyTokenAuthentication"
    name = ["botBearerToken", "botBodyToken"]
    priority = 1

    def get_security_definition(self, auto_schema):
        return [
            {"type": "http", "scheme": "bearer", "description": "A bot-scoped API token."},
            {"type": "apiKey", "in": "header", "name": "token",
             "description": "Or the same token as `token` in the JSON body (the bot protocol)."},
        ]
