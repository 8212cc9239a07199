"""Simulated bots and dashboards for the load and fault tests (asyncio, real sockets).

`Dashboard` behaves like static/js/realtime.js: it reconnects with backoff after
any close, resumes with `?last_event_id=`, dedupes by id and answers pings.
`Bot` behaves like the bot's StatusReporter: start, then one heartbeat per
period (never two in flight), counters that only go up.
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
from urllib.parse import urlencode

import httpx

logging.getLogger("httpx").setLevel(logging.WARNING)  # one INFO line per heartbeat drowns failures


class Dashboard:
    def __init__(self, ws_url: str, token: str | None, channels: str = "bot", cookie: str | None = None):
        """With an API token, or (staff views: staff powers need a session) a session `cookie`."""
        self.ws_url, self.token, self.channels, self.cookie = ws_url, token, channels, cookie
        self.last_event_id = 0
        self.events: dict[int, dict] = {}
        self.duplicates = 0
        self.connects = 0
        self.close_codes: list = []
        self.live = asyncio.Event()
        self.stopping = False
        self.task: asyncio.Task | None = None

    def url(self) -> str:
        query = {"channels": self.channels}
        if self.last_event_id:
            query["last_event_id"] = self.last_event_id
        return f"{self.ws_url}?{urlencode(query)}"

    def start(self):
        self.task = asyncio.ensure_future(self._run())
        return self

    async def _run(self):
        from websockets.asyncio.client import connect
        from websockets.exceptions import ConnectionClosed

        backoff = 0.2
        while not self.stopping:
            try:
                headers = {"Cookie": self.cookie} if self.cookie else {"Authorization": f"Bearer {self.token}"}
                async with connect(self.url(), additional_headers=headers, open_timeout=10, ping_interval=None,
                                   close_timeout=1) as ws:
                    self.connects += 1
                    backoff = 0.2
                    async for raw in ws:
                        self._handle(json.loads(raw))
                        if self._pong_due:
                            self._pong_due = False
                            await ws.send('{"action": "pong"}')
                    self.close_codes.append(ws.close_code)
            except ConnectionClosed as exc:
                self.close_codes.append(exc.rcvd.code if exc.rcvd else None)
            except (TimeoutError, OSError, Exception) as exc:  # refused while a server is down
                self.close_codes.append(type(exc).__name__)
            self.live.clear()
            if self.stopping:
                return
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 2.0)

    _pong_due = False

    def _handle(self, message: dict):
        kind = message.get("type")
        if kind == "system.connected":
            self.live.set()
        elif kind == "system.ping":
            self._pong_due = True
        elif message.get("id") is not None:
            if message["id"] in self.events:
                self.duplicates += 1
                return
            self.events[message["id"]] = message
            self.last_event_id = max(self.last_event_id, message["id"])

    async def stop(self):
        self.stopping = True
        if self.task:
            self.task.cancel()
            try:
                await self.task
            except BaseException:
                pass

    def heartbeats_seen(self) -> set[tuple[str, int]]:
        """(session_id, jobs_found) of every bot.session_updated received."""
        return {(e["data"]["session_id"], e["data"]["jobs_found"])
                for e in self.events.values() if e["type"] == "bot.session_updated"}


class Bot:
    def __init__(self, base_url: str, token: str, http: httpx.AsyncClient, period: float = 1.0):
        self.base_url, self.token, self.http, self.period = base_url, token, http, period
        self.session_id: str | None = None
        self.acknowledged = 0  # the i of the last heartbeat answered 200
        self.last_sent = 0
        self.acked: list[int] = []
        self.statuses: dict = {}
        self.sent = 0
        self.log: list[tuple[float, object]] = []  # (monotonic time answered, status)

    async def start(self):
        response = await self.http.post(f"{self.base_url}/api/autoapply/bot/start", json={
            "token": self.token, "bot_version": "reliability-1.0", "platform": "linux"})
        assert response.status_code == 200, response.text
        self.session_id = response.json()["session_id"]
        return self

    @staticmethod
    def stats(i: int) -> dict:
        return {"jobs_found": i, "jobs_applied": i // 2, "jobs_failed": i // 10, "credits_used": i // 2}

    async def heartbeat(self, i: int):
        try:
            response = await self.http.post(f"{self.base_url}/api/autoapply/bot/heartbeat", json={
                "token": self.token, "session_id": self.session_id, "activity": "applying",
                "details": {"n": i}, "stats": self.stats(i)})
            status = response.status_code
        except httpx.HTTPError as exc:
            status = type(exc).__name__
        self.last_sent = i
        self.statuses[status] = self.statuses.get(status, 0) + 1
        self.log.append((time.monotonic(), status))
        if status == 200:
            self.acknowledged = i
            self.acked.append(i)
        return status

    async def run(self, until: float):
        """Heartbeat every `period` seconds until the monotonic time `until` (late ones are not bunched)."""
        i = self.acknowledged
        next_at = time.monotonic()
        while time.monotonic() < until:
            i += 1
            self.sent += 1
            await self.heartbeat(i)
            next_at += self.period
            delay = next_at - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            else:
                next_at = time.monotonic()


def http_client(connections: int) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    return httpx.AsyncClient(timeout=httpx.Timeout(60.0), limits=limits, trust_env=False)


async def wait_until(predicate, timeout: float, step: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        await asyncio.sleep(step)
    return predicate()


def stored_sessions(session_ids) -> dict[str, dict]:
    from sessions_app.models import BotSession

    return {str(s.id): s.stats() for s in BotSession.objects.filter(pk__in=list(session_ids))}


def stored_event_ids(user_ids, channel="bot") -> dict[int, set[int]]:
    from realtime.models import Event

    result: dict[int, set[int]] = {uid: set() for uid in user_ids}
    for event_id, user_id in Event.objects.filter(user_id__in=list(user_ids), channel=channel).values_list("id", "user_id"):
        result[user_id].add(event_id)
    return result


def make_bot_users(django_user_model, label: str, count: int) -> list[tuple[int, str]]:
    """`count` users with a `bot` token each, fast (no password hashing)."""
    from accounts.services import create_token

    users = []
    for i in range(count):
        user = django_user_model(username=f"{label}-{i}", email=f"{label}-{i}@example.com")
        user.set_unusable_password()
        users.append(user)
    django_user_model.objects.bulk_create(users)
    created = django_user_model.objects.filter(username__startswith=f"{label}-").order_by("id")
    return [(user.id, create_token(user, "reliability", "bot")[1]) for user in created]
