"""Request validation and response shapes of the tracker API."""
from rest_framework import serializers

from tracker.models import Application, ApplicationStatusChange, FollowUp, Interview, Job, Recommendation, SkillGap


class JobCreateSerializer(serializers.ModelSerializer):
    """Limits and the http(s) URL rule come from the Job model (one place for each field)."""

    class Meta:
        model = Job
        fields = ["company", "job_title", "job_description", "job_url", "location", "source"]
        validators: list = []  # saving the same job_url again is answered by the service (200), not a 400


class JobListSerializer(serializers.ModelSerializer):
    application = serializers.SerializerMethodField()
    strengths = serializers.SerializerMethodField()
    concerns = serializers.SerializerMethodField()

    class Meta:
        model = Job
        fields = ["id", "company", "job_title", "job_url", "location", "source", "analysis_status", "match_score",
                  "recommendation", "strengths", "concerns", "application", "created_at", "updated_at"]

    def get_application(self, job) -> dict | None:
        app = getattr(job, "application", None)
        return {"id": app.id, "status": app.status} if app else None

    def get_strengths(self, job) -> list[str]:
        return (job.analysis or {}).get("strengths", [])

    def get_concerns(self, job) -> list[str]:
        return (job.analysis or {}).get("concerns", [])


class JobDetailSerializer(JobListSerializer):
    class Meta(JobListSerializer.Meta):
        fields = JobListSerializer.Meta.fields + ["job_description", "analysis", "analyzed_at"]


class SkillGapSerializer(serializers.ModelSerializer):
    job_id = serializers.IntegerField(source="job.id")

    class Meta:
        model = SkillGap
        fields = ["job_id", "overall_match", "matching_skills", "missing_skills", "updated_at"]


class StatusChangeSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApplicationStatusChange
        fields = ["old_status", "new_status", "changed_at"]


class ApplicationSerializer(serializers.ModelSerializer):
    job_id = serializers.IntegerField(source="job.id", read_only=True)
    company = serializers.CharField(source="job.company", read_only=True)
    job_title = serializers.CharField(source="job.job_title", read_only=True)
    job_url = serializers.CharField(source="job.job_url", read_only=True)
    match_score = serializers.IntegerField(source="job.match_score", read_only=True)
    status_history = StatusChangeSerializer(many=True, read_only=True)

    class Meta:
        model = Application
        fields = ["id", "job_id", "company", "job_title", "job_url", "match_score", "status", "notes",
                  "contact_name", "contact_email", "salary_expectation", "applied_at", "status_changed_at",
                  "created_at", "updated_at", "status_history"]


class ApplicationCreateSerializer(serializers.ModelSerializer):
    job_id = serializers.IntegerField()  # looked up among the caller's jobs by the service (404, never 400)

    class Meta:
        model = Application
        fields = ["job_id", "status", "notes"]


class ApplicationUpdateSerializer(serializers.ModelSerializer):
    class Meta:
        model = Application
        fields = ["status", "notes", "contact_name", "contact_email", "salary_expectation"]
        extra_kwargs = {name: {"required": False} for name in fields}


class StatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Application.Status.choices)


class AppliedSummarySerializer(serializers.Serializer):
    job_urls = serializers.ListField(child=serializers.CharField())
    applied_today = serializers.IntegerField()


class InterviewSerializer(serializers.ModelSerializer):
    application_id = serializers.IntegerField(source="application.id", read_only=True)
    job_id = serializers.IntegerField(source="application.job.id", read_only=True)
    company = serializers.CharField(source="application.job.company", read_only=True)
    job_title = serializers.CharField(source="application.job.job_title", read_only=True)
    calendar_event_id = serializers.CharField(read_only=True)
    ics_url = serializers.SerializerMethodField()

    class Meta:
        model = Interview
        fields = ["id", "application_id", "job_id", "company", "job_title", "interview_type", "scheduled_date",
                  "duration_minutes", "location", "meeting_link", "notes", "status", "calendar_event_id", "ics_url",
                  "created_at", "updated_at"]

    def get_ics_url(self, interview) -> str:
        return f"/api/v1/interviews/{interview.id}.ics"


class InterviewWriteSerializer(serializers.ModelSerializer):
    """POST and PATCH; the interview names its application directly or through its job."""

    application_id = serializers.IntegerField(required=False)
    job_id = serializers.IntegerField(required=False)

    class Meta:
        model = Interview
        fields = ["application_id", "job_id", "interview_type", "scheduled_date", "duration_minutes", "location",
                  "meeting_link", "notes", "status"]
        extra_kwargs = {"scheduled_date": {"required": False}}  # required on POST: checked by the view's message


class FollowUpSerializer(serializers.ModelSerializer):
    application_id = serializers.IntegerField(source="application.id", read_only=True)
    job_id = serializers.IntegerField(source="application.job.id", read_only=True)
    company = serializers.CharField(source="application.job.company", read_only=True)
    job_title = serializers.CharField(source="application.job.job_title", read_only=True)

    class Meta:
        model = FollowUp
        fields = ["id", "application_id", "job_id", "company", "job_title", "followup_type", "scheduled_date",
                  "notes", "sent", "sent_at", "created_at", "updated_at"]


class FollowUpWriteSerializer(serializers.ModelSerializer):
    application_id = serializers.IntegerField(required=False)

    class Meta:
        model = FollowUp
        fields = ["application_id", "followup_type", "scheduled_date", "notes", "sent"]
        extra_kwargs = {"scheduled_date": {"required": False}}


class RecommendationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Recommendation
        fields = ["id", "job_id", "posting_id", "company", "job_title", "location", "url", "score", "recommendation",
                  "strengths", "concerns", "updated_at"]
