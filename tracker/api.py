"""Tracker REST API v1 (thin views: validation in serializers, writes in services,
reads in selectors). A logged-in session; a `bot` token only where a view names it in
`token_scopes` (accounts.permissions). Every object is looked up within the caller's
own data, so others' ids answer 404. Refusals are core.errors.ApplicationError, raised
by services/selectors (or here for query parameters) and turned into the JSON body
once, by core.api.json_error_handler."""
from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import ApplicationError
from tracker import selectors, services
from tracker.ics import interview_ics
from tracker.serializers import (
    ApplicationCreateSerializer,
    ApplicationSerializer,
    ApplicationUpdateSerializer,
    AppliedSummarySerializer,
    FollowUpSerializer,
    FollowUpWriteSerializer,
    InterviewSerializer,
    InterviewWriteSerializer,
    JobCreateSerializer,
    JobDetailSerializer,
    JobListSerializer,
    RecommendationSerializer,
    SkillGapSerializer,
    StatusSerializer,
)

ERROR = inline_serializer("Error", {"error": serializers.CharField()})
MAX_PAGE = 200
MAX_OFFSET = 10**9
PAGE_ERROR = f"limit and offset must be integers (offset at most {MAX_OFFSET})."


def _page(request, queryset, serializer_class) -> Response:
    try:
        limit = int(request.query_params.get("limit", 50))
        offset = int(request.query_params.get("offset", 0))
    except ValueError:
        raise ApplicationError(PAGE_ERROR)
    if offset > MAX_OFFSET:
        raise ApplicationError(PAGE_ERROR)
    limit, offset = max(1, min(MAX_PAGE, limit)), max(0, offset)
    items = list(queryset[offset:offset + limit])
    return Response({"count": queryset.count(), "limit": limit, "offset": offset,
                     "results": serializer_class(items, many=True).data})


def _min_score(request) -> float | None:
    value = request.query_params.get("min_score")
    if value in (None, ""):
        return None
    try:
        return float(value)
    except ValueError:
        raise ApplicationError("min_score must be a number.")


def _valid(serializer_class, request, partial=False):
    serializer = serializer_class(data=request.data, partial=partial)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


PAGE_PARAMS = [OpenApiParameter("limit", int, description="Page size (max 200)"), OpenApiParameter("offset", int)]


def _paged(name, item):
    return inline_serializer(name, {"count": serializers.IntegerField(), "limit": serializers.IntegerField(),
                                    "offset": serializers.IntegerField(), "results": item(many=True)})


# ---------------------------------------------------------------- jobs

