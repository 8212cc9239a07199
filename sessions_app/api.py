"""The bot protocol: /api/autoapply/bot/{start,heartbeat,complete,stop,status,launch}.

Thin views: validate (sessions_app.serializers), call sessions_app.services,
answer with the session. A refusal is a core.errors.ApplicationError raised by the
service and turned into its JSON body by core.api.json_error_handler. The bot authenticates with a `bot` token (in the JSON
body as `token`, or `Authorization: Bearer`); the dashboard with its session
and CSRF token (stop, status, launch).
"""
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers as drf_serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.auth import BodyTokenAuthentication, CsrfSessionAuthentication
from core.throttles import HeartbeatThrottle, UserWriteThrottle
from sessions_app import selectors, serializers, services
from sessions_app.launch import launch
from sessions_app.selectors import serialize_session

SessionSchema = inline_serializer("BotSession", {
    "session_id": drf_serializers.UUIDField(), "status": drf_serializers.CharField(),
    "current_activity": drf_serializers.CharField(), "jobs_found": drf_serializers.IntegerField(),
    "jobs_applied": drf_serializers.IntegerField(), "jobs_failed": drf_serializers.IntegerField(),
    "credits_used": drf_serializers.IntegerField(),
})
HeartbeatResultSchema = inline_serializer("BotHeartbeatResult", {
    "success": drf_serializers.BooleanField(), "session_id": drf_serializers.UUIDField(),
    "status": drf_serializers.CharField(),
})
SessionResultSchema = inline_serializer("BotSessionResult", {
    "success": drf_serializers.BooleanField(), "session": SessionSchema,
})


class BotApiView(APIView):
    """Token in the body or Bearer header."""

    authentication_classes = [BodyTokenAuthentication, CsrfSessionAuthentication]
    token_scopes: tuple[str, ...] = ("bot",)
    session_allowed = False

    def validated(self, serializer_class):
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


class StartView(BotApiView):
    @extend_schema(request=serializers.StartSerializer, responses=inline_serializer(
        "BotStarted", {"session_id": drf_serializers.UUIDField(), "status": drf_serializers.CharField()}))
    def post(self, request):
        data = self.validated(serializers.StartSerializer)
        session = services.start_session(request.user, data["bot_version"], data["platform"], token=request.auth)
        return Response({"session_id": str(session.id), "status": session.status})


class HeartbeatView(BotApiView):
    throttle_classes = [HeartbeatThrottle, UserWriteThrottle]

    @extend_schema(request=serializers.HeartbeatSerializer, responses=HeartbeatResultSchema)
    def post(self, request):
        data = self.validated(serializers.HeartbeatSerializer)
        session = services.record_heartbeat(
            request.user, data["session_id"], data["activity"], data["details"], serializers.stats_of(data["stats"])
        )
        return Response({"success": True, "session_id": str(session.id), "status": session.status})


class CompleteView(BotApiView):
    @extend_schema(request=serializers.CompleteSerializer, responses=SessionResultSchema)
    def post(self, request):
        data = self.validated(serializers.CompleteSerializer)
        final_stats = data["final_stats"]
        session = services.complete_session(
            request.user, data["session_id"], data["success"], data["error_message"],
            None if final_stats is None else serializers.stats_of(final_stats),
        )
        return Response({"success": True, "session": serialize_session(session)})


class StopView(BotApiView):
    """From the dashboard (session + CSRF) or with the bot's token."""

    session_allowed = True

    @extend_schema(request=serializers.StopSerializer, responses=SessionResultSchema)
    def post(self, request):
        data = self.validated(serializers.StopSerializer)
        session = services.stop_session(request.user, data["session_id"])
        return Response({"success": True, "session": serialize_session(session)})


class StatusView(BotApiView):
    """The current session and the sessions of the last 24 hours (the page's HTTP fallback)."""

    session_allowed = True

    @extend_schema(responses=inline_serializer("BotStatus", {
        "current_session": type(SessionSchema)(allow_null=True),  # null while the user has no session
        "sessions": drf_serializers.ListField(child=SessionSchema)}))
    def get(self, request):
        return Response(selectors.status_for(request.user))


class LaunchView(BotApiView):
    """The page's "Launch bot" button (demo): browser session + CSRF only, never a token."""

    authentication_classes = [CsrfSessionAuthentication]
    token_scopes = ()
    session_allowed = True

    @extend_schema(request=None, responses=inline_serializer("BotLaunched", {
        "launched": drf_serializers.BooleanField(),
        "hosted": drf_serializers.BooleanField(help_text="Queued as a hosted run (a Celery worker runs the bot)."),
        "pid": drf_serializers.IntegerField(allow_null=True, help_text="The local process (development launch)."),
        "token_name": drf_serializers.CharField(allow_blank=True)}))
    def post(self, request):
        return Response(launch(request.user, request.build_absolute_uri("/")), status=202)
