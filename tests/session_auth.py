"""A user's logged-in session for tests that need one: most of the API takes no token, and
staff powers (`user_id=`, `C:all` channels) come only with a staff session (docs/security.md)."""
from __future__ import annotations

import re
import secrets
from typing import Any
from urllib.parse import urlencode

from tests.conftest import WsListener

SAMPLE_IDS = ("1", "00000000-0000-4000-8000-000000000001")  # an <int:…> and a <uuid:…> path parameter


def session_cookie(user: Any) -> str:
    """`sessionid=…` of a fresh logged-in session of `user`."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


def session_headers(user: Any) -> dict[str, str]:
    """HTTP headers of `user`'s logged-in session, CSRF included (for clients outside Django's)."""
    csrf = secrets.token_hex(16)
    return {"Cookie": f"{session_cookie(user)}; csrftoken={csrf}", "X-CSRFToken": csrf}


def session_listener(server: Any, user: Any, channels: str = "", **query: Any) -> WsListener:
    """A WebSocket on `server` with `user`'s session cookie (no Origin: not a browser), welcomed.
    The caller closes it."""
    params = urlencode({"channels": channels, **query})
    listener = WsListener(f"{server.ws_url}?{params}", headers={"Cookie": session_cookie(user)})
    listener.wait_for("system.connected")
    return listener


def view_class_of(path_template: str) -> Any:
    """The API view behind an OpenAPI path such as /api/v1/jobs/{job_id}."""
    from django.urls import Resolver404, resolve

    for sample in SAMPLE_IDS:
        try:
            return resolve(re.sub(r"\{[^}]+\}", sample, path_template)).func.view_class
        except Resolver404:
            continue
    raise LookupError(f"no view for {path_template}")


def wanted_credentials(path_template: str, method: str) -> str:
    """"worker", "bot" or "session": what an operation accepts (its view's token_scopes)."""
    from accounts.permissions import accepted_scopes

    scopes = accepted_scopes(view_class_of(path_template), method.upper())
    return "worker" if "worker" in scopes else "bot" if "bot" in scopes else "session"
