"""The event catalogue against what Jobelix really sends (Zulip's test_events idea).

Every app that publishes has `tests/<app>/event_cases.py` whose `publish_every_event()`
triggers each of its event types through the real services. Here they all run, then every
stored event must be a catalogued type on a declared channel, match its JSON Schema and
carry its times in the wire format; every type that goes through publish() must have been
published. The consumer's own frames are checked on a real socket, the API's times on
the real endpoints, and docs/realtime.md's table against the catalogue.
"""
import importlib
from pathlib import Path
from types import ModuleType

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client

from realtime import events, services
from realtime.catalogue import (
    CATALOGUE,
    DOC_PATH,
    catalogue_markdown,
    doc_table,
    load_all,
    published_types,
    validation_errors,
)
from realtime.models import Event
from tests.support import time_strings, wire_time_problems

APPS = ("accounts", "realtime", "sessions_app", "scraping", "submissions", "tracker")
TESTS_DIR = Path(__file__).resolve().parent.parent


def event_case_modules() -> dict[str, ModuleType]:
    """tests/<app>/event_cases.py of every app that has one (an app without events has none)."""
    return {
        app: importlib.import_module(f"tests.{app}.event_cases")
        for app in APPS
        if (TESTS_DIR / app / "event_cases.py").exists()
    }


EVENT_CASES = event_case_modules()


@pytest.mark.django_db(transaction=True)
def test_every_event_the_services_publish_is_catalogued_and_matches_its_schema(make_user):
    load_all()
    for module in EVENT_CASES.values():
        module.publish_every_event()

    problems = []
    published = set()
    for event in Event.objects.order_by("id"):
        where = f"#{event.id} {event.type} on {event.channel}"
        entry = CATALOGUE.get(event.type)
        if entry is None:
            problems.append(f"{where}: not in the catalogue (declare it in the app's events.py)")
            continue
        published.add(event.type)
        if not entry.via_publish:
            problems.append(f"{where}: a socket frame type, published")
        if event.channel not in entry.channels:
            problems.append(f"{where}: declared on {', '.join(entry.channels)} only")
        problems += [f"{where}: {error}" for error in validation_errors(event.type, event.data)]
        problems += wire_time_problems(event.envelope(), f"{where} ")
    assert not problems, "\n".join(problems)
    never = sorted(published_types() - published)
    assert not never, f"catalogued but never published by any event_cases.py: {never}"

    # The API's times, as users with that data see them: every GET endpoint without path
    # parameters in the OpenAPI schema, then the detail endpoint of the first item listed.
    staff = make_user("catalogue-staff", staff=True)
    owners = Event.objects.exclude(user=None).values_list("user", flat=True).distinct()
    viewers = [staff, *get_user_model().objects.filter(pk__in=owners)]
    schema = Client().get("/api/schema/", {"format": "json"}).json()
    paths = sorted(path for path, operations in schema["paths"].items() if "get" in operations)
    checked: dict[str, int] = {}
    for viewer in viewers:
        client = Client()
        client.force_login(viewer)
        bodies = {}
        for path in [p for p in paths if "{" not in p] + [p for p in paths if "{" in p]:
            url = path if "{" not in path else detail_url(path, bodies)
            if url is None:
                continue
            response = client.get(url)
            assert response.status_code < 500, f"GET {url} as {viewer}: {response.status_code}"
            if response.status_code != 200 or not response["Content-Type"].startswith("application/json"):
                continue
            bodies[path] = body = response.json()
            problems += wire_time_problems(body, f"GET {url} as {viewer.username}: ")
            checked[path] = checked.get(path, 0) + sum(1 for _ in time_strings(body))
    assert not problems, "\n".join(problems)
    assert checked.get("/api/v1/events"), f"no time checked in the event log's API: {checked}"


def detail_url(path: str, bodies: dict[str, object]) -> str | None:
    """/a/{x_id}/b -> /a/<x_id of the first item GET /a listed>/b, or None without one."""
    head, rest = path.split("{", 1)
    param, tail = rest.split("}", 1)
    if "{" in tail:
        return None
    value = first_value(bodies.get(head.rstrip("/")), param)
    return None if value is None else f"{head}{value}{tail}"


def first_value(body: object, key: str) -> object:
    """The first `key` anywhere in a JSON body, or the `id` of the first item of a list."""
    if isinstance(body, dict):
        if body.get(key) is not None:
            return body[key]
        items = list(body.values())
    elif isinstance(body, list):
        head = body[0] if body else None
        if isinstance(head, dict) and head.get(key, head.get("id")) is not None:
            return head.get(key, head.get("id"))
        items = body
    else:
        return None
    for item in items:
        found = first_value(item, key)
        if found is not None:
            return found
    return None


@pytest.mark.django_db(transaction=True)
def test_every_socket_frame_matches_its_schema(start_daphne, ws_listen, user, make_token):
    """The consumer's own frames (never published) from a real daphne to a real client."""
    server = start_daphne(REALTIME_PING_INTERVAL="1")
    token = make_token(user)
    socket = ws_listen(server, token, channels="jobs,secrets")
    socket.wait_for("system.error", predicate=lambda m: m["data"]["code"] == "unknown_channel")
    socket.send({"action": "subscribe", "channel": "skills"})
    socket.wait_for("system.subscribed")
    socket.send({"action": "list_channels"})
    socket.wait_for("system.channels")
    socket.send({"action": "unsubscribe", "channel": "skills"})
    socket.wait_for("system.unsubscribed")
    socket.send({"action": "dance"})
    socket.wait_for("system.error", predicate=lambda m: m["data"]["code"] == "unknown_action")
    socket.wait_for("system.ping")
    behind = ws_listen(server, token, channels="jobs", last_event_id=str(10**15))
    behind.wait_for("system.resync_required")

    frames = socket.messages + behind.messages
    problems = []
    for frame in frames:
        where = f"{frame['type']} {frame['data']}"
        entry = CATALOGUE.get(frame["type"])
        if entry is None or entry.via_publish:
            problems.append(f"{where}: not a catalogued socket frame")
            continue
        if frame["id"] is not None or frame["channel"] not in entry.channels:
            problems.append(f"{where}: id {frame['id']} on {frame['channel']}")
        problems += [f"{where}: {error}" for error in validation_errors(frame["type"], frame["data"])]
        problems += wire_time_problems(frame, f"{where} ")
    assert not problems, "\n".join(problems)
    assert {frame["type"] for frame in frames} == {name for name, e in CATALOGUE.items() if not e.via_publish}


@pytest.mark.django_db
def test_publish_refuses_what_the_catalogue_does_not_declare():
    with transaction.atomic():
        services.publish(None, "system", events.SYSTEM_NOTIFICATION, events.broadcast_payload("hi", "info", False))
    for channel, type_, reason in [
        ("system", "system.unheard_of", "not in the catalogue"),
        ("jobs", events.SYSTEM_NOTIFICATION, "declared on"),
        ("system", events.SYSTEM_PING, "frame of the WebSocket consumer"),
    ]:
        with pytest.raises(ValueError, match=reason), transaction.atomic():
            services.publish(None, channel, type_, {})
    assert list(Event.objects.values_list("type", flat=True)) == [events.SYSTEM_NOTIFICATION]


def test_the_docs_event_table_is_the_catalogue():
    assert doc_table(DOC_PATH.read_text()) == catalogue_markdown(), (
        "docs/realtime.md's event table is out of date: run `python -m realtime.catalogue`"
    )
