from django import forms

from accounts.models import ApiToken, Profile


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


class TokenForm(forms.ModelForm):
    """Name and scope, validated by the model's fields (accounts.services.create_token makes the token)."""

    class Meta:
        model = ApiToken
        fields = ["name", "scope"]
