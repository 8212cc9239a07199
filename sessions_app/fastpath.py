"""POST /api/autoapply/bot/heartbeat on the server's loop: the bot's hot path.

A bot sends a heartbeat every few seconds and a dashboard waits for it, so the
ordinary valid heartbeat is answered here, without DRF, the ORM's connection or a
thread per request, under the view's own rules: the token from the short-lived
cache (accounts.auth) with a scope HeartbeatView accepts, the body checked by the
view's rules (serializers.plain_heartbeat, else the view's serializer), the view's
throttles (core.throttles: the same budgets, one Redis round trip). Then two
PostgreSQL round trips: BEGIN with ONE guarded UPDATE … RETURNING (the row of this
user's live session, only if no counter goes down: the rules of
services.record_heartbeat; it also returns the status and activity before the
update); the coalescing rule of services.record_heartbeat
(services.coalescing_history, run on this connection, and services.coalesced); and,
unless it folds this heartbeat, ONE statement that takes the event stream's lock and
inserts `bot.session_updated`, sent with the COMMIT
(realtime.services.apublish_and_commit); the outbox sends the event after the
answer. Anything else (no such session, a stopped or finished one, counters that
go down, a spent throttle, a bad body or token: see realtime.fasthttp) goes to the
normal view (sessions_app.api.HeartbeatView), which answers it as it always has.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg
from django.utils import timezone
from psycopg.types.json import Jsonb

from realtime import db
from realtime.fasthttp import Fallback, Request, fast_path
from realtime.services import apublish_and_commit
from sessions_app import events, serializers, services
from sessions_app.api import HeartbeatView
from sessions_app.models import STAT_FIELDS, BotSession

_TABLE = BotSession._meta.db_table
_COLUMN = {field.attname: field.column for field in BotSession._meta.concrete_fields}
_OLD = "heartbeat_before"
UPDATE_SQL = f"""
    UPDATE {_TABLE} SET {_COLUMN["status"]} = %(status)s, {_COLUMN["current_activity"]} = %(activity)s,
        {_COLUMN["activity_details"]} = %(details)s,
        {", ".join(f"{_COLUMN[name]} = %({name})s" for name in STAT_FIELDS)},
        {_COLUMN["last_heartbeat_at"]} = %(now)s, {_COLUMN["updated_at"]} = %(now)s
    FROM (SELECT {_COLUMN["id"]} AS id, {_COLUMN["status"]} AS status, {_COLUMN["current_activity"]} AS activity
          FROM {_TABLE} WHERE {_COLUMN["id"]} = %(id)s AND {_COLUMN["user_id"]} = %(user_id)s FOR UPDATE) AS {_OLD}
    WHERE {_TABLE}.{_COLUMN["id"]} = {_OLD}.id AND {_TABLE}.{_COLUMN["status"]} = ANY(%(active)s)
        AND {" AND ".join(f"{_TABLE}.{_COLUMN[name]} <= %({name})s" for name in STAT_FIELDS)}
    RETURNING {db.columns(BotSession, _TABLE)}, {_OLD}.status, {_OLD}.activity
"""


@fast_path
async def heartbeat(request: Request) -> dict[str, Any]:
    """The bot's heartbeat: the session's activity and stats, `starting` becomes `running`."""
    body = request.json()
    token = await request.token(HeartbeatView, body)
    data = serializers.plain_heartbeat(body)
    if data is None:
        serializer = serializers.HeartbeatSerializer(data=body)
        if not serializer.is_valid():
            raise Fallback
        data = serializer.validated_data
    stats = serializers.stats_of(data["stats"])
    async with request.budgeted(HeartbeatView, token) as throttle, db.pool().connection() as conn:
        # Simple-query statement strings, parameters bound client side: BEGIN goes with the
        # UPDATE and COMMIT with the event's INSERT, two round trips in all.
        cursor = psycopg.AsyncClientCursor(conn)
        now = timezone.now()
        await cursor.execute("BEGIN; " + UPDATE_SQL, {
            "status": BotSession.Status.RUNNING.value, "activity": data["activity"],
            "details": Jsonb(data["details"]) if data["details"] is not None else None,
            **stats, "now": now, "id": data["session_id"], "user_id": token.user_id,
            "active": [str(status) for status in BotSession.ACTIVE_STATUSES]})
        cursor.nextset()  # the UPDATE's result, after BEGIN's
        row = await cursor.fetchone()
        await throttle  # Fallback when a budget is spent: the view answers 429
        if row is None:
            raise Fallback  # the service says why: 404, 409 (stopped, over) or 400 (stats)
        session = db.from_row(BotSession, row[:-2])  # then the status and activity it replaced
        changed = services.heartbeat_changes(row[-2], row[-1], data["activity"])
        if await _coalesced(cursor, session, changed, now):
            await cursor.execute("COMMIT")
        else:
            await apublish_and_commit(cursor, token.user_id, "bot",
                                      [(events.SESSION_UPDATED, events.session_updated(session))])
    return {"success": True, "session_id": str(session.id), "status": session.status}


async def _coalesced(cursor: Any, session: BotSession, changed: bool, now: datetime) -> bool:
    """services._coalesce on this connection, in this transaction (the row is locked, as there)."""
    history = services.coalescing_history(session, changed)
    if history is None:
        return False
    sql, params = history.query.sql_with_params()
    await cursor.execute(sql, params)
    return services.coalesced(await cursor.fetchall(), now)
