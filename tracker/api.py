"""Tracker REST API v1 (thin views: validation in serializers, writes in services,
reads in selectors). Session or Bearer token (any scope) auth; every object is
looked up within the caller's own data, so others' ids answer 404."""
from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from tracker import selectors, services, tasks
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


def _error(exc: services.TrackerError) -> Response:
    return Response({"error": exc.message, **exc.extra}, status=exc.status_code)


def _not_found(what: str) -> Response:
    return Response({"error": f"No such {what}."}, status=status.HTTP_404_NOT_FOUND)


MAX_OFFSET = 10**9


def _page(request, queryset, serializer_class) -> Response:
    try:
        limit = max(1, min(MAX_PAGE, int(request.query_params.get("limit", 50))))
        offset = max(0, int(request.query_params.get("offset", 0)))
        if offset > MAX_OFFSET:
            raise ValueError
    except ValueError:
        return Response({"error": f"limit and offset must be integers (offset at most {MAX_OFFSET})."}, status=status.HTTP_400_BAD_REQUEST)
    items = list(queryset[offset:offset + limit])
    return Response({"count": queryset.count(), "limit": limit, "offset": offset,
                     "results": serializer_class(items, many=True).data})


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

    @extend_schema(parameters=PAGE_PARAMS + [
        OpenApiParameter("recommendation", str, enum=["apply_now", "consider", "skip"]),
        OpenApiParameter("min_score", float), OpenApiParameter("q", str, description="Title, company or location"),
        OpenApiParameter("source", str), OpenApiParameter("status", str, description="Application status or 'none'"),
    ], operation_id="jobs_list", responses=_paged("PagedJobs", JobListSerializer))
    def get(self, request):
        params = request.query_params
        try:
            jobs = selectors.jobs_for(request.user, recommendation=params.get("recommendation", ""),
                                      min_score=params.get("min_score"), q=params.get("q", ""),
                                      source=params.get("source", ""), status=params.get("status", ""))
        except ValueError:
            return Response({"error": "min_score must be a number."}, status=status.HTTP_400_BAD_REQUEST)
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
        job = selectors.job_for(request.user, job_id)
        return Response(JobDetailSerializer(job).data) if job else _not_found("job")

    @extend_schema(responses={204: None, 404: ERROR})
    def delete(self, request, job_id: int):
        try:
            services.delete_job(request.user, job_id)
        except services.TrackerError as exc:
            return _error(exc)
        return Response(status=status.HTTP_204_NO_CONTENT)


