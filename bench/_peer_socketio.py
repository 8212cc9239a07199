"""The peer for the ratio: python-socketio + AsyncRedisManager on uvicorn, doing Jobelix's work.

    python bench/_peer_socketio.py --port 8123      (env: DATABASE_URL, REDIS_URL, REDIS_PREFIX)

Per heartbeat it does what Jobelix's does: authenticate the bot token (same
`accounts_apitoken` table and sha256 hash; remembered for 2 s, as Jobelix's
API_TOKEN_CACHE_SECONDS does), lock the session row, check the counters only go
up, update it, take the event stream's advisory lock (the user's stream, as
Jobelix: no lock shared by all streams), insert the event into a log table,
commit, then broadcast the event through Redis to the user's room and the staff
room. Dashboards connect with Socket.IO and `auth={"token": ...}` and join the
room `user.<id>.bot` (staff tokens: also `staff.bot`). `POST /publish`
(`{"token", "user_id", "n"}`, a staff token) stores and broadcasts one event for
a user, as `realtime.publish` does, for the fan-out case (bench/fanout.py).

Differences that are the peer's nature, not shortcuts: it is fully async
(psycopg AsyncConnection, a small pool of PG connections) where Django runs the
view in a thread; Socket.IO rooms fan out inside the process where Channels
keeps one Redis list per consumer.
"""
from __future__ import annotations

import argparse
import asyncio
import datetime
import hashlib
import json
import os
import time
import uuid

import psycopg
import socketio
import uvicorn
from psycopg.types.json import Jsonb

STREAM_LOCK = 0x4A42
TOKEN_CACHE_SECONDS = 2.0
STATS = ("jobs_found", "jobs_applied", "jobs_failed", "credits_used")
SCHEMA = """
CREATE TABLE IF NOT EXISTS peer_bot_session (
    id uuid PRIMARY KEY, user_id integer NOT NULL, status varchar(16) NOT NULL,
    bot_version varchar(50) NOT NULL, platform varchar(50) NOT NULL,
    current_activity varchar(64) NOT NULL DEFAULT '', activity_details jsonb,
    jobs_found integer NOT NULL DEFAULT 0, jobs_applied integer NOT NULL DEFAULT 0,
    jobs_failed integer NOT NULL DEFAULT 0, credits_used integer NOT NULL DEFAULT 0,
    started_at timestamptz NOT NULL, last_heartbeat_at timestamptz, updated_at timestamptz NOT NULL);
CREATE TABLE IF NOT EXISTS peer_event (
    id bigserial PRIMARY KEY, user_id integer, channel varchar(32) NOT NULL, type varchar(64) NOT NULL,
    data jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX IF NOT EXISTS peer_event_user_channel_id ON peer_event (user_id, channel, id);
"""


class Pool:
    """A fixed set of async PostgreSQL connections handed out one request at a time."""

    def __init__(self, url: str, size: int):
        self.url, self.size = url, size
        self.free: asyncio.Queue = asyncio.Queue()
        self.opened = 0

    async def acquire(self) -> psycopg.AsyncConnection:
        if self.free.empty() and self.opened < self.size:
            self.opened += 1
            return await psycopg.AsyncConnection.connect(self.url)
        return await self.free.get()

    async def release(self, conn):
        if conn.closed or conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            try:
                await conn.rollback()
            except Exception:
                await conn.close()
                self.opened -= 1
                return
        self.free.put_nowait(conn)


class HttpError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status, self.message = status, message


