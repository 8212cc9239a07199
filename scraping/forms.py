"""The scraping page's forms (the JSON API validates the same fields with its serializers).

What a schedule fires on is checked in one place, services.schedule_spec; the forms
only read the posted text into types and show its refusals next to the fields.
"""
from __future__ import annotations

from typing import Any

from django import forms

from core.errors import ApplicationError, PermissionDenied
from scraping import services
from scraping.models import Company

WEEKDAYS = [(1, "Mon"), (2, "Tue"), (3, "Wed"), (4, "Thu"), (5, "Fri"), (6, "Sat"), (0, "Sun")]
KINDS = [("interval", "Every N minutes"), ("time", "At a time of day"), ("cron", "Crontab")]


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


class ErrorTextMixin:
    errors: Any
    fields: dict[str, forms.Field]

    def error_text(self) -> str:
        """The form's errors as one sentence for a flash message."""
        return " ".join(
            f"{self.fields[name].label or name.replace('_', ' ')}: {message}" if name != "__all__" else str(message)
            for name, messages in self.errors.items()
            for message in messages
        )


class ScheduleForm(ErrorTextMixin, forms.Form):
    """A schedule: its name (the default one when left empty), on or off, every N minutes, a time
    of day on some weekdays, or a crontab in a timezone; all active companies or the ticked ones."""

    name = forms.CharField(required=False, max_length=services.SCHEDULE_NAME_MAX)
    enabled = forms.BooleanField(required=False)
    kind = forms.ChoiceField(choices=KINDS, required=False)
    every_minutes = forms.IntegerField(required=False)
    time_of_day = forms.TimeField(required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    days = forms.TypedMultipleChoiceField(choices=WEEKDAYS, coerce=int, required=False,
                                          widget=forms.CheckboxSelectMultiple)
    minute = forms.CharField(required=False)
    hour = forms.CharField(required=False)
    day_of_month = forms.CharField(required=False)
    month_of_year = forms.CharField(required=False)
    day_of_week = forms.CharField(required=False)
    timezone = forms.CharField(required=False)
    company_ids = IdListField(required=False)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.errors:
            return data
        try:
            data["spec"] = services.schedule_spec(
                data.get("kind") or "interval",
                every_minutes=data.get("every_minutes"),
                cron={name: data.get(name) or "*" for name in services.CRON_FIELDS},
                time_of_day=data.get("time_of_day"),
                days=data.get("days"),
                tz=data.get("timezone") or "UTC",
            )
        except services.InvalidSchedule as exc:
            for field, message in exc.extra.get("fields", {}).items():
                self.add_error(field if field in self.fields else None, message)
        data["name"] = data.get("name") or services.DEFAULT_SCHEDULE
        return data


class PostingFilterForm(forms.Form):
    """The postings download's filters (GET); an unreadable one is refused, not ignored."""

    company = IdListField(required=False)
    source = forms.ChoiceField(choices=[("", "any source"), *Company.Source.choices], required=False)
    q = forms.CharField(max_length=200, required=False)
    remote = forms.ChoiceField(choices=[("", "any"), ("true", "remote"), ("false", "not remote")], required=False)
    active = forms.ChoiceField(choices=[("true", "active"), ("false", "inactive"), ("all", "all")], required=False)
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def filters(self, *, staff: bool) -> dict[str, Any]:
        """Keyword arguments for selectors.postings; inactive postings are for staff."""
        if not self.is_valid():
            raise ApplicationError("Unreadable filter.",
                                   fields={k: " ".join(str(m) for m in v) for k, v in self.errors.items()})
        data = self.cleaned_data
        active = {"": True, "true": True, "false": False, "all": None}[data["active"]]
        if active is not True and not staff:
            raise PermissionDenied("Only staff may download inactive postings.")
        return {
            "company_ids": data["company"], "source": data["source"], "q": data["q"].strip(),
            "remote": {"": None, "true": True, "false": False}[data["remote"]], "active": active,
            "since": data["since"],
        }
