"""Streamed CSV downloads: rows from a database iterator, written and sent a chunk at a time.

    return csv_response("postings.csv", ["id", "title"], rows)   # rows: an iterator of sequences

The file is never built in memory: the rows come from `QuerySet.iterator(chunk_size=...)`
(a server-side cursor) and about 64 KiB of CSV is sent at a time. Under ASGI (daphne) a
StreamingHttpResponse over a *sync* iterator is read whole into a list before the first
byte goes out, so the chunks are handed over through an async iterator, each pulled on
Django's sync thread (where the cursor's connection lives).

Cells a spreadsheet would run as a formula (starting with = + - @, tab or CR) are prefixed
with ' (CSV injection); numbers stay numbers, times are wire times (core.wire.iso).
"""
from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Generator, Iterable, Sequence
from datetime import datetime
from typing import Any

from asgiref.sync import sync_to_async
from django.http import StreamingHttpResponse

from core.wire import iso

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK_BYTES = 64 * 1024


def safe_cell(value: Any) -> Any:
    """One cell: None as empty, datetimes on the wire format, text that could be a formula defused."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    if isinstance(value, datetime):
        return iso(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Generator[bytes, None, None]:
    """UTF-8 CSV in chunks of about CHUNK_BYTES: only one chunk of text is held at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
        if buffer.tell() >= CHUNK_BYTES:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode()


def _next_chunk(chunks: Generator[bytes, None, None]) -> bytes | None:
    return next(chunks, None)


async def _pulled(chunks: Generator[bytes, None, None]) -> AsyncIterator[bytes]:
    """Each chunk made on Django's sync thread; the generator (and its cursor) closed however the
    download ends, a client that went away included."""
    step = sync_to_async(_next_chunk, thread_sensitive=True)
    try:
        while True:
            chunk = await step(chunks)
            if chunk is None:
                return
            yield chunk
    finally:
        await sync_to_async(chunks.close, thread_sensitive=True)()


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> StreamingHttpResponse:
    """A download of `rows` under `filename`, streamed (see the module docstring)."""
    response = StreamingHttpResponse(_pulled(csv_chunks(header, rows)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