class JobListView(APIView):
    """GET/POST /api/v1/jobs"""

    token_scopes = {"POST": ("bot",)}  # the bot records the postings it applied to

    @extend_schema(parameters=PAGE_PARAMS + [
        OpenApiParameter("recommendation", str, enum=["apply_now", "consider", "skip"]),
        OpenApiParameter("min_score", float), OpenApiParameter("q", str, description="Title, company or location"),
        OpenApiParameter("source", str), OpenApiParameter("status", str, description="Application status or 'none'"),
    ], operation_id="jobs_list", responses=_paged("PagedJobs", JobListSerializer))
    def get(self, request):
        params = request.query_params
        jobs = selectors.jobs_for(request.user, recommendation=params.get("recommendation", ""),
                                  min_score=_min_score(request), q=params.get("q", ""),
                                  source=params.get("source", ""), status=params.get("status", ""))
        return _page(request, jobs, JobListSerializer)

    @extend_schema(request=JobCreateSerializer, responses={
        201: JobDetailSerializer, 200: OpenApiResponse(JobDetailSerializer, "Already saved: the existing job"),
        400: ERROR})
    def post(self, request):
        job, created = services.create_job(request.user, **_valid(JobCreateSerializer, request))
        return Response(JobDetailSerializer(job).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class JobDetailView(APIView):
    """GET/DELETE /api/v1/jobs/{id}"""

    @extend_schema(responses={200: JobDetailSerializer, 404: ERROR})
    def get(self, request, job_id: int):
        return Response(JobDetailSerializer(selectors.get_job(request.user, job_id)).data)

    @extend_schema(responses={204: None, 404: ERROR})
    def delete(self, request, job_id: int):
        services.delete_job(request.user, job_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class JobAnalyzeView(APIView):
    """POST /api/v1/jobs/{id}/analyze — run the analysis again (e.g. after editing your profile)."""

    @extend_schema(request=None, responses={202: JobListSerializer, 404: ERROR})
    def post(self, request, job_id: int):
        job = services.request_analysis(request.user, job_id)
        return Response(JobListSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class JobSkillGapView(APIView):
    """GET /api/v1/jobs/{id}/skills-gap"""

    @extend_schema(responses={200: SkillGapSerializer, 404: ERROR})
    def get(self, request, job_id: int):
        return Response(SkillGapSerializer(selectors.get_skill_gap(request.user, job_id)).data)


# ---------------------------------------------------------------- applications

class ApplicationListView(APIView):
    """GET/POST /api/v1/applications"""

    token_scopes = {"POST": ("bot",)}  # ... and its applications

    @extend_schema(parameters=PAGE_PARAMS + [OpenApiParameter("status", str)],
                   operation_id="applications_list", responses=_paged("PagedApplications", ApplicationSerializer))
    def get(self, request):
        return _page(request, selectors.applications_for(request.user, request.query_params.get("status", "")),
                     ApplicationSerializer)

    @extend_schema(request=ApplicationCreateSerializer, responses={
        201: ApplicationSerializer, 404: ERROR,
        409: inline_serializer("ApplicationExists", {"error": serializers.CharField(),
                                                     "application_id": serializers.IntegerField()})})
    def post(self, request):
        data = dict(_valid(ApplicationCreateSerializer, request))
        app = services.create_application(request.user, data.pop("job_id"), **data)
        return Response(ApplicationSerializer(selectors.get_application(request.user, app.id)).data,
                        status=status.HTTP_201_CREATED)


class AppliedView(APIView):
    """GET /api/v1/applications/applied — URLs already applied to, and today's count (for the bot)."""

    token_scopes = ("bot",)

    @extend_schema(responses=AppliedSummarySerializer)
    def get(self, request):
        return Response(selectors.applied_summary(request.user))


class ApplicationDetailView(APIView):
    """GET/PATCH/DELETE /api/v1/applications/{id}"""

    @extend_schema(responses={200: ApplicationSerializer, 404: ERROR})
    def get(self, request, application_id: int):
        return Response(ApplicationSerializer(selectors.get_application(request.user, application_id)).data)

    @extend_schema(request=ApplicationUpdateSerializer, responses={200: ApplicationSerializer, 404: ERROR})
    def patch(self, request, application_id: int):
        changes = dict(_valid(ApplicationUpdateSerializer, request, partial=True))
        services.update_application(request.user, application_id, changes)
        return Response(ApplicationSerializer(selectors.get_application(request.user, application_id)).data)

    @extend_schema(responses={204: None, 404: ERROR})
    def delete(self, request, application_id: int):
        services.delete_application(request.user, application_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ApplicationStatusView(APIView):
    """POST /api/v1/applications/{id}/status {status} -> application.status_changed"""

    token_scopes = ("bot",)

    @extend_schema(request=StatusSerializer, responses={200: ApplicationSerializer, 400: ERROR, 404: ERROR})
    def post(self, request, application_id: int):
        data = _valid(StatusSerializer, request)
        services.change_status(request.user, application_id, data["status"])
        return Response(ApplicationSerializer(selectors.get_application(request.user, application_id)).data)


# ---------------------------------------------------------------- interviews

def _application_id(request, data) -> int | None:
    """An interview/follow-up names its application directly or through its job."""
    if data.get("application_id"):
        return data["application_id"]
    if data.get("job_id"):
        job = selectors.job_for(request.user, data["job_id"])
        app = getattr(job, "application", None) if job else None
        return app.id if app else None
    return None


class InterviewListView(APIView):
    """GET/POST /api/v1/interviews"""

    @extend_schema(parameters=PAGE_PARAMS + [OpenApiParameter("upcoming", bool)],
                   operation_id="interviews_list", responses=_paged("PagedInterviews", InterviewSerializer))
    def get(self, request):
        upcoming = request.query_params.get("upcoming", "").lower() in ("1", "true", "yes")
        return _page(request, selectors.interviews_for(request.user, upcoming), InterviewSerializer)

    @extend_schema(request=InterviewWriteSerializer, responses={201: InterviewSerializer, 400: ERROR, 404: ERROR})
    def post(self, request):
        data = dict(_valid(InterviewWriteSerializer, request))
        if "scheduled_date" not in data:
            raise ApplicationError("scheduled_date is required.")
        application_id = _application_id(request, data)
        data.pop("application_id", None)
        data.pop("job_id", None)
        if application_id is None:
            raise ApplicationError("Give the application_id (or the job_id of a job with an application).")
        interview = services.schedule_interview(request.user, application_id, **data)
        return Response(InterviewSerializer(selectors.get_interview(request.user, interview.id)).data,
                        status=status.HTTP_201_CREATED)


class InterviewDetailView(APIView):
    """GET/PATCH/DELETE /api/v1/interviews/{id}"""

    @extend_schema(responses={200: InterviewSerializer, 404: ERROR})
    def get(self, request, interview_id: int):
        return Response(InterviewSerializer(selectors.get_interview(request.user, interview_id)).data)

    @extend_schema(request=InterviewWriteSerializer, responses={200: InterviewSerializer, 404: ERROR})
    def patch(self, request, interview_id: int):
        changes = dict(_valid(InterviewWriteSerializer, request, partial=True))
        services.update_interview(request.user, interview_id, changes)
        return Response(InterviewSerializer(selectors.get_interview(request.user, interview_id)).data)

    @extend_schema(responses={204: None, 404: ERROR})
    def delete(self, request, interview_id: int):
        services.delete_interview(request.user, interview_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InterviewIcsView(APIView):
    """GET /api/v1/interviews/{id}.ics — the interview as a calendar file."""

    @extend_schema(responses={(200, "text/calendar"): OpenApiResponse(str), 404: ERROR})
    def get(self, request, interview_id: int):
        interview = selectors.get_interview(request.user, interview_id)
        response = HttpResponse(interview_ics(interview), content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="interview-{interview.id}.ics"'
        return response


# ---------------------------------------------------------------- follow-ups

class FollowUpListView(APIView):
    """GET/POST /api/v1/followups"""

    @extend_schema(parameters=PAGE_PARAMS + [OpenApiParameter("pending", bool)],
                   operation_id="followups_list", responses=_paged("PagedFollowUps", FollowUpSerializer))
    def get(self, request):
        pending = request.query_params.get("pending", "").lower() in ("1", "true", "yes")
        return _page(request, selectors.followups_for(request.user, pending), FollowUpSerializer)

    @extend_schema(request=FollowUpWriteSerializer, responses={201: FollowUpSerializer, 400: ERROR, 404: ERROR})
    def post(self, request):
        data = dict(_valid(FollowUpWriteSerializer, request))
        if "scheduled_date" not in data or not data.get("application_id"):
            raise ApplicationError("application_id and scheduled_date are required.")
        mark_sent = data.pop("sent", False)
        followup = services.create_followup(request.user, data.pop("application_id"), **data)
        if mark_sent:
            services.mark_followup_sent(request.user, followup.id)
        return Response(FollowUpSerializer(selectors.get_followup(request.user, followup.id)).data,
                        status=status.HTTP_201_CREATED)


class FollowUpDetailView(APIView):
    """GET/PATCH/DELETE /api/v1/followups/{id}"""

    @extend_schema(responses={200: FollowUpSerializer, 404: ERROR})
    def get(self, request, followup_id: int):
        return Response(FollowUpSerializer(selectors.get_followup(request.user, followup_id)).data)

    @extend_schema(request=FollowUpWriteSerializer, responses={200: FollowUpSerializer, 404: ERROR})
    def patch(self, request, followup_id: int):
        changes = dict(_valid(FollowUpWriteSerializer, request, partial=True))
        changes.pop("application_id", None)
        services.update_followup(request.user, followup_id, changes)
        return Response(FollowUpSerializer(selectors.get_followup(request.user, followup_id)).data)

    @extend_schema(responses={204: None, 404: ERROR})
    def delete(self, request, followup_id: int):
        services.delete_followup(request.user, followup_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class FollowUpSentView(APIView):
    """POST /api/v1/followups/{id}/sent -> followup.sent"""

    @extend_schema(request=None, responses={200: FollowUpSerializer, 404: ERROR})
    def post(self, request, followup_id: int):
        followup = services.mark_followup_sent(request.user, followup_id)
        return Response(FollowUpSerializer(followup).data)


# ---------------------------------------------------------------- recommendations

class RecommendationListView(APIView):
    """GET /api/v1/recommendations — your best postings right now."""

    @extend_schema(parameters=PAGE_PARAMS, operation_id="recommendations_list", responses=_paged("PagedRecommendations", RecommendationSerializer))
    def get(self, request):
        return _page(request, selectors.recommendations_for(request.user), RecommendationSerializer)


class RecommendationRefreshView(APIView):
    """POST /api/v1/recommendations/refresh — recompute yours now (202; events follow)."""

    @extend_schema(request=None, responses={202: inline_serializer("Queued", {"queued": serializers.BooleanField()})})
    def post(self, request):
        services.request_recommendations_refresh(request.user.id)  # one at a time: a second one is folded in
        return Response({"queued": True}, status=status.HTTP_202_ACCEPTED)
