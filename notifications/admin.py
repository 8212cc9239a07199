"""Notifications in the admin: read-only (users change their settings on their profile page;
notifications are recorded by notifications.services)."""
from django.contrib import admin
from django.http import HttpRequest

from notifications.models import NotificationSent, NotificationSettings


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(NotificationSettings)
class NotificationSettingsAdmin(ReadOnlyAdmin):
    list_display = ["user", "email_enabled", "webhook_url", "new_matches", "min_match_score", "bot_sessions",
                    "scrape_problems", "all_bot_sessions", "updated_at"]
    search_fields = ["user__username", "user__email"]


@admin.register(NotificationSent)
class NotificationSentAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "kind", "object_key", "subject", "email_sent_at", "webhook_sent_at",
                    "attempts"]
    list_filter = ["kind"]
    search_fields = ["user__username", "object_key", "subject"]
