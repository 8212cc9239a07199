from rest_framework import serializers

from accounts.models import ApiToken, Profile, validate_string_list


class StringList(serializers.ListField):
    """A list of strings (the type, for the schema); its limits are the model's validate_string_list."""

    child = serializers.CharField()

    def __init__(self, **kwargs):
        super().__init__(validators=[validate_string_list], **kwargs)


class ProfileSerializer(serializers.ModelSerializer):
    skills = StringList(required=False)
    desired_titles = StringList(required=False)
    locations = StringList(required=False)
    username = serializers.CharField(source="user.username", read_only=True)
    full_name = serializers.CharField(source="user.get_full_name", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)

    class Meta:
        model = Profile
        fields = [
            "username", "full_name", "email", "headline", "phone", "skills", "desired_titles", "locations",
            "years_experience", "remote_preference", "salary_expectation", "work_authorization",
            "willing_to_relocate", "resume_text", "updated_at",
        ]
        read_only_fields = ["updated_at"]


class ApiTokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = ["id", "name", "scope", "prefix", "created_at", "last_used_at", "revoked_at"]
        read_only_fields = ["prefix", "created_at", "last_used_at", "revoked_at"]


class CreatedTokenSerializer(ApiTokenSerializer):
    token = serializers.CharField(read_only=True, help_text="Shown once; store it now.")

    class Meta(ApiTokenSerializer.Meta):
        fields = ApiTokenSerializer.Meta.fields + ["token"]
