"""API authentication: Bearer tokens (hashed ApiToken), the bot protocol's body token,
session auth with CSRF (scope checks: accounts.permissions; JSON error bodies: core.api)."""
import json

from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, SessionAuthentication

from accounts.services import authenticate_token


def bearer_from_header(value: str | None):
    """The token of an `Authorization: Bearer <token>` header; '' when malformed."""
    if not value:
        return None
    parts = value.split()
    if len(parts) != 2 or parts[0].lower() != "bearer":
        return ""
    return parts[1]


class BearerTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer <token>`; request.auth becomes the ApiToken."""

    def raw_token(self, request):
        return bearer_from_header(request.META.get("HTTP_AUTHORIZATION"))

    def authenticate(self, request):
        raw = self.raw_token(request)
        if raw is None:
            return None  # not attempted: let session auth try
        token = authenticate_token(raw)
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class BodyTokenAuthentication(BearerTokenAuthentication):
    """The bot protocol also sends `{"token": ...}` in the JSON body (spec: bot-status-integration)."""

    def raw_token(self, request):
        raw = super().raw_token(request)
        if raw is not None:
            return raw
        if request.content_type and request.content_type.startswith("application/json"):
            try:
                body = json.loads(request.body or b"{}")
            except (ValueError, UnicodeDecodeError):
                return None  # the view reports the bad JSON
            if isinstance(body, dict) and "token" in body:
                value = body["token"]
                return value if isinstance(value, str) else ""
        return None


class CsrfSessionAuthentication(SessionAuthentication):
    """Browser requests: the Django session, with CSRF enforced."""

