"""The two servers under test behind one interface: Jobelix (daphne) and the socket.io peer.

A `Target` knows how to open a dashboard client for a user, start a bot session
and send the i-th heartbeat; latency.py and ingest.py drive both the same way.
"""
from __future__ import annotations

import httpx
from _harness import Client, Server, heartbeat_body, jobelix_ws_url, socketio_ws_url


class Target:
    name = "?"
    event_type = "bot.session_updated"

    def __init__(self, server: Server):
        self.server = server

    def client(self, token: str, on_event=None) -> Client:
        raise NotImplementedError

    async def start_session(self, http: httpx.AsyncClient, token: str) -> str:
        response = await http.post(f"{self.server.http}{self.start_path}", json={
            "token": token, "bot_version": "bench-1.0", "platform": "linux"})
        if response.status_code != 200:
            raise RuntimeError(f"{self.name} start: {response.status_code} {response.text[:300]}")
        return response.json()["session_id"]

    async def heartbeat(self, http: httpx.AsyncClient, token: str, session_id: str, i: int) -> httpx.Response:
        return await http.post(f"{self.server.http}{self.heartbeat_path}", json=heartbeat_body(session_id, i, token))


class JobelixTarget(Target):
    name = "jobelix"
    start_path = "/api/autoapply/bot/start"
    heartbeat_path = "/api/autoapply/bot/heartbeat"

    def client(self, token, on_event=None):
        return Client(jobelix_ws_url(self.server, "bot"), "jobelix", on_event=on_event, token=token)

    def final_stats(self, session_ids: list[str]) -> dict[str, dict]:
        from sessions_app.models import BotSession

        return {str(s.id): s.stats() for s in BotSession.objects.filter(pk__in=session_ids)}


class PeerTarget(Target):
    name = "socketio-peer"
    start_path = "/bot/start"
    heartbeat_path = "/bot/heartbeat"

    def client(self, token, on_event=None):
        return Client(socketio_ws_url(self.server), "socketio", auth={"token": token}, on_event=on_event)

    def final_stats(self, session_ids: list[str]) -> dict[str, dict]:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id::text, jobs_found, jobs_applied, jobs_failed, credits_used "
                "FROM peer_bot_session WHERE id::text = ANY(%s)", [session_ids])
            return {row[0]: dict(zip(("jobs_found", "jobs_applied", "jobs_failed", "credits_used"), row[1:]))
                    for row in cursor.fetchall()}


def http_client(concurrency: int = 64) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    return httpx.AsyncClient(timeout=httpx.Timeout(30.0), limits=limits, trust_env=False)
