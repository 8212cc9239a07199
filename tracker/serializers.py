"""Request validation and response shapes of the tracker API."""
from rest_framework import serializers

from tracker.models import Application, ApplicationStatusChange, FollowUp, Interview, Job, Recommendation, SkillGap

MAX_DESCRIPTION = 100_000


class JobCreateSerializer(serializers.Serializer):
    company = serializers.CharField(max_length=200)
    job_title = serializers.CharField(max_length=300)
    job_description = serializers.CharField(max_length=MAX_DESCRIPTION, required=False, allow_blank=True, default="")
    job_url = serializers.URLField(max_length=1000, required=False, allow_blank=True, default="")
    location = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    source = serializers.CharField(max_length=50, required=False, allow_blank=True, default="manual")


class ApplicationBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Application
        fields = ["id", "status"]


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
    match_score = serializers.FloatField(source="job.match_score", read_only=True)
    status_history = StatusChangeSerializer(many=True, read_only=True)

    class Meta:
        model = Application
        fields = ["id", "job_id", "company", "job_title", "job_url", "match_score", "status", "notes",
                  "contact_name", "contact_email", "salary_expectation", "applied_at", "status_changed_at",
                  "created_at", "updated_at", "status_history"]


class ApplicationCreateSerializer(serializers.Serializer):
    job_id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Application.Status.choices, required=False, default=Application.Status.SAVED)
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=20_000)


class ApplicationUpdateSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Application.Status.choices, required=False)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=20_000)
    contact_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    contact_email = serializers.EmailField(required=False, allow_blank=True)
    salary_expectation = serializers.IntegerField(required=False, allow_null=True, min_value=0)


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


class InterviewWriteSerializer(serializers.Serializer):
    application_id = serializers.IntegerField(required=False)
    job_id = serializers.IntegerField(required=False)
    interview_type = serializers.ChoiceField(choices=Interview.Type.choices, required=False)
    scheduled_date = serializers.DateTimeField(required=False)
    duration_minutes = serializers.IntegerField(required=False, min_value=5, max_value=24 * 60)
    location = serializers.CharField(required=False, allow_blank=True, max_length=300)
    meeting_link = serializers.URLField(required=False, allow_blank=True, max_length=1000)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=20_000)
    status = serializers.ChoiceField(choices=Interview.Status.choices, required=False)


class FollowUpSerializer(serializers.ModelSerializer):
    application_id = serializers.IntegerField(source="application.id", read_only=True)
    job_id = serializers.IntegerField(source="application.job.id", read_only=True)
    company = serializers.CharField(source="application.job.company", read_only=True)
    job_title = serializers.CharField(source="application.job.job_title", read_only=True)

    class Meta:
        model = FollowUp
        fields = ["id", "application_id", "job_id", "company", "job_title", "followup_type", "scheduled_date",
                  "notes", "sent", "sent_at", "created_at", "updated_at"]


class FollowUpWriteSerializer(serializers.Serializer):
    application_id = serializers.IntegerField(required=False)
    followup_type = serializers.ChoiceField(choices=FollowUp.Type.choices, required=False)
    scheduled_date = serializers.DateTimeField(required=False)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=20_000)
    sent = serializers.BooleanField(required=False)


class RecommendationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Recommendation
        fields = ["id", "job_id", "posting_id", "company", "job_title", "location", "url", "score", "recommendation",
                  "strengths", "concerns", "updated_at"]
