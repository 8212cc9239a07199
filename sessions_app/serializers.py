"""Strict input validation for the bot protocol: wrong types are 400, never coerced.

DRF's fields accept "5" for an integer and 1 for a boolean; a bot sending those
has a bug worth hearing about, so these fields refuse them.
"""
import json

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


class DetailsField(serializers.JSONField):
    """A JSON object (or null) of at most 16 KiB once encoded."""

    def to_internal_value(self, data):
        if data is not None and not isinstance(data, dict):
            raise serializers.ValidationError("Must be a JSON object or null.")
        size = len(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode())
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
