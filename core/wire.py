"""The one time format on the wire: ISO 8601, UTC, `Z`, milliseconds (`2026-11-30T13:02:28.123Z`)."""
from __future__ import annotations

import re
from datetime import UTC, datetime

WIRE_TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def iso(value: datetime | None) -> str | None:
    """A datetime as the wire string; naive datetimes are taken as UTC; None stays None."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def now_iso() -> str:
    return iso(datetime.now(UTC))  # type: ignore[return-value]


def is_wire_time(text: object) -> bool:
    return isinstance(text, str) and WIRE_TIME_RE.match(text) is not None
