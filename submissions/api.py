"""Submissions API (thin: rules in progress_rules, writes in services, reads in selectors,
wire shapes in events; errors are ApplicationErrors answered by core.api).

POST /api/worker/update-progress    a worker's progress report (Bearer worker token)
GET  /api/v1/submissions/jobs        the caller's jobs (staff: ?scope=all for everyone's)
POST /api/v1/submissions/jobs        {"job_posting_ids": [...], "start"?: bool} creates a job; queued on
                                     Celery unless start is false (an external worker will run it)
GET  /api/v1/submissions/jobs/<id>   one job with its submissions (owner or staff; else 404)
"""
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import ParseError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.auth import BearerTokenAuthentication, require_scope
from accounts.models import ApiToken
from submissions import events, progress_rules, selectors, services

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
        return Response(update_progress(_json_body(request), request.auth))


def update_progress(body: Any, token: ApiToken) -> dict[str, Any]:
    """Parse, apply and answer one worker update: this view and the fast path
    (submissions.fastpath) both answer with it."""
    update = progress_rules.parse_update(body)
    owner = None if token.acts_for_system else token.user
    result = services.apply_progress_update(update, owner=owner)
    return {
        "success": True,
        "changed": result.changed,
        "job": events.job_payload(result.job),
        "submission": events.submission_payload(result.submission) if result.submission else None,
    }


def _json_body(request):
    """The parsed body; malformed JSON is the spec's 400 (not DRF's parser message)."""
    try:
        return request.data
    except ParseError:
        raise progress_rules.InvalidUpdate("The body must be valid JSON.") from None


class JobListView(APIView):
    @extend_schema(operation_id="submission_jobs_list", responses=OpenApiTypes.OBJECT)
    def get(self, request):
        if request.query_params.get("scope") == "all" and request.user.is_staff:
            jobs = selectors.jobs_visible_to(request.user)
        else:
            jobs = selectors.own_jobs(request.user)
        return Response({"jobs": [events.job_payload(job) for job in jobs[:200]]})

    @extend_schema(operation_id="submission_jobs_create", request=OpenApiTypes.OBJECT, responses={201: OpenApiTypes.OBJECT})
    def post(self, request):
        body = request.data if isinstance(request.data, dict) else {}
        job = services.create_job(request.user, body.get("job_posting_ids"), start=body.get("start", True))
        return Response(events.job_payload(job), status=status.HTTP_201_CREATED)


class JobDetailView(APIView):
    @extend_schema(operation_id="submission_jobs_retrieve", responses=OpenApiTypes.OBJECT)
    def get(self, request, job_id):
        job = selectors.get_job_for(request.user, job_id)
        if job is None:
            raise services.JobNotFound("No such submission job.")
        data = events.job_payload(job)
        data["submissions"] = [events.submission_payload(s) for s in job.submissions.all()]
        data["error_log"] = job.error_log
        return Response(data)
