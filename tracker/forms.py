"""Page forms of the tracker. Field limits and rules come from the models (the one
place for each field: job_url must be http(s), duration 5-1440 minutes, ...); the
API's serializers derive from the same models."""
from __future__ import annotations

from typing import Any, cast

from django import forms

from tracker.models import Application, FollowUp, Interview, Job
from tracker.selectors import applications_for

DATETIME_LOCAL = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class URLField(forms.URLField):
    """A scheme-less "example.com/job" becomes https:// (Django 6's default, said explicitly)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(assume_scheme="https", **kwargs)


class JobForm(forms.ModelForm):
    """Add a job by hand (the API's JobCreateSerializer takes the same fields)."""

    class Meta:
        model = Job
        fields = ["company", "job_title", "location", "job_url", "job_description"]
        labels = {"job_title": "Job title", "job_url": "URL", "job_description": "Description"}
        widgets = {"job_description": forms.Textarea(attrs={"rows": 8})}
        field_classes = {"job_url": URLField}


class ApplicationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Application) -> str:
        return f"{obj.job.job_title} — {obj.job.company}"


class _ForApplicationForm(forms.ModelForm):
    """An interview or follow-up for one of the user's applications (others' ids are not choices)."""

    application_id = ApplicationChoiceField(queryset=Application.objects.none(), label="Application",
                                            empty_label=None)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["application_id"]).queryset = applications_for(user)

    def service_fields(self) -> dict[str, Any]:
        """The cleaned model fields, as the services take them."""
        return {name: self.cleaned_data[name] for name in self._meta.fields}  # type: ignore[union-attr]


class InterviewForm(_ForApplicationForm):
    class Meta:
        model = Interview
        fields = ["interview_type", "scheduled_date", "duration_minutes", "location", "notes"]
        labels = {"interview_type": "Type", "scheduled_date": "Date and time (UTC)",
                  "duration_minutes": "Duration (minutes)", "location": "Location or link"}
        widgets = {"scheduled_date": DATETIME_LOCAL, "notes": forms.Textarea(attrs={"rows": 3})}


class FollowUpForm(_ForApplicationForm):
    class Meta:
        model = FollowUp
        fields = ["followup_type", "scheduled_date", "notes"]
        labels = {"followup_type": "Type", "scheduled_date": "Date and time (UTC)"}
        widgets = {"scheduled_date": DATETIME_LOCAL, "notes": forms.Textarea(attrs={"rows": 3})}


class JobFilterForm(forms.Form):
    """The jobs page's filters; an unreadable one (min_score=abc) is ignored, not an error."""

    recommendation = forms.CharField(required=False)
    min_score = forms.FloatField(required=False)
    q = forms.CharField(required=False)
    status = forms.CharField(required=False)

    def filters(self) -> dict[str, Any]:
        """Keyword arguments for selectors.jobs_for."""
        self.is_valid()
        data = self.cleaned_data
        return {"recommendation": data.get("recommendation", ""), "min_score": data.get("min_score"),
                "q": data.get("q", ""), "status": data.get("status", "")}

    def shown(self) -> dict[str, str]:
        """What the filter inputs show again: what was typed, minus what was ignored."""
        self.is_valid()
        return {name: "" if name in self.errors else str(self.data.get(name, "")) for name in self.fields}
