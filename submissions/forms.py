"""Page forms of the submissions app."""
from __future__ import annotations

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
