"""Page forms of the submissions app."""
from __future__ import annotations

import datetime
from typing import Any

from django import forms

from core.errors import ApplicationError
from submissions import services


class NewJobForm(forms.Form):
    """The postings ticked on /submissions/new/; checked by the same service check as the API."""

    job_posting_ids = forms.Field(widget=forms.CheckboxSelectMultiple, required=False)

    def clean_job_posting_ids(self) -> list[int]:
        try:
            postings = services.postings_for_job(list(self.cleaned_data["job_posting_ids"] or []))
        except ApplicationError as exc:
            raise forms.ValidationError(exc.message) from exc
        return [posting.pk for posting in postings]

    def error_message(self) -> str:
        errors: Any = self.errors.get("job_posting_ids") or ["Invalid input."]
        return str(errors[0])


class AnswersForm(forms.Form):
    """The questions an application stopped at (needs_answer), one field each, typed like the form's own:
    a choice among its options, a date, a consent box, text. The answers are keyed by question label."""

    def __init__(self, questions: list[dict[str, Any]], *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        for index, question in enumerate(self.questions):
            self.fields[f"q{index}"] = _field_for(question)

    def answers(self) -> dict[str, str]:
        """{question label: answer text}; several options one per line, dates as YYYY-MM-DD."""
        out = {}
        for index, question in enumerate(self.questions):
            value = self.cleaned_data.get(f"q{index}")
            if isinstance(value, list):
                text = "\n".join(value)
            elif isinstance(value, datetime.date):
                text = value.isoformat()
            else:
                text = "" if value is None else str(value)
            out[question["label"]] = text
        return out


def _field_for(question: dict[str, Any]) -> forms.Field:
    label, kind = question["label"], question.get("kind", "text")
    options = [(o, o) for o in question.get("options") or []]
    field: forms.Field
    if kind == "multiselect" and options:
        field = forms.MultipleChoiceField(choices=options, widget=forms.CheckboxSelectMultiple)
    elif options:
        field = forms.ChoiceField(choices=[("", "— choose —"), *options])
    elif kind == "checkbox":
        field = forms.ChoiceField(choices=[("", "— choose —"), ("yes", "Yes (tick it)"), ("no", "No")])
    elif kind == "yesno":
        field = forms.ChoiceField(choices=[("", "— choose —"), ("yes", "Yes"), ("no", "No")])
    elif kind == "date":
        field = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    elif kind == "textarea":
        field = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))
    elif kind == "email":
        field = forms.EmailField()
    elif kind == "url":
        field = forms.URLField(max_length=500, assume_scheme="https")
    else:
        field = forms.CharField(max_length=2000)
    field.label = label
    field.required = True
    return field
