"""Submissions API (thin: rules in progress_rules, writes in services, reads in selectors,
wire shapes in events; errors are ApplicationErrors answered by core.api).

POST /api/worker/update-progress    a worker's progress report (Bearer worker token)
GET  /api/v1/submissions/jobs        the caller's jobs (staff: ?scope=all for everyone's; a service token:
                                     the jobs assigned to it)
POST /api/v1/submissions/jobs        {"job_posting_ids": [...], "start"?: bool, "external_id"?: str} creates a
                                     job; queued on Celery unless start is false (an external worker will run
                                     it, reporting with our id or the external_id as job_id)
GET  /api/v1/submissions/jobs/<id>   one job with its submissions (owner, staff or its service token; else 404)
POST /api/v1/submissions/auto-apply  a job over the caller's new matches at or above their threshold (201)
"""
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import ParseError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.auth import BearerTokenAuthentication
from accounts.models import ApiToken
from accounts.permissions import StaffQueryNeedsSession, TokenScopes
from core.throttles import ProgressThrottle, UserWriteThrottle
from submissions import events, progress_rules, selectors, services
from submissions.models import Submission, SubmissionJob
from submissions.services import pipeline

# Documentation only: parsing and validation live in progress_rules.parse_update.
PROGRESS_UPDATE_DOC = inline_serializer(
    "ProgressUpdate",
    {
        "job_id": serializers.CharField(
            help_text="The job's UUID, or its external_id (the reference its owner gave it, e.g. test-job-123)."
        ),
        "submission_id": serializers.UUIDField(required=False),
        "status": serializers.ChoiceField(choices=sorted(set(progress_rules.JOB_STATUSES + progress_rules.SUBMISSION_STATUSES))),
        "completed": serializers.IntegerField(required=False, min_value=0, help_text="Alias: directories_completed."),
        "failed": serializers.IntegerField(required=False, min_value=0, help_text="Alias: directories_failed."),
        "current_target": serializers.CharField(required=False, help_text="Alias: current_directory."),
        "error_message": serializers.CharField(required=False),
    },
)


class UpdateProgressView(APIView):
    """A worker reports progress: a user's worker token on their own jobs (a staff member's: any job by UUID),
    a service token on the jobs assigned to it (selectors.worker_reach)."""

    authentication_classes = [BearerTokenAuthentication]
    token_scopes = ("worker",)
    session_allowed = False
    throttle_classes = [ProgressThrottle, UserWriteThrottle]

    @extend_schema(request=PROGRESS_UPDATE_DOC, responses=OpenApiTypes.OBJECT)
    def post(self, request):
        return Response(update_progress(_json_body(request), request.auth))


def update_progress(body: Any, token: ApiToken) -> dict[str, Any]:
    """Parse, apply and answer one worker update (the view's answer; submissions.fastpath
    answers the same with its own statements)."""
    update = progress_rules.parse_update(body)
    result = services.apply_progress_update(update, reach=selectors.worker_reach(token))
    return progress_answer(result.job, result.submission, result.changed)


def progress_answer(job: SubmissionJob, submission: Submission | None, changed: bool) -> dict[str, Any]:
    """The answer to a progress update: the job and submission as they are now."""
    return {
        "success": True,
        "changed": changed,
        "job": events.job_payload(job),
        "submission": events.submission_payload(submission) if submission else None,
    }


def _json_body(request):
    """The parsed body; malformed JSON is the spec's 400 (not DRF's parser message)."""
    try:
        return request.data
    except ParseError:
        raise progress_rules.InvalidUpdate("The body must be valid JSON.") from None


def _service_token(request) -> ApiToken | None:
    """The request's service worker token, if that is how it authenticated."""
    return request.auth if isinstance(request.auth, ApiToken) and request.auth.is_service else None


class JobListView(APIView):
    token_scopes = ("worker",)  # external workers create and read their jobs (docs/submissions.md)
    staff_query = {"scope": "all"}  # everyone's jobs: a staff session only
    permission_classes = [TokenScopes, StaffQueryNeedsSession]

    @extend_schema(operation_id="submission_jobs_list", responses=OpenApiTypes.OBJECT)
    def get(self, request):
        if request.query_params.get("scope") == "all" and request.user.is_staff:
            jobs = selectors.jobs_visible_to(request.user)
        else:
            jobs = selectors.own_jobs(request.user, _service_token(request))
        return Response({"jobs": [events.job_payload(job) for job in jobs[:200]]})

    @extend_schema(operation_id="submission_jobs_create", request=OpenApiTypes.OBJECT, responses={201: OpenApiTypes.OBJECT})
    def post(self, request):
        body = request.data if isinstance(request.data, dict) else {}
        job = services.create_job(
            request.user,
            body.get("job_posting_ids"),
            start=body.get("start", True),
            external_id=body.get("external_id"),
            assigned_token=_service_token(request),
        )
        return Response(events.job_payload(job), status=status.HTTP_201_CREATED)


class JobDetailView(APIView):
    token_scopes = ("worker",)

    @extend_schema(operation_id="submission_jobs_retrieve", responses=OpenApiTypes.OBJECT)
    def get(self, request, job_id):
        job = selectors.get_job_for(request.user, job_id, _service_token(request))
        if job is None:
            raise services.JobNotFound("No such submission job.")
        data = events.job_payload(job)
        data["submissions"] = [events.submission_payload(s) for s in job.submissions.all()]
        data["error_log"] = job.error_log
        return Response(data)


class AutoApplyView(APIView):
    """"Auto-apply to matches >= X%" (the profile's apply_threshold): one job over the new matches, queued."""

    @extend_schema(operation_id="submissions_auto_apply", request=None, responses={201: OpenApiTypes.OBJECT})
    def post(self, request):
        job = pipeline.auto_apply(request.user)
        return Response(events.job_payload(job), status=status.HTTP_201_CREATED)
