"""Helpers for the bot-session tests: a live server, reporters, raw protocol calls."""

import pytest
import requests

from bot.reporter import StatusReporter
from tests import support


@pytest.fixture
def live(transactional_db, daphne_server):
    """The session's real daphne; its writes are visible here (transactional_db)."""
    return daphne_server


@pytest.fixture
def reporter_for(live, make_token):
    """reporter_for(user, **kw) -> (StatusReporter against the live server, raw token)."""
    made = []

    def make(user, **kwargs):
        raw = make_token(user)
        reporter = StatusReporter(raw, live.url, **kwargs)
        made.append(reporter)
        return reporter, raw

    yield make
    for reporter in made:
        reporter.stop_periodic_heartbeat()


class Protocol:
    """Raw calls to /api/autoapply/bot/* (for the answers the reporter hides)."""

    def __init__(self, server):
        self.base = server.url + "/api/autoapply/bot/"

    def post(self, name, body=None, token=None, bearer=None, raw=None, headers=None):
        headers = dict(headers or {})
        if bearer:
            headers["Authorization"] = f"Bearer {bearer}"
        if raw is not None:
            headers.setdefault("Content-Type", "application/json")
            return requests.post(self.base + name, data=raw, headers=headers, timeout=10)
        body = dict(body or {})
        if token:
            body["token"] = token
        return requests.post(self.base + name, json=body, headers=headers, timeout=10)

    def get(self, name, bearer=None):
        headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
        return requests.get(self.base + name, headers=headers, timeout=10)

    def heartbeat(self, token, session_id, activity="applying_jobs", stats=None, **extra):
        stats = stats or {"jobs_found": 0, "jobs_applied": 0, "jobs_failed": 0, "credits_used": 0}
        return self.post("heartbeat", {"session_id": session_id, "activity": activity, "stats": stats, **extra},
                         token=token)


@pytest.fixture
def protocol(live):
    return Protocol(live)


wait_until = support.wait_until  # re-exported: the sessions tests import it from here
