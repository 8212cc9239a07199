"""A few PostgreSQL connections per process for the async hot paths (no thread, no ORM).

Django's connections belong to threads: an async view that uses the ORM hops to a
thread and back for every query. The heartbeat and progress fast paths, the token
lookup of a WebSocket connect and the fan-out's catch-up speak psycopg's async API
on the server's own loop instead, through this small fixed pool (at most
REALTIME_DB_POOL_SIZE connections per process, so PostgreSQL backends stay bounded:
web processes x (this + 1 for Django's shared thread)).
"""
from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import psycopg
from django.conf import settings
from django.db import connections
from django.db.models import Field, Model

M = TypeVar("M", bound=Model)


class AsyncPool:
    def __init__(self, size: int) -> None:
        self.size = size
        self.opened = 0
        self.free: asyncio.Queue[psycopg.AsyncConnection[Any]] = asyncio.Queue()

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
        """A connection for one transaction; it goes back to the pool idle (rolled back if it was not)."""
        conn = await self._acquire()
        try:
            yield conn
        finally:
            await self._release(conn)

    async def _acquire(self) -> psycopg.AsyncConnection[Any]:
        while not self.free.empty():
            conn = self.free.get_nowait()
            if not conn.closed:
                return conn
            self.opened -= 1
        if self.opened < self.size:
            self.opened += 1
            try:
                # autocommit: a fast path sends its BEGIN and COMMIT with its statements
                # (one round trip each way); a plain read needs no transaction to end.
                return await psycopg.AsyncConnection.connect(**connect_kwargs(), autocommit=True)
            except BaseException:
                self.opened -= 1
                raise
        return await self.free.get()

    async def _release(self, conn: psycopg.AsyncConnection[Any]) -> None:
        if not conn.closed and conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            try:
                await conn.rollback()
            except Exception:
                await conn.close()
        if conn.closed:
            self.opened -= 1
            return
        self.free.put_nowait(conn)


def connect_kwargs() -> dict[str, Any]:
    """The default database's connection parameters, as Django would connect (tests: the test database)."""
    params = connections["default"].get_connection_params()
    kwargs = {k: v for k, v in params.items() if k not in ("cursor_factory", "context", "server_side_binding")}
    kwargs.setdefault("options", "")
    kwargs["options"] = (kwargs["options"] + " -c TimeZone=UTC").strip()
    return kwargs


def columns(model: type[Model], alias: str) -> str:
    """The select list of every concrete field of `model` (as Model.from_db takes them, in order)."""
    return ", ".join(f"{alias}.{quote_name(field.column)}" for field in model._meta.concrete_fields)


def from_row(model: type[M], row: Sequence[Any]) -> M:
    """The instance a row of `columns(model, …)` stands for (psycopg's own types: no converters needed)."""
    return model.from_db("default", _attnames(model), row)


@functools.cache
def _attnames(model: type[Model]) -> list[str]:
    return [field.attname for field in model._meta.concrete_fields]


def update_statement(cursor: psycopg.AsyncClientCursor[Any], instance: Model, fields: Sequence[str]) -> str:
    """The UPDATE `instance.save(update_fields=fields)` would send (an `auto_now` field among them
    set now), bound on `cursor`'s connection, to go in a fast path's statement string."""
    sql, targets = _update_of(type(instance), tuple(fields))
    connection = connections["default"]
    values = [field.get_db_prep_save(field.pre_save(instance, False), connection) for field in targets]
    return cursor.mogrify(sql, [*values, instance.pk])


@functools.cache
def _update_of(model: type[Model], names: tuple[str, ...]) -> tuple[str, list[Field[Any, Any]]]:
    fields = []
    for name in names:
        field = model._meta.get_field(name)
        assert isinstance(field, Field) and not field.primary_key
        fields.append(field)
    assignments = ", ".join(f"{quote_name(field.column)} = %s" for field in fields)
    return f"UPDATE {quote_name(model._meta.db_table)} SET {assignments} WHERE {column(model, 'pk')} = %s", fields


def column(model: type[Model], name: str) -> str:
    """The quoted column of `model`'s field `name` ("pk" too)."""
    field = model._meta.pk if name == "pk" else model._meta.get_field(name)
    assert isinstance(field, Field) and field.column
    return quote_name(field.column)


def quote_name(name: str | None) -> str:
    assert name
    return connections["default"].ops.quote_name(name)


_pools: dict[int, AsyncPool] = {}


def pool() -> AsyncPool:
    """The pool of the running loop (tests run each case in a loop of its own)."""
    loop = asyncio.get_running_loop()
    found = _pools.get(id(loop))
    if found is None:
        _pools.clear()  # pools of finished loops are unusable
        found = _pools[id(loop)] = AsyncPool(settings.REALTIME_DB_POOL_SIZE)
    return found
