from django import forms
from django.db import models

from accounts.models import ApiToken, Profile, normalize_answers


class CommaListField(forms.CharField):
    """Edits a JSON list of strings as comma-separated text (the model validates the list)."""

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        return [item.strip() for item in (value or "").split(",") if item.strip()]


class SemicolonListField(CommaListField):
    """Places hold commas ("Berlin, Germany"), so a list of them is separated by semicolons."""

    def prepare_value(self, value):
        return "; ".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        return [item.strip() for item in (value or "").split(";") if item.strip()]


class ProfileForm(forms.ModelForm):
    """The profile page: `general_fields` first, then each block of fields in its own fieldset."""

    skills = CommaListField(required=False, help_text="Comma separated, e.g. Python, Django, PostgreSQL")
    desired_titles = CommaListField(required=False, help_text="Comma separated")
    locations = SemicolonListField(
        required=False, label="Preferred locations",
        help_text="Semicolon separated: a city, a country or a remote scope, e.g. "
                  "Berlin, Germany; Munich; Remote (EU)")

    class Meta:
        model = Profile
        fields = [
            "headline", "phone", "skills", "desired_titles", "years_experience",
            "salary_expectation", "work_authorization", "willing_to_relocate", "resume_text",
            *Profile.MATCH_PREFERENCE_FIELDS,
        ]
        widgets = {"resume_text": forms.Textarea(attrs={"rows": 10})}
        labels = {"salary_expectation": "Salary expectation (what the bot answers)",
                  "remote_hard_filter": "Only recommend this workplace type",
                  "location_hard_filter": "Only recommend postings in my locations",
                  "salary_hard_filter": "Only recommend postings paying at least my minimum",
                  "home_location": "Where you live", "salary_minimum": "Minimum salary",
                  "salary_currency": "Currency", "salary_interval": "Pay period"}

    def general_fields(self) -> list:
        return [self[name] for name in self.fields if name not in Profile.MATCH_PREFERENCE_FIELDS]

    def match_preference_fields(self) -> list:
        return [self[name] for name in Profile.MATCH_PREFERENCE_FIELDS]


class ApplyRulesForm(forms.ModelForm):
    """The apply pipeline's rules (threshold, caps, review mode, pace); the model's fields validate them."""

    class Meta:
        model = Profile
        fields = ["apply_threshold", "daily_cap", "company_cap", "review_mode", "apply_delay_seconds"]
        labels = {"apply_threshold": "Auto-apply threshold (%)", "daily_cap": "Applications per day at most",
                  "company_cap": "Applications per company in 30 days at most",
                  "review_mode": "Review each application before it is sent",
                  "apply_delay_seconds": "Pause between applications (seconds)"}


class SavedAnswersField(forms.CharField):
    """Edits the saved answers ({question: answer}) as lines "question => answer"; several options of a
    multi-select are separated by ";". The model validates the result (validate_saved_answers)."""

    widget = forms.Textarea(attrs={"rows": 6})
    SEPARATOR = "=>"

    def prepare_value(self, value):
        if isinstance(value, dict):
            return "\n".join(f"{k} {self.SEPARATOR} {v.replace(chr(10), '; ')}" for k, v in value.items())
        return value

    def to_python(self, value):
        answers: dict[str, str] = {}
        for number, line in enumerate((value or "").splitlines(), start=1):
            if not line.strip():
                continue
            question, separator, answer = line.partition(self.SEPARATOR)
            if not separator or not question.strip():
                raise forms.ValidationError(f"Line {number}: write it as \"question {self.SEPARATOR} answer\".")
            answers[question.strip()] = answer.strip()
        return normalize_answers(answers)


def _https_links(field, **kwargs):
    """Form fields of the model's, a link typed without a scheme read as https://."""
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return field.formfield(**kwargs)


class ScreeningAnswersForm(forms.ModelForm):
    """Answers to common screening questions and the answers saved from earlier applications."""

    screening_answers = SavedAnswersField(
        required=False, label="Other saved answers",
        help_text="One per line: question => answer. Answers you give when an application stops for a "
                  "question are added here.")

    class Meta:
        model = Profile
        fields = ["authorized_to_work", "requires_sponsorship", "current_location", "notice_period", "start_date",
                  "linkedin_url", "github_url", "portfolio_url", "pronouns", "eeo_decline", "screening_answers"]
        labels = {"authorized_to_work": "Authorised to work where the jobs are",
                  "requires_sponsorship": "Need visa sponsorship", "start_date": "Earliest start date",
                  "linkedin_url": "LinkedIn", "github_url": "GitHub", "portfolio_url": "Portfolio / website",
                  "eeo_decline": "Decline to answer voluntary EEO questions"}
        widgets = {"authorized_to_work": forms.NullBooleanSelect, "requires_sponsorship": forms.NullBooleanSelect,
                   "start_date": forms.DateInput(attrs={"type": "date"})}
        formfield_callback = _https_links


class TokenForm(forms.ModelForm):
    """Name and scope, validated by the model's fields (accounts.services.create_token makes the token)."""

    class Meta:
        model = ApiToken
        fields = ["name", "scope"]
