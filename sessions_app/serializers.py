"""Strict input validation for the bot protocol: wrong types are 400, never coerced.

DRF's fields accept "5" for an integer and 1 for a boolean; a bot sending those
has a bug worth hearing about, so these fields refuse them.
"""
import json
from uuid import UUID

from django.db.models import CharField
from rest_framework import serializers

from sessions_app.models import STAT_FIELDS, BotSession

MAX_DETAILS_BYTES = 16 * 1024
MAX_ERROR_MESSAGE = 2000


class StrictCharField(serializers.CharField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class StrictUUIDField(serializers.UUIDField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid", value=data)
        return super().to_internal_value(data)


class StatsSerializer(serializers.Serializer):
    jobs_found = StrictIntegerField(min_value=0, max_value=2**31 - 1)
    jobs_applied = StrictIntegerField(min_value=0, max_value=2**31 - 1)
    jobs_failed = StrictIntegerField(min_value=0, max_value=2**31 - 1)
    credits_used = StrictIntegerField(min_value=0, max_value=2**31 - 1)


def _details_size(data) -> int:
    return len(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode())


class DetailsField(serializers.JSONField):
    """A JSON object (or null) of at most 16 KiB once encoded."""

    def to_internal_value(self, data):
        if data is not None and not isinstance(data, dict):
            raise serializers.ValidationError("Must be a JSON object or null.")
        size = _details_size(data)
        if size > MAX_DETAILS_BYTES:
            raise serializers.ValidationError(f"Too large: {size} bytes, at most {MAX_DETAILS_BYTES}.")
        return data


def _max_length(name: str) -> int:
    """The column's length: the model is the one place it is typed."""
    field = BotSession._meta.get_field(name)
    assert isinstance(field, CharField) and field.max_length is not None
    return field.max_length


class StartSerializer(serializers.Serializer):
    bot_version = StrictCharField(max_length=_max_length("bot_version"))
    platform = StrictCharField(max_length=_max_length("platform"))


class HeartbeatSerializer(serializers.Serializer):
    session_id = StrictUUIDField()
    activity = StrictCharField(max_length=_max_length("current_activity"))
    details = DetailsField(required=False, allow_null=True, default=None)
    stats = StatsSerializer()


_ACTIVITY_MAX = _max_length("current_activity")
_STAT_MAX = 2**31 - 1


def plain_heartbeat(body: dict) -> dict | None:
    """HeartbeatSerializer's validated data for an ordinary heartbeat, without building the
    serializer (its fields cost ~2.6 ms a heartbeat on the fast path); None for anything less
    plain (whitespace to trim, non-ASCII activity, a wrong type...), which the serializer then
    judges. tests/sessions_app/test_plain_heartbeat.py holds the two to the same answers."""
    session_id, activity, stats = body.get("session_id"), body.get("activity"), body.get("stats")
    details = body.get("details")
    if not (isinstance(session_id, str) and isinstance(activity, str) and isinstance(stats, dict)):
        return None
    if not (0 < len(activity) <= _ACTIVITY_MAX and activity.isascii() and activity.isprintable()
            and activity == activity.strip()):
        return None
    if details is not None and not (isinstance(details, dict) and _details_size(details) <= MAX_DETAILS_BYTES):
        return None
    plain_stats = {}
    for name in STAT_FIELDS:
        value = stats.get(name)
        if type(value) is not int or not 0 <= value <= _STAT_MAX:
            return None
        plain_stats[name] = value
    try:
        uuid = UUID(session_id)
    except ValueError:
        return None
    return {"session_id": uuid, "activity": activity, "details": details, "stats": plain_stats}


class CompleteSerializer(serializers.Serializer):
    session_id = StrictUUIDField()
    success = StrictBooleanField()
    error_message = StrictCharField(required=False, allow_null=True, allow_blank=True, default=None, trim_whitespace=True)
    # Optional (spec clients may omit it): absent or null keeps the stored stats.
    final_stats = StatsSerializer(required=False, allow_null=True, default=None)

    def validate_error_message(self, value):
        # A long traceback is cut, not refused: refusing would leave the run to go stale.
        return value[:MAX_ERROR_MESSAGE] if value else value


class StopSerializer(serializers.Serializer):
    session_id = StrictUUIDField(required=False, allow_null=True, default=None)


def stats_of(validated: dict) -> dict[str, int]:
    return {name: validated[name] for name in STAT_FIELDS}
