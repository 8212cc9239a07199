"""GET /api/v1/events — the HTTP fallback: the same events, auth and isolation as the socket."""
from django.http import QueryDict
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import realtime_viewer, token_of
from core.errors import ApplicationError
from realtime import channels as registry
from realtime.guards import scoped_access
from realtime.selectors import replay, watched_user_id

MAX_LIMIT = 1000


class EventsView(APIView):
    """The socket's fallback: the same tokens as the socket, never with staff powers."""

    token_scopes = ("bot", "worker")

    @extend_schema(
        parameters=[
            OpenApiParameter("after", OpenApiTypes.INT, description="Last event id the client has (default 0)."),
            OpenApiParameter("channels", OpenApiTypes.STR, description="Comma-separated; default all channels."),
            OpenApiParameter("user_id", OpenApiTypes.INT, description="Staff only: watch another user."),
            OpenApiParameter("limit", OpenApiTypes.INT, description=f"At most {MAX_LIMIT}."),
        ],
        responses=inline_serializer(
            "EventPage",
            {
                "events": serializers.ListField(child=serializers.DictField()),
                "last_event_id": serializers.IntegerField(),
                "resync_required": serializers.BooleanField(),
                "has_more": serializers.BooleanField(),
            },
        ),
    )
    def get(self, request):
        params = request.query_params
        after, limit = _non_negative(params, "after", 0), _non_negative(params, "limit", MAX_LIMIT)
        names = [c.strip() for c in params.get("channels", "").split(",") if c.strip()] or list(registry.CHANNELS)
        viewer = realtime_viewer(request.user, via_token=token_of(request) is not None)
        for name in names:
            try:
                registry.validate(name, viewer)
                if registry.scoped(name):
                    scoped_access(viewer, name)  # submissions:<job id>: its owner and staff
            except registry.ChannelError as exc:
                if exc.status == 403:
                    raise
                raise _invalid("channels", str(exc))
        watched = watched_user_id(viewer, params.get("user_id"))
        result = replay(watched, names, after, limit=min(max(limit, 1), MAX_LIMIT))
        return Response(
            {
                "events": [event.envelope() for event in result.events],
                "last_event_id": result.last_event_id,
                "resync_required": result.resync_required,
                "has_more": result.has_more,
            }
        )


def _invalid(field: str, message: str) -> ApplicationError:
    """The API's validation error body: {"error": "Invalid input.", "fields": {field: [message]}}."""
    return ApplicationError("Invalid input.", fields={field: [message]})


def _non_negative(params: QueryDict, name: str, default: int) -> int:
    value = params.get(name)
    if value in (None, ""):
        return default
    number = registry.parse_id(value)
    if number is None:
        raise _invalid(name, "Must be a non-negative integer.")
    return number
