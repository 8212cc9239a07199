from django import forms

from accounts.models import ApiToken, Profile


class CommaListField(forms.CharField):
    """Edits a JSON list of strings as comma-separated text (the model validates the list)."""

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        return [item.strip() for item in (value or "").split(",") if item.strip()]


class ProfileForm(forms.ModelForm):
    skills = CommaListField(required=False, help_text="Comma separated, e.g. Python, Django, PostgreSQL")
    desired_titles = CommaListField(required=False, help_text="Comma separated")
    locations = CommaListField(required=False, help_text="Comma separated, e.g. Berlin, Remote")

    class Meta:
        model = Profile
        fields = [
            "headline", "phone", "skills", "desired_titles", "locations", "years_experience",
            "remote_preference", "salary_expectation", "work_authorization", "willing_to_relocate", "resume_text",
        ]
        widgets = {"resume_text": forms.Textarea(attrs={"rows": 10})}


class TokenForm(forms.ModelForm):
    """Name and scope, validated by the model's fields (accounts.services.create_token makes the token)."""

    class Meta:
        model = ApiToken
        fields = ["name", "scope"]