def iso(dt: datetime.datetime) -> str:
    return dt.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def build_app(database_url: str, redis_url: str, prefix: str, pool_size: int):
    pool = Pool(database_url, pool_size)
    manager = socketio.AsyncRedisManager(redis_url, channel=f"{prefix}:peer-socketio")
    sio = socketio.AsyncServer(async_mode="asgi", client_manager=manager, cors_allowed_origins=[],
                               logger=False, engineio_logger=False)

    verified: dict[str, tuple[float, int, bool]] = {}

    async def token_owner(cur, raw) -> tuple[int, bool] | None:
        if not isinstance(raw, str) or not raw:
            return None
        key = hash_token(raw)
        hit = verified.get(key)
        if hit and hit[0] > time.monotonic():
            return hit[1], hit[2]
        await cur.execute(
            "SELECT t.user_id, u.is_staff FROM accounts_apitoken t JOIN auth_user u ON u.id = t.user_id "
            "WHERE t.token_hash = %s AND t.revoked_at IS NULL AND u.is_active", [key])
        row = await cur.fetchone()
        if row is None:
            return None
        verified[key] = (time.monotonic() + TOKEN_CACHE_SECONDS, row[0], row[1])
        return row[0], row[1]

    async def user_for_token(cur, raw) -> int | None:
        owner = await token_owner(cur, raw)
        return owner[0] if owner else None

    @sio.event
    async def connect(sid, environ, auth):
        conn = await pool.acquire()
        try:
            async with conn.cursor() as cur:
                owner = await token_owner(cur, (auth or {}).get("token"))
            await conn.commit()
        finally:
            await pool.release(conn)
        if owner is None:
            return False
        await sio.enter_room(sid, f"user.{owner[0]}.bot")
        if owner[1]:
            await sio.enter_room(sid, "staff.bot")
        return True

    def session_json(row) -> dict:
        (sid, user_id, status, activity, details, found, applied, failed, credits, started, last, updated) = row
        return {"id": str(sid), "session_id": str(sid), "user_id": user_id, "status": status,
                "is_active": status in ("starting", "running"), "current_activity": activity,
                "activity_details": details, "jobs_found": found, "jobs_applied": applied,
                "jobs_failed": failed, "credits_used": credits, "started_at": iso(started),
                "last_heartbeat_at": iso(last) if last else None, "updated_at": iso(updated)}

    columns = ("id, user_id, status, current_activity, activity_details, jobs_found, jobs_applied, "
               "jobs_failed, credits_used, started_at, last_heartbeat_at, updated_at")

    async def publish(cur, user_id, data) -> dict:
        await cur.execute("SELECT pg_advisory_xact_lock(%s, %s)", [STREAM_LOCK, user_id])
        await cur.execute(
            "INSERT INTO peer_event (user_id, channel, type, data) VALUES (%s, 'bot', 'bot.session_updated', %s) "
            "RETURNING id, created_at", [user_id, Jsonb(data)])
        event_id, created = await cur.fetchone()
        return {"id": event_id, "type": "bot.session_updated", "channel": "bot", "data": data,
                "timestamp": iso(created)}

    async def start(body):
        conn = await pool.acquire()
        try:
            async with conn.transaction(), conn.cursor() as cur:
                user_id = await user_for_token(cur, body.get("token"))
                if user_id is None:
                    raise HttpError(401, "Invalid or missing token.")
                now = datetime.datetime.now(datetime.UTC)
                await cur.execute(
                    f"INSERT INTO peer_bot_session (id, user_id, status, bot_version, platform, started_at, "
                    f"last_heartbeat_at, updated_at) VALUES (%s, %s, 'starting', %s, %s, %s, %s, %s) RETURNING {columns}",
                    [uuid.uuid4(), user_id, str(body.get("bot_version", ""))[:50], str(body.get("platform", ""))[:50],
                     now, now, now])
                session = session_json(await cur.fetchone())
                event = await publish(cur, user_id, session)
        finally:
            await pool.release(conn)
        await broadcast(user_id, event)
        return {"session_id": session["id"], "status": session["status"]}

    async def heartbeat(body):
        stats = body.get("stats")
        if not isinstance(stats, dict) or any(not isinstance(stats.get(k), int) or stats[k] < 0 for k in STATS):
            raise HttpError(400, "stats must hold four non-negative integers.")
        try:
            session_id = uuid.UUID(str(body.get("session_id")))
        except ValueError:
            raise HttpError(400, "session_id must be a UUID.")
        activity = body.get("activity")
        if not isinstance(activity, str) or len(activity) > 64:
            raise HttpError(400, "activity must be a string of at most 64 characters.")
        conn = await pool.acquire()
        try:
            async with conn.transaction(), conn.cursor() as cur:
                user_id = await user_for_token(cur, body.get("token"))
                if user_id is None:
                    raise HttpError(401, "Invalid or missing token.")
                await cur.execute(f"SELECT {columns} FROM peer_bot_session WHERE id = %s AND user_id = %s FOR UPDATE",
                                  [session_id, user_id])
                row = await cur.fetchone()
                if row is None:
                    raise HttpError(404, "No such bot session.")
                if row[2] not in ("starting", "running"):
                    raise HttpError(409, f"The session is already {row[2]}.")
                if any(stats[k] < row[5 + i] for i, k in enumerate(STATS)):
                    raise HttpError(400, "Stats never go down.")
                await cur.execute(
                    f"UPDATE peer_bot_session SET status = 'running', current_activity = %s, activity_details = %s, "
                    f"jobs_found = %s, jobs_applied = %s, jobs_failed = %s, credits_used = %s, "
                    f"last_heartbeat_at = now(), updated_at = now() WHERE id = %s RETURNING {columns}",
                    [activity, Jsonb(body.get("details")), *(stats[k] for k in STATS), session_id])
                session = session_json(await cur.fetchone())
                event = await publish(cur, user_id, session)
        finally:
            await pool.release(conn)
        await broadcast(user_id, event)
        return {"success": True, "session_id": session["id"], "status": session["status"]}

    async def publish_for(body):
        """The fan-out case: one event for a user, stored then broadcast (like realtime.publish)."""
        conn = await pool.acquire()
        try:
            async with conn.transaction(), conn.cursor() as cur:
                owner = await token_owner(cur, body.get("token"))
                if owner is None or not owner[1]:
                    raise HttpError(403, "Staff only.")
                event = await publish(cur, int(body["user_id"]), {"session_id": "fanout", "jobs_found": body["n"]})
        finally:
            await pool.release(conn)
        await broadcast(int(body["user_id"]), event)
        return {"id": event["id"]}

    async def broadcast(user_id, event):
        await sio.emit("bot.session_updated", event, room=f"user.{user_id}.bot")
        await sio.emit("bot.session_updated", event, room="staff.bot")

    routes = {"/bot/start": start, "/bot/heartbeat": heartbeat, "/publish": publish_for}

    async def http_app(scope, receive, send):
        if scope["type"] == "lifespan":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        handler = routes.get(scope["path"])
        status, payload = 200, None
        try:
            if handler is None or scope["method"] != "POST":
                raise HttpError(404, "Not found.")
            try:
                data = json.loads(body or b"{}")
            except ValueError:
                raise HttpError(400, "Body must be JSON.")
            if not isinstance(data, dict):
                raise HttpError(400, "Body must be a JSON object.")
            payload = await handler(data)
        except HttpError as exc:
            status, payload = exc.status, {"error": exc.message}
        except Exception as exc:  # a 500 is counted by the bench as an error
            status, payload = 500, {"error": f"{type(exc).__name__}: {exc}"}
        raw = json.dumps(payload).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode())]})
        await send({"type": "http.response.body", "body": raw})

    async def setup():
        async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
            await conn.execute(SCHEMA)

    return socketio.ASGIApp(sio, other_asgi_app=http_app), setup


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--pool", type=int, default=int(os.environ.get("PEER_DB_POOL", "8")))
    args = parser.parse_args()
    prefix = os.environ["REDIS_PREFIX"]
    app, setup = build_app(os.environ["DATABASE_URL"], os.environ["REDIS_URL"], prefix, args.pool)
    asyncio.run(setup())
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False, lifespan="off")


if __name__ == "__main__":
    main()
