"""Helpers for the realtime tests: publish from the test process, log in over real HTTP."""
import re

import pytest
import requests
from django.db import transaction


def publish_now(user, channel, type_, data) -> int:
    """Publish the way services do (inside a transaction) and return the event id."""
    from realtime import publish

    with transaction.atomic():
        return publish(user, channel, type_, data).id


def a_type_on(channel: str) -> str:
    """Some catalogued event type that may be published on channel (for tests about delivery, not payloads)."""
    from realtime.catalogue import CATALOGUE, load_all

    load_all()
    return min(name for name, entry in CATALOGUE.items() if entry.via_publish and channel in entry.channels)


def live_on(redis_url):
    """override_settings for the test process to publish live events through another Redis."""
    return {"REDIS_URL": redis_url}


class HttpSession(requests.Session):
    """A requests session on a daphne server, logged in as a user (session cookie + CSRF)."""

    def __init__(self, server, user):
        super().__init__()
        from django.test import Client

        self.server = server
        client = Client()
        client.force_login(user)
        self.cookies.set("sessionid", client.cookies["sessionid"].value)

    def url(self, path):
        return f"{self.server.url}{path}"

    def csrf_token(self, path) -> str:
        """GET a form page and return its csrfmiddlewaretoken."""
        page = self.get(self.url(path), timeout=15)
        page.raise_for_status()
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)

    def broadcast(self, message, type_="system.notification", severity="info"):
        """Submit the admin broadcast form (no redirects followed: 302 means it was sent)."""
        path = "/admin/realtime/event/broadcast/"
        form = {
            "csrfmiddlewaretoken": self.csrf_token(path),
            "type": type_, "message": message, "severity": severity,
        }
        return self.post(self.url(path), data=form, allow_redirects=False, timeout=30,
                         headers={"Referer": self.url(path)})


@pytest.fixture
def http_login():
    """http_login(server, user) -> HttpSession (closed after the test)."""
    sessions = []

    def login(server, user):
        session = HttpSession(server, user)
        sessions.append(session)
        return session

    yield login
    for session in sessions:
        session.close()
