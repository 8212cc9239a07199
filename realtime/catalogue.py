"""The event catalogue: every event type Jobelix publishes, its channel and payload schema.

Each app's `events.py` declares its types with `event_type(...)`; `publish()` refuses a
type the catalogue lacks, and `tests/realtime/test_catalogue.py` checks every payload the
real services publish against its JSON Schema (Zulip's test_events idea).
`docs/realtime.md`'s event list is checked against `catalogue_markdown()`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from realtime.channels import CHANNELS

# JSON Schema building blocks for payload schemas.
WIRE_TIME = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$"}
NULLABLE_WIRE_TIME = {"anyOf": [WIRE_TIME, {"type": "null"}]}
INT = {"type": "integer"}
NULLABLE_INT = {"type": ["integer", "null"]}
STR = {"type": "string"}
NULLABLE_STR = {"type": ["string", "null"]}
NUMBER = {"type": "number"}
NULLABLE_NUMBER = {"type": ["number", "null"]}
BOOL = {"type": "boolean"}
OBJECT = {"type": "object"}
NULLABLE_OBJECT = {"type": ["object", "null"]}
STR_LIST = {"type": "array", "items": {"type": "string"}}
ANY_LIST = {"type": "array"}


def obj(required: dict[str, Any], optional: dict[str, Any] | None = None, *, extra: bool = False) -> dict[str, Any]:
    """A JSON Schema object: `required` keys must be present, `optional` may be; no others unless extra."""
    properties = {**required, **(optional or {})}
    return {"type": "object", "properties": properties, "required": sorted(required),
            "additionalProperties": extra}


@dataclass(frozen=True)
class EventType:
    name: str
    channels: tuple[str, ...]
    schema: dict[str, Any] = field(hash=False, compare=False)
    description: str = ""


CATALOGUE: dict[str, EventType] = {}


def event_type(name: str, channels: str | tuple[str, ...], schema: dict[str, Any], description: str) -> str:
    """Register an event type (at import of the app's events.py); returns its name for use as a constant."""
    chans = (channels,) if isinstance(channels, str) else tuple(channels)
    unknown = [c for c in chans if c not in CHANNELS]
    if unknown:
        raise ValueError(f"event {name}: unknown channel(s) {unknown}")
    existing = CATALOGUE.get(name)
    if existing is not None and existing.channels != chans:
        raise ValueError(f"event {name} registered twice with different channels")
    CATALOGUE[name] = EventType(name, chans, schema, description)
    return name


def load_all() -> dict[str, EventType]:
    """Import every installed app's events module, so the catalogue is complete."""
    from importlib import import_module

    from django.apps import apps

    for app in apps.get_app_configs():
        try:
            import_module(f"{app.name}.events")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app.name}.events":
                raise
    return CATALOGUE


def check(type_: str, channel: str) -> EventType:
    """The catalogue entry for a type published on channel; ValueError if either is unknown."""
    entry = CATALOGUE.get(type_)
    if entry is None:
        raise ValueError(f"event type {type_!r} is not in the catalogue (declare it in the app's events.py)")
    if channel not in entry.channels:
        raise ValueError(f"event type {type_!r} is declared on {entry.channels}, not {channel!r}")
    return entry


def validation_errors(type_: str, payload: Any) -> list[str]:
    """Schema violations of a payload (empty when it matches)."""
    import jsonschema

    entry = CATALOGUE.get(type_)
    if entry is None:
        return [f"unknown event type {type_!r}"]
    validator = jsonschema.Draft202012Validator(entry.schema)
    return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in validator.iter_errors(payload)]


def catalogue_markdown() -> str:
    """The event list as docs/realtime.md shows it (one table row per type)."""
    load_all()
    lines = ["| type | channel | what |", "| --- | --- | --- |"]
    for name in sorted(CATALOGUE):
        entry = CATALOGUE[name]
        lines.append(f"| `{name}` | {', '.join(entry.channels)} | {entry.description} |")
    return "\n".join(lines)
