"""OpenAPI descriptions of Jobelix's authentication (drf-spectacular extensions)."""
from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.auth.BearerTokenAuthentication"
    match_subclasses = True
    name = "bearerToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "An API token (scope bot or worker) from the Tokens page."}


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.auth.CsrfSessionAuthentication"
    name = "sessionCookie"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid", "description": "Browser session (with CSRF token)."}
