"""The channel registry: names, who may join them, and their Redis group names.

A user's subscription to channel C joins `user.<id>.C` (their own events) and
`global.C` (events for everyone, published with user=None: every scraping and
system event, scraped postings' job.created, …). Whether an event is global is
decided by its publisher, not by a list of channels.
Staff may subscribe to `C:all`, the staff view, which joins `staff.C`: every
user's events on C.
A *scoped* channel `C:<id>` (registered by the app that owns C, e.g.
`submissions:<job id>`) joins `scoped.C.<id>`: only the events of C whose
payload names that object (data[key] == id); who may follow it is the owning
app's rule (realtime.guards checks it on subscribe).
"""
import re
from collections.abc import Callable
from dataclasses import dataclass

from core.errors import ApplicationError

CHANNELS = (
    "jobs", "applications", "recommendations", "skills", "followups",
    "interviews", "system", "bot", "scraping", "submissions",
)
STAFF_SUFFIX = ":all"
SCOPE_ID = re.compile(r"[A-Za-z0-9-]{1,64}")


@dataclass(frozen=True)
class Scope:
    """`C:<id>` follows one object: events of C whose data[key] == id. owner_of(id) -> the
    owner's user id (None: no such object); the owner and staff may follow it."""

    key: str
    owner_of: Callable[[str], int | None]


SCOPED: dict[str, Scope] = {}


def register_scope(channel: str, key: str, owner_of: Callable[[str], int | None]) -> None:
    """Called by the app that publishes on `channel` (its AppConfig.ready)."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    SCOPED[channel] = Scope(key, owner_of)


def scoped(name: str) -> tuple[str, str, str] | None:
    """(channel, payload key, id) of a scoped channel name such as `submissions:<job id>`, else None."""
    base, sep, value = name.partition(":") if isinstance(name, str) else ("", "", "")
    if not sep or base not in SCOPED or name.endswith(STAFF_SUFFIX) or not SCOPE_ID.fullmatch(value):
        return None
    return base, SCOPED[base].key, value


class ChannelError(ApplicationError):
    """A channel the user may not subscribe to; `code` is the socket's system.error code."""

    def __init__(self, code: str, message: str):
        super().__init__(message, code=code, status=403 if code == "forbidden_channel" else 400)


def parse_id(value) -> int | None:
    """A non-negative integer from a query parameter, else None ("²".isdigit() is True: not enough)."""
    if not isinstance(value, str) or not value.isascii() or not value.isdigit() or len(value) > 18:
        return None
    return int(value)


def base_channel(name: str) -> str:
    return name[: -len(STAFF_SUFFIX)] if name.endswith(STAFF_SUFFIX) else name


def is_staff_view(name: str) -> bool:
    return name.endswith(STAFF_SUFFIX)


def validate(name: str, user) -> str:
    """Return the channel name if `user` may subscribe to it, else raise ChannelError."""
    if scoped(name) is not None:
        return name  # who may follow it: realtime.guards.check_join (a database read)
    if not isinstance(name, str) or base_channel(name) not in CHANNELS:
        raise ChannelError("unknown_channel", f"Unknown channel {str(name)[:50]!r}. Known: {', '.join(CHANNELS)}.")
    if is_staff_view(name) and not user.is_staff:
        raise ChannelError("forbidden_channel", f"{name} is the staff view; only staff may subscribe.")
    return name


def groups_for(name: str, user_id: int) -> list[str]:
    """Redis groups a subscription to `name` (for the watched user) joins."""
    scope = scoped(name)
    if scope is not None:
        return [f"scoped.{scope[0]}.{scope[2]}"]
    base = base_channel(name)
    if is_staff_view(name):
        return [f"staff.{base}", f"global.{base}"]
    return [f"user.{user_id}.{base}", f"global.{base}"]


def groups_to_publish(user_id: int | None, channel: str, data: dict | None = None) -> list[str]:
    extra = []
    scope = SCOPED.get(channel)
    if scope is not None and isinstance(data, dict) and isinstance(data.get(scope.key), str):
        extra = [f"scoped.{channel}.{data[scope.key]}"]  # followers of that one object
    if user_id is None:
        return [f"global.{channel}", *extra]
    return [f"user.{user_id}.{channel}", f"staff.{channel}", *extra]
