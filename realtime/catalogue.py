"""The event catalogue: every event type Jobelix sends, its channel(s) and payload schema.

Each app's `events.py` declares its types with `event_type(...)` (imported at startup by
`RealtimeConfig.ready()` through `load_all()`); `publish()` refuses a type the catalogue
lacks (`check`), and `tests/realtime/test_catalogue.py` checks every payload the real
services publish against its JSON Schema (Zulip's test_events idea). The consumer's own
frames (`system.connected`, `system.error`, ...) are declared too, with `via_publish=False`:
they are sent on one socket, never published or logged.

`docs/realtime.md`'s event table is generated from `catalogue_markdown()`:

    python -m realtime.catalogue            # rewrite the table in docs/realtime.md
    python -m realtime.catalogue --check    # exit 1 if the doc is out of date
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
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


def enum(*values: str) -> dict[str, Any]:
    """A string that is one of `values`."""
    return {"type": "string", "enum": list(values)}


@dataclass(frozen=True)
class EventType:
    name: str
    channels: tuple[str, ...]
    schema: dict[str, Any] = field(hash=False, compare=False)
    description: str = ""
    # False for the consumer's own frames: sent on one socket, never through publish() or the log.
    via_publish: bool = True


CATALOGUE: dict[str, EventType] = {}


def event_type(name: str, channels: str | tuple[str, ...], schema: dict[str, Any], description: str,
               *, via_publish: bool = True) -> str:
    """Register an event type (at import of the app's events.py); returns its name for use as a constant."""
    chans = (channels,) if isinstance(channels, str) else tuple(channels)
    unknown = [c for c in chans if c not in CHANNELS]
    if unknown:
        raise ValueError(f"event {name}: unknown channel(s) {unknown}")
    existing = CATALOGUE.get(name)
    if existing is not None and (existing.channels, existing.via_publish) != (chans, via_publish):
        raise ValueError(f"event {name} registered twice, differently")
    CATALOGUE[name] = EventType(name, chans, schema, description, via_publish)
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


def published_types() -> set[str]:
    """The types that go through publish() (and so into the event log)."""
    return {name for name, entry in CATALOGUE.items() if entry.via_publish}


def check(type_: str, channel: str) -> EventType:
    """The catalogue entry for a type published on channel; ValueError if it may not be published there."""
    entry = CATALOGUE.get(type_)
    if entry is None:
        raise ValueError(f"event type {type_!r} is not in the catalogue (declare it in the app's events.py)")
    if not entry.via_publish:
        raise ValueError(f"event type {type_!r} is a frame of the WebSocket consumer, not published")
    if channel not in entry.channels:
        raise ValueError(f"event type {type_!r} is declared on {entry.channels}, not {channel!r}")
    return entry


def validation_errors(type_: str, payload: Any) -> list[str]:
    """Schema violations of a payload (empty when it matches). Needs jsonschema (a test dependency)."""
    import jsonschema

    entry = CATALOGUE.get(type_)
    if entry is None:
        return [f"unknown event type {type_!r}"]
    validator = jsonschema.Draft202012Validator(entry.schema)
    return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in validator.iter_errors(payload)]


def catalogue_markdown() -> str:
    """The event list as docs/realtime.md shows it (one table row per type)."""
    load_all()
    lines = ["| type | channel | logged | what |", "| --- | --- | --- | --- |"]
    for name in sorted(CATALOGUE):
        entry = CATALOGUE[name]
        logged = "yes" if entry.via_publish else "no: socket frame"
        lines.append(f"| `{name}` | {', '.join(entry.channels)} | {logged} | {entry.description} |")
    return "\n".join(lines)


# --- docs/realtime.md --------------------------------------------------------------

DOC_PATH = Path(__file__).resolve().parent.parent / "docs" / "realtime.md"
DOC_START, DOC_END = "<!-- catalogue:start -->", "<!-- catalogue:end -->"


def doc_table(text: str) -> str:
    """The table between the catalogue markers of a document."""
    start, end = text.index(DOC_START) + len(DOC_START), text.index(DOC_END)
    return text[start:end].strip()


def with_table(text: str, table: str) -> str:
    """The document with the table between the markers replaced."""
    start, end = text.index(DOC_START) + len(DOC_START), text.index(DOC_END)
    return f"{text[:start]}\n{table}\n{text[end:]}"


def main(argv: list[str]) -> int:
    """Rewrite docs/realtime.md's event table (or, with --check, say whether it is current)."""
    text = DOC_PATH.read_text()
    table = catalogue_markdown()
    if "--check" in argv:
        if doc_table(text) != table:
            print(f"{DOC_PATH} is out of date: run `python -m realtime.catalogue`", file=sys.stderr)
            return 1
        return 0
    DOC_PATH.write_text(with_table(text, table))
    print(f"wrote the event table of {DOC_PATH} ({table.count(chr(10)) - 1} types)")
    return 0


if __name__ == "__main__":
    # The generator reads code only: settings insist on these URLs but nothing connects to them.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jobelix.settings")
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DATABASE_URL", "postgres://unused@localhost/unused")
    os.environ.setdefault("REDIS_URL", "redis://localhost:6379/0")
    import django

    django.setup()
    # The imported module, not this __main__ copy: events.py modules register into that one.
    from realtime.catalogue import main as catalogue_main

    sys.exit(catalogue_main(sys.argv[1:]))
