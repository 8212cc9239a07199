import copy
from typing import Any

from rest_framework import serializers

from accounts.models import ApiToken, Profile, normalize_answers, validate_saved_answers, validate_string_list

# The match preferences the fields list below does not name already (issue 16).
MATCH_ONLY_FIELDS = [f for f in Profile.MATCH_PREFERENCE_FIELDS if f not in ("remote_preference", "locations")]


class StringList(serializers.ListField):
    """A list of strings (the type, for the schema); its limits are the model's validate_string_list."""

    child = serializers.CharField()

    def __init__(self, **kwargs):
        super().__init__(validators=[validate_string_list], **kwargs)


class SavedAnswers(serializers.DictField):
    """{question text: answer}; keys are stored normalised (bot.sites.forms.normalize_question), the limits are
    the model's validate_saved_answers."""

    child = serializers.CharField(allow_blank=True, trim_whitespace=False)

    def __init__(self, **kwargs):
        super().__init__(validators=[validate_saved_answers], **kwargs)

    def to_internal_value(self, data):
        return normalize_answers(super().to_internal_value(data))


class ProfileSerializer(serializers.ModelSerializer):
    """The profile; its match preferences (pay, workplace, places, hard filters) follow the model's
    rules across fields (Profile.match_preference_errors), the same the profile page applies."""

    skills = StringList(required=False)
    desired_titles = StringList(required=False)
    locations = StringList(required=False, help_text=(
        "Preferred locations: a city, a country or a remote scope each, e.g. \"Berlin, Germany\", "
        "\"Germany\", \"Remote (EU)\"."))
    screening_answers = SavedAnswers(required=False)
    username = serializers.CharField(source="user.username", read_only=True)
    full_name = serializers.CharField(source="user.get_full_name", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)

    class Meta:
        model = Profile
        fields = [
            "username", "full_name", "email", "headline", "phone", "skills", "desired_titles", "locations",
            "years_experience", "remote_preference", "salary_expectation", "work_authorization",
            "willing_to_relocate", "resume_text",
            # the apply pipeline's rules and the answers to common screening questions (issue 13)
            "apply_threshold", "daily_cap", "company_cap", "review_mode", "apply_delay_seconds",
            "authorized_to_work", "requires_sponsorship", "current_location", "notice_period", "start_date",
            "linkedin_url", "github_url", "portfolio_url", "pronouns", "eeo_decline", "screening_answers",
            "updated_at", *MATCH_ONLY_FIELDS,
        ]
        read_only_fields = ["updated_at"]
        extra_kwargs = {"remote_preference": {"help_text": (
            "Workplace type you want: remote, hybrid, onsite or any (weighed in the match score; "
            "a hard filter with remote_hard_filter).")}}

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        probe = copy.copy(self.instance) if self.instance is not None else Profile()
        for name, value in attrs.items():
            setattr(probe, name, value)
        errors = probe.match_preference_errors()
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class ApiTokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = ["id", "name", "scope", "prefix", "created_at", "last_used_at", "revoked_at"]
        read_only_fields = ["prefix", "created_at", "last_used_at", "revoked_at"]


class CreatedTokenSerializer(ApiTokenSerializer):
    token = serializers.CharField(read_only=True, help_text="Shown once; store it now.")

    class Meta(ApiTokenSerializer.Meta):
        fields = ApiTokenSerializer.Meta.fields + ["token"]
