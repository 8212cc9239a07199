"""Submissions API (thin: rules in progress_rules, writes in services, reads in selectors).

POST /api/worker/update-progress    a worker's progress report (Bearer worker token)
GET  /api/v1/submissions/jobs        the caller's jobs (staff: ?scope=all for everyone's)
POST /api/v1/submissions/jobs        {"job_posting_ids": [...], "start"?: bool} creates a job; queued on
                                     Celery unless start is false (an external worker will run it)
GET  /api/v1/submissions/jobs/<id>   one job with its submissions (owner or staff; else 404)
"""
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import ParseError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.auth import BearerTokenAuthentication, require_scope
from submissions import progress_rules, selectors, services

# Documentation only: parsing and validation live in progress_rules.parse_update.
PROGRESS_UPDATE_DOC = inline_serializer(
    "ProgressUpdate",
    {
        "job_id": serializers.UUIDField(),
        "submission_id": serializers.UUIDField(required=False),
        "status": serializers.ChoiceField(choices=sorted(set(progress_rules.JOB_STATUSES + progress_rules.SUBMISSION_STATUSES))),
        "completed": serializers.IntegerField(required=False, min_value=0, help_text="Alias: directories_completed."),
        "failed": serializers.IntegerField(required=False, min_value=0, help_text="Alias: directories_failed."),
        "current_target": serializers.CharField(required=False, help_text="Alias: current_directory."),
        "error_message": serializers.CharField(required=False),
    },
)


class UpdateProgressView(APIView):
    """A worker reports progress. A staff member's worker token acts for any job; others only for their own."""

    authentication_classes = [BearerTokenAuthentication]
    permission_classes = [require_scope("worker", allow_session=False)]

    @extend_schema(request=PROGRESS_UPDATE_DOC, responses=OpenApiTypes.OBJECT)
    def post(self, request):
        try:
            body = request.data
        except ParseError:
            return Response({"error": "The body must be valid JSON."}, status=status.HTTP_400_BAD_REQUEST)
        try:
            update = progress_rules.parse_update(body if isinstance(body, dict) else None)
            owner = None if request.auth.acts_for_system else request.user
            result = services.apply_progress_update(update, owner=owner)
        except progress_rules.UpdateRejected as exc:
            error = {"error": exc.message}
            if exc.field:
                error["field"] = exc.field
            return Response(error, status=exc.status_code)
        except services.JobNotFound as exc:
            return Response({"error": str(exc)}, status=status.HTTP_404_NOT_FOUND)
        return Response(
            {
                "success": True,
                "changed": result.changed,
                "job": selectors.job_payload(result.job),
                "submission": selectors.submission_payload(result.submission) if result.submission else None,
            }
        )


class JobListView(APIView):
    @extend_schema(operation_id="submission_jobs_list", responses=OpenApiTypes.OBJECT)
    def get(self, request):
        if request.query_params.get("scope") == "all" and request.user.is_staff:
            jobs = selectors.jobs_visible_to(request.user)
        else:
            jobs = selectors.own_jobs(request.user)
        return Response({"jobs": [selectors.job_payload(job) for job in jobs[:200]]})

    @extend_schema(operation_id="submission_jobs_create", request=OpenApiTypes.OBJECT, responses={201: OpenApiTypes.OBJECT})
    def post(self, request):
        ids = request.data.get("job_posting_ids") if isinstance(request.data, dict) else None
        if not isinstance(ids, list):
            return Response({"error": "'job_posting_ids' must be a list of posting ids."}, status=400)
        start = request.data.get("start", True)
        if not isinstance(start, bool):
            return Response({"error": "'start' must be true or false.", "field": "start"}, status=400)
        try:
            job = services.create_job(request.user, ids, start=start)
        except services.InvalidRequest as exc:
            return Response({"error": str(exc), "field": "job_posting_ids"}, status=400)
        return Response(selectors.job_payload(job), status=status.HTTP_201_CREATED)


class JobDetailView(APIView):
    @extend_schema(operation_id="submission_jobs_retrieve", responses=OpenApiTypes.OBJECT)
    def get(self, request, job_id):
        job = selectors.get_job_for(request.user, job_id)
        if job is None:
            return Response({"error": "No such submission job."}, status=status.HTTP_404_NOT_FOUND)
        data = selectors.job_payload(job)
        data["submissions"] = [selectors.submission_payload(s) for s in job.submissions.all()]
        data["error_log"] = job.error_log
        return Response(data)
