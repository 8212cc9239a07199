"""The notification settings form of the profile page (the model validates the fields)."""
from __future__ import annotations

from typing import Any

from django import forms

from notifications.models import NotificationSettings
from notifications.services import STAFF_ONLY_FIELDS
from tracker.forms import URLField


class NotificationSettingsForm(forms.ModelForm):
    class Meta:
        model = NotificationSettings
        fields = ["email_enabled", "webhook_url", "new_matches", "min_match_score", "bot_sessions",
                  "scrape_problems", "all_bot_sessions"]
        field_classes = {"webhook_url": URLField}  # scheme-less "hooks.example/x" is https://

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not user.is_staff:
            for name in STAFF_ONLY_FIELDS:
                del self.fields[name]
