"""The fast path's plain heartbeat check (serializers.plain_heartbeat) never accepts what the
view's serializer refuses, and gives the same data for what it accepts (issue 18: the fast
path validates without building DRF's serializer, but the rules stay the view's)."""
from __future__ import annotations

import uuid

import pytest

from sessions_app.models import BotSession
from sessions_app.serializers import MAX_DETAILS_BYTES, HeartbeatSerializer, plain_heartbeat

SESSION = str(uuid.uuid4())
ACTIVITY_LIMIT = BotSession._meta.get_field("current_activity").max_length
STATS = {"jobs_found": 3, "jobs_applied": 2, "jobs_failed": 1, "credits_used": 0}


def beat(**changes):
    body = {"session_id": SESSION, "activity": "applying_jobs", "details": {"job": "Engineer"}, "stats": dict(STATS)}
    for name, value in changes.items():
        if value is ...:
            body.pop(name)
        else:
            body[name] = value
    return body


def stats(**changes):
    return {**STATS, **changes}


CASES = {
    "plain": beat(),
    "no details": beat(details=...),
    "null details": beat(details=None),
    "extra fields": beat(token="jbx_whatever", extra=1),
    "extra stat": beat(stats=stats(bonus=4)),
    "upper-case uuid": beat(session_id=SESSION.upper()),
    "uuid without dashes": beat(session_id=SESSION.replace("-", "")),
    "braced uuid": beat(session_id="{" + SESSION + "}"),
    "not a uuid": beat(session_id="session-1"),
    "uuid as a number": beat(session_id=12345),
    "no session": beat(session_id=...),
    "activity padded": beat(activity="  applying_jobs "),
    "activity blank": beat(activity="   "),
    "activity empty": beat(activity=""),
    "activity too long": beat(activity="a" * (ACTIVITY_LIMIT + 1)),
    "activity at the limit": beat(activity="a" * ACTIVITY_LIMIT),
    "activity not ascii": beat(activity="postuler_à_l'offre"),
    "activity with NUL": beat(activity="apply\x00ing"),
    "activity a number": beat(activity=7),
    "details a list": beat(details=["a"]),
    "details a string": beat(details="text"),
    "details too large": beat(details={"blob": "x" * MAX_DETAILS_BYTES}),
    "details at the limit": beat(details={"b": "x" * (MAX_DETAILS_BYTES - 10)}),
    "stats missing one": beat(stats={k: v for k, v in STATS.items() if k != "credits_used"}),
    "stats a list": beat(stats=[1, 2, 3, 4]),
    "stat a string": beat(stats=stats(jobs_found="3")),
    "stat a bool": beat(stats=stats(jobs_applied=True)),
    "stat a float": beat(stats=stats(jobs_failed=1.0)),
    "stat negative": beat(stats=stats(jobs_found=-1)),
    "stat too large": beat(stats=stats(credits_used=2**31)),
    "stat at the top": beat(stats=stats(credits_used=2**31 - 1)),
    "stat null": beat(stats=stats(jobs_found=None)),
}


@pytest.mark.parametrize("body", CASES.values(), ids=CASES.keys())
def test_plain_check_agrees_with_the_views_serializer(body):
    serializer = HeartbeatSerializer(data=body)
    valid = serializer.is_valid()
    plain = plain_heartbeat(body)
    if plain is None:
        return  # the fast path asks the serializer itself: nothing to compare
    assert valid, f"plain_heartbeat accepted what the view refuses: {serializer.errors}"
    expected = serializer.validated_data
    assert plain == {"session_id": expected["session_id"], "activity": expected["activity"],
                     "details": expected["details"], "stats": dict(expected["stats"])}


def test_ordinary_heartbeats_take_the_plain_check():
    """The point of it: what bots send is judged without the serializer."""
    for name in ("plain", "no details", "null details", "extra fields", "upper-case uuid", "activity at the limit",
                 "details at the limit", "stat at the top"):
        assert plain_heartbeat(CASES[name]) is not None, name