class JobAnalyzeView(APIView):
    """POST /api/v1/jobs/{id}/analyze — run the analysis again (e.g. after editing your profile)."""

    @extend_schema(request=None, responses={202: JobListSerializer, 404: ERROR})
    def post(self, request, job_id: int):
        try:
            job = services.request_analysis(request.user, job_id)
        except services.TrackerError as exc:
            return _error(exc)
        return Response(JobListSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class JobSkillGapView(APIView):
    """GET /api/v1/jobs/{id}/skills-gap"""

    @extend_schema(responses={200: SkillGapSerializer, 404: ERROR})
    def get(self, request, job_id: int):
        gap = selectors.skill_gap_for(request.user, job_id)
        if gap is None:
            if selectors.job_for(request.user, job_id) is None:
                return _not_found("job")
            return Response({"error": "This job has not been analysed yet."}, status=status.HTTP_404_NOT_FOUND)
        return Response(SkillGapSerializer(gap).data)


# ---------------------------------------------------------------- applications

class ApplicationListView(APIView):
    """GET/POST /api/v1/applications"""

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
        data = _valid(ApplicationCreateSerializer, request)
        try:
            app = services.create_application(request.user, data["job_id"], data["status"], data["notes"])
        except services.TrackerError as exc:
            return _error(exc)
        return Response(ApplicationSerializer(selectors.application_for(request.user, app.id)).data,
                        status=status.HTTP_201_CREATED)


class AppliedView(APIView):
    """GET /api/v1/applications/applied — URLs already applied to, and today's count (for the bot)."""

    @extend_schema(responses=AppliedSummarySerializer)
    def get(self, request):
        return Response(selectors.applied_summary(request.user))


class ApplicationDetailView(APIView):
    """GET/PATCH/DELETE /api/v1/applications/{id}"""

    @extend_schema(responses={200: ApplicationSerializer, 404: ERROR})
    def get(self, request, application_id: int):
        app = selectors.application_for(request.user, application_id)
        return Response(ApplicationSerializer(app).data) if app else _not_found("application")

    @extend_schema(request=ApplicationUpdateSerializer, responses={200: ApplicationSerializer, 404: ERROR})
    def patch(self, request, application_id: int):
        changes = dict(_valid(ApplicationUpdateSerializer, request, partial=True))
        try:
            services.update_application(request.user, application_id, changes)
        except services.TrackerError as exc:
            return _error(exc)
        return Response(ApplicationSerializer(selectors.application_for(request.user, application_id)).data)

    @extend_schema(responses={204: None, 404: ERROR})
    def delete(self, request, application_id: int):
        try:
            services.delete_application(request.user, application_id)
        except services.TrackerError as exc:
            return _error(exc)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ApplicationStatusView(APIView):
    """POST /api/v1/applications/{id}/status {status} -> application.status_changed"""

    @extend_schema(request=StatusSerializer, responses={200: ApplicationSerializer, 400: ERROR, 404: ERROR})
    def post(self, request, application_id: int):
        data = _valid(StatusSerializer, request)
        try:
            services.change_status(request.user, application_id, data["status"])
        except services.TrackerError as exc:
            return _error(exc)
        return Response(ApplicationSerializer(selectors.application_for(request.user, application_id)).data)


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
            return Response({"error": "scheduled_date is required."}, status=status.HTTP_400_BAD_REQUEST)
        application_id = _application_id(request, data)
        data.pop("application_id", None)
        data.pop("job_id", None)
        if application_id is None:
            return Response({"error": "Give the application_id (or the job_id of a job with an application)."},
                            status=status.HTTP_400_BAD_REQUEST)
        try:
            interview = services.schedule_interview(request.user, application_id, **data)
        except services.TrackerError as exc:
            return _error(exc)
        return Response(InterviewSerializer(selectors.interview_for(request.user, interview.id)).data,
                        status=status.HTTP_201_CREATED)


class InterviewDetailView(APIView):
    """GET/PATCH/DELETE /api/v1/interviews/{id}"""

    @extend_schema(responses={200: InterviewSerializer, 404: ERROR})
    def get(self, request, interview_id: int):
        interview = selectors.interview_for(request.user, interview_id)
        return Response(InterviewSerializer(interview).data) if interview else _not_found("interview")

    @extend_schema(request=InterviewWriteSerializer, responses={200: InterviewSerializer, 404: ERROR})
    def patch(self, request, interview_id: int):
        changes = dict(_valid(InterviewWriteSerializer, request, partial=True))
        try:
            services.update_interview(request.user, interview_id, changes)
        except services.TrackerError as exc:
            return _error(exc)
        return Response(InterviewSerializer(selectors.interview_for(request.user, interview_id)).data)

    @extend_schema(responses={204: None, 404: ERROR})
    def delete(self, request, interview_id: int):
        try:
            services.delete_interview(request.user, interview_id)
        except services.TrackerError as exc:
            return _error(exc)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InterviewIcsView(APIView):
    """GET /api/v1/interviews/{id}.ics — the interview as a calendar file."""

    @extend_schema(responses={(200, "text/calendar"): OpenApiResponse(str), 404: ERROR})
    def get(self, request, interview_id: int):
        interview = selectors.interview_for(request.user, interview_id)
        if interview is None:
            return _not_found("interview")
        response = HttpResponse(services.interview_ics(interview), content_type="text/calendar; charset=utf-8")
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
            return Response({"error": "application_id and scheduled_date are required."},
                            status=status.HTTP_400_BAD_REQUEST)
        mark_sent = data.pop("sent", False)
        try:
            followup = services.create_followup(request.user, data.pop("application_id"), **data)
            if mark_sent:
                services.mark_followup_sent(request.user, followup.id)
        except services.TrackerError as exc:
            return _error(exc)
        return Response(FollowUpSerializer(selectors.followup_for(request.user, followup.id)).data,
                        status=status.HTTP_201_CREATED)


class FollowUpDetailView(APIView):
    """GET/PATCH/DELETE /api/v1/followups/{id}"""

    @extend_schema(responses={200: FollowUpSerializer, 404: ERROR})
    def get(self, request, followup_id: int):
        followup = selectors.followup_for(request.user, followup_id)
        return Response(FollowUpSerializer(followup).data) if followup else _not_found("follow-up")

    @extend_schema(request=FollowUpWriteSerializer, responses={200: FollowUpSerializer, 404: ERROR})
    def patch(self, request, followup_id: int):
        changes = dict(_valid(FollowUpWriteSerializer, request, partial=True))
        changes.pop("application_id", None)
        try:
            services.update_followup(request.user, followup_id, changes)
        except services.TrackerError as exc:
            return _error(exc)
        return Response(FollowUpSerializer(selectors.followup_for(request.user, followup_id)).data)

    @extend_schema(responses={204: None, 404: ERROR})
    def delete(self, request, followup_id: int):
        try:
            services.delete_followup(request.user, followup_id)
        except services.TrackerError as exc:
            return _error(exc)
        return Response(status=status.HTTP_204_NO_CONTENT)


class FollowUpSentView(APIView):
    """POST /api/v1/followups/{id}/sent -> followup.sent"""

    @extend_schema(request=None, responses={200: FollowUpSerializer, 404: ERROR})
    def post(self, request, followup_id: int):
        try:
            followup = services.mark_followup_sent(request.user, followup_id)
        except services.TrackerError as exc:
            return _error(exc)
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
        tasks.recompute_recommendations_for_user.delay(request.user.id)
        return Response({"queued": True}, status=status.HTTP_202_ACCEPTED)
