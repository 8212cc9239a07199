"""Who may call an API view: the token scopes it names, sessions, staff powers (docs/security.md).

Every API view names the token scopes it accepts in `token_scopes`: a tuple for every
method, or a dict {"GET": (...), "POST": (...)} per method. A view that names none
accepts no token, so an endpoint that forgets is closed to tokens by default. Browser
sessions are accepted unless the view says `session_allowed = False` (the bot
protocol's start/heartbeat/complete, the worker's update-progress).

Staff powers (watching another user, `C:all` channels, scraping control, everyone's
submissions) need a staff user on a logged-in session: a staff member's token is
just a token of its scope.
"""
from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from accounts.models import ApiToken

Scopes = tuple[str, ...]


def token_of(request: Request) -> ApiToken | None:
    """The API token the request authenticated with, or None (a session, or anonymous)."""
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, ApiToken) else None


def accepted_scopes(view: Any, method: str) -> Scopes:
    """The token scopes `view` accepts for `method` (HEAD as GET); () when it names none."""
    declared = getattr(view, "token_scopes", ())
    if isinstance(declared, dict):
        return tuple(declared.get("GET" if method == "HEAD" else method, ()))
    return tuple(declared)


def has_staff_powers(user: Any, token: ApiToken | None) -> bool:
    """Staff powers: a staff user on a session, never through a token."""
    return bool(user is not None and user.is_authenticated and user.is_staff and token is None)


class TokenScopes(BasePermission):
    """The default permission: a signed-in caller, with a token of a scope the view names,
    or a session where the view allows one."""

    message = "This endpoint needs a logged-in session, not a token."

    def has_permission(self, request: Request, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False  # DRF answers 401 (or 403 where no authenticator sends a challenge)
        token = token_of(request)
        session_allowed = getattr(view, "session_allowed", True)
        scopes = accepted_scopes(view, request.method or "")
        if token is None:
            if session_allowed:
                return True
            self.message = f"This endpoint needs a Bearer token with scope {' or '.join(scopes)}."
            return False
        if token.scope in scopes:
            return True
        if scopes:
            either = ", or a logged-in session" if session_allowed else ""
            self.message = f"This endpoint needs a token with scope {' or '.join(scopes)}{either}."
        return False


class StaffSession(BasePermission):
    """Staff powers: a staff user on a logged-in session (never a token)."""

    message = "Only staff, on a logged-in session, may do this."

    def has_permission(self, request: Request, view: Any) -> bool:
        return has_staff_powers(request.user, token_of(request))


class StaffSessionForWrites(StaffSession):
    """Reads for whoever TokenScopes lets in; writes need staff powers."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return request.method in SAFE_METHODS or super().has_permission(request, view)


class StaffQueryNeedsSession(BasePermission):
    """Query parameters that ask for a staff power (the view's `staff_query`, e.g. {"scope": "all"}
    for everyone's submissions) are refused with a token, whoever owns it."""

    message = "That is a staff view: it needs a staff member on a logged-in session, not a token."

    def has_permission(self, request: Request, view: Any) -> bool:
        wanted: dict[str, str] = getattr(view, "staff_query", {})
        asks = any(request.query_params.get(name) == value for name, value in wanted.items())
        return not asks or token_of(request) is None


class TokenViewer:
    """A token's user as the realtime checks see it: the same user, without staff powers.

    Passed where code asks `user.is_staff` (channel validation, `user_id=`), so a staff
    member's token gets exactly what a non-staff user's token gets.
    """

    is_staff = False
    is_superuser = False

    def __init__(self, user: Any):
        self._user = user

    def __getattr__(self, name: str) -> Any:
        return getattr(self._user, name)


def realtime_viewer(user: Any, *, via_token: bool) -> Any:
    """`user` on a session; a TokenViewer of it when it came with a token."""
    return TokenViewer(user) if via_token else user
