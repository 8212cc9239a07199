"""Who is on a WebSocket: an API token (Authorization: Bearer, the subprotocols
["bearer", <token>], or ?token= only when WS_ALLOW_QUERY_TOKEN is on: URLs end up in
logs and histories) or else the browser's session cookie."""
from urllib.parse import parse_qs

from channels.auth import get_user
from channels.middleware import BaseMiddleware
from channels.sessions import CookieMiddleware, SessionMiddleware
from django.conf import settings
from django.contrib.auth.models import AnonymousUser

from accounts.auth import averified_token, bearer_from_header


def token_from_scope(scope):
    """Return (raw token or None, via) — via is 'query', 'header' or 'subprotocol'."""
    query = parse_qs(scope.get("query_string", b"").decode(errors="replace"))
    if query.get("token") and settings.WS_ALLOW_QUERY_TOKEN:
        return query["token"][0], "query"
    headers = dict(scope.get("headers", []))
    header = headers.get(b"authorization")
    if header is not None:
        return bearer_from_header(header.decode(errors="replace")) or "", "header"
    protocols = scope.get("subprotocols") or []
    if "bearer" in protocols and protocols.index("bearer") + 1 < len(protocols):
        return protocols[protocols.index("bearer") + 1], "subprotocol"
    return None, None


class TokenOrSessionAuthMiddleware(BaseMiddleware):
    async def __call__(self, scope, receive, send):
        scope = dict(scope)
        raw, via = token_from_scope(scope)
        if raw is not None:
            token = await averified_token(raw)
            scope["user"] = token.user if token else AnonymousUser()
            scope["auth_method"] = "token"
            scope["auth_via"] = via
            scope["auth_token_id"] = token.pk if token else None  # realtime.guards: revocation closes it
        else:
            scope["user"] = await get_user(scope)
            scope["auth_method"] = "session"
            scope["auth_via"] = "cookie"
        return await super().__call__(scope, receive, send)


def WebSocketAuthMiddleware(inner):
    return CookieMiddleware(SessionMiddleware(TokenOrSessionAuthMiddleware(inner)))
