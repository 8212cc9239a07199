from django.contrib import admin

from core.errors import ApplicationError
from sessions_app import services
from sessions_app.models import BotSession


@admin.register(BotSession)
class BotSessionAdmin(admin.ModelAdmin):
    """Sessions are written by bots; staff read them and may stop a live one."""

    list_display = [
        "id", "user", "status", "current_activity", "jobs_found", "jobs_applied", "jobs_failed",
        "credits_used", "platform", "bot_version", "started_at", "last_heartbeat_at", "completed_at",
    ]
    list_filter = ["status", "platform", ("user", admin.RelatedOnlyFieldListFilter), "started_at"]
    search_fields = ["id", "user__username", "user__email", "bot_version", "platform", "current_activity",
                     "error_message"]
    date_hierarchy = "started_at"
    list_select_related = ["user"]
    readonly_fields = [f.name for f in BotSession._meta.fields]
    actions = ["stop_sessions"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # view only: changes go through the protocol and the stop action

    def has_stop_permission(self, request):
        return request.user.has_perm("sessions_app.change_botsession")

    @admin.action(description="Stop selected sessions", permissions=["stop"])
    def stop_sessions(self, request, queryset):
        stopped = 0
        for session in queryset.filter(status__in=BotSession.ACTIVE_STATUSES).select_related("user"):
            try:
                services.stop_session(session.user, session.id)
                stopped += 1
            except ApplicationError:
                pass  # it finished meanwhile
        self.message_user(request, f"{stopped} session(s) stopped; the bots learn it at their next heartbeat.")
