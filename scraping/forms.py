"""The scraping page's forms (the JSON API validates the same fields with its serializers)."""
from __future__ import annotations

from typing import Any

from django import forms

from scraping.services import SCHEDULE_MAX_MINUTES, SCHEDULE_MIN_MINUTES


class IdListField(forms.Field):
    """Ticked checkboxes of ids (`name=company_ids` repeated) as a list of ints."""

    widget = forms.CheckboxSelectMultiple
    default_error_messages = {"invalid": "Companies must be chosen by their whole-number ids."}

    def to_python(self, value: Any) -> list[int]:
        if not value:
            return []
        try:
            return [int(item) for item in value]
        except (TypeError, ValueError):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


class ScheduleForm(forms.Form):
    """The periodic scrape: on or off, every N minutes, all active companies or the ticked ones."""

    enabled = forms.BooleanField(required=False)
    every_minutes = forms.IntegerField(min_value=SCHEDULE_MIN_MINUTES, max_value=SCHEDULE_MAX_MINUTES)
    company_ids = IdListField(required=False)

    def error_text(self) -> str:
        """The form's errors as one sentence for a flash message."""
        return " ".join(
            f"{self.fields[name].label or name.replace('_', ' ')}: {message}" if name != "__all__" else str(message)
            for name, messages in self.errors.items()
            for message in messages
        )
