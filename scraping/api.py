"""Scraping JSON API (thin: writes in scraping.services, reads in scraping.selectors).

Reading is for any user on a logged-in session (no token scopes); start, stop, reset and
changing the schedule need staff on a session (accounts.permissions).
"""
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import StaffSession, StaffSessionForWrites, TokenScopes, has_staff_powers, token_of
from core.errors import ApplicationError, NotFound
from scraping import selectors, services
from scraping.models import JobPosting

MAX_RUNS = 100


class StaffOnly(StaffSession):
    """Scraping control: staff on a logged-in session (a staff member's token is refused)."""

    message = "Only staff may control scraping."


class StaffForWrites(StaffSessionForWrites):
    message = StaffOnly.message


def _staff(request: Request) -> bool:
    """Staff on a session see who started a run and the addresses in errors (scraping.events)."""
    return has_staff_powers(request.user, token_of(request))


class ScrapeStartSerializer(serializers.Serializer):
    company_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, allow_null=True, max_length=10000,
        help_text="Scrape only these companies (default: every active company).",
    )


class ScrapeScheduleSerializer(serializers.Serializer):
    enabled = serializers.BooleanField()
    every_minutes = serializers.IntegerField(min_value=services.SCHEDULE_MIN_MINUTES,
                                             max_value=services.SCHEDULE_MAX_MINUTES)
    company_ids = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, allow_null=True)


PanelState = inline_serializer(
    "ScrapingPanel",
    {"run": serializers.DictField(allow_null=True), "companies": serializers.ListField(child=serializers.DictField())},
)


class StatusView(APIView):
    """GET /api/v1/scraping/status — the current run (as on the live panel) and its companies."""

    @extend_schema(responses=PanelState)
    def get(self, request):
        return Response(selectors.panel_state(staff=_staff(request)))


class StartView(APIView):
    """POST /api/v1/scraping/start — queue a run; 409 with the active run if one is going."""

    permission_classes = [TokenScopes, StaffOnly]

    @extend_schema(request=ScrapeStartSerializer, responses={202: PanelState, 409: PanelState})
    def post(self, request):
        serializer = ScrapeStartSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        run = services.start_run(request.user, serializer.validated_data.get("company_ids"))
        return Response(
            {"run": selectors.run_payload(run, staff=True), "companies": selectors.run_companies(run, staff=True)},
            status=status.HTTP_202_ACCEPTED,
        )


class StopView(APIView):
    """POST /api/v1/scraping/stop — stop the active run (it ends `stopped` within seconds)."""

    permission_classes = [TokenScopes, StaffOnly]

    @extend_schema(request=None, responses=OpenApiTypes.OBJECT)
    def post(self, request):
        run = services.stop_run(request.user)
        return Response({"run": selectors.run_payload(run, staff=True)})


class ResetView(APIView):
    """POST /api/v1/scraping/reset — clear the finished run from the live panel."""

    permission_classes = [TokenScopes, StaffOnly]

    @extend_schema(request=None, responses=OpenApiTypes.OBJECT)
    def post(self, request):
        run = services.reset_run(request.user)
        return Response({"run": selectors.run_payload(run, staff=True) if run else None})


class RunListView(APIView):
    """GET /api/v1/scraping/runs?limit=20 — recent runs, newest first."""

    @extend_schema(operation_id="v1_scraping_runs_list", responses=OpenApiTypes.OBJECT)
    def get(self, request):
        raw = request.query_params.get("limit", str(selectors.HISTORY_SIZE))
        if not raw.isdigit() or not 1 <= int(raw) <= MAX_RUNS:
            raise ApplicationError(f"limit must be an integer from 1 to {MAX_RUNS}.")
        return Response({"runs": selectors.recent_runs(int(raw), staff=_staff(request))})


class RunDetailView(APIView):
    """GET /api/v1/scraping/runs/<id> — one run with its company scrapes."""

    @extend_schema(responses=PanelState)
    def get(self, request, run_id: int):
        detail = selectors.run_with_companies(run_id, staff=_staff(request))
        if detail is None:
            raise NotFound("No such run.")
        return Response(detail)


class HealthView(APIView):
    """GET /api/v1/scraping/health — active operations, last success, average duration, error rate."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        return Response(selectors.health())


class CompanyListView(APIView):
    """GET /api/v1/scraping/companies — the companies a run can include."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        return Response({"companies": selectors.companies()})


class ScheduleView(APIView):
    """GET/PUT /api/v1/scraping/schedule — the periodic scrape (Celery beat); staff change it."""

    permission_classes = [TokenScopes, StaffForWrites]

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        return Response(services.get_schedule())

    @extend_schema(request=ScrapeScheduleSerializer, responses=OpenApiTypes.OBJECT)
    def put(self, request):
        serializer = ScrapeScheduleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        return Response(services.set_schedule(
            enabled=data["enabled"], every_minutes=data["every_minutes"], company_ids=data.get("company_ids")
        ))


class CommaChoicesField(serializers.ListField):
    """One or several choices, as `a,b` or as the parameter repeated."""

    def to_internal_value(self, data):
        values = [data] if isinstance(data, str) else data
        if isinstance(values, list):
            data = [part.strip() for value in values if isinstance(value, str) for part in value.split(",")
                    if part.strip()]
        return super().to_internal_value(data)


class PostingFilterSerializer(serializers.Serializer):
    """The filters of GET /api/v1/scraping/postings (the Jobs and Recommendations pages use the same)."""

    salary_min = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False,
        help_text="Only postings paying at least this (top of range) in `salary_interval`; unpaid-listed ones drop out.",
    )
    salary_interval = serializers.ChoiceField(
        choices=JobPosting.SalaryInterval.choices, default=JobPosting.SalaryInterval.YEAR, required=False,
        help_text="The interval salary_min is in (default year).",
    )
    workplace = CommaChoicesField(
        child=serializers.ChoiceField(choices=JobPosting.WorkplaceType.choices), required=False,
        help_text="remote, hybrid, onsite or unknown; several comma-separated.",
    )
    country = serializers.CharField(
        max_length=60, required=False, allow_blank=True,
        help_text="ISO code or name (US, USA, United States) of a location or remote scope.",
    )
    employment_type = CommaChoicesField(
        child=serializers.ChoiceField(choices=JobPosting.EmploymentType.choices), required=False,
        help_text="full-time, part-time, contract, internship, temporary; several comma-separated.",
    )
    q = serializers.CharField(max_length=200, required=False, allow_blank=True, help_text="Title, company or place.")
    ids = CommaChoicesField(
        child=serializers.IntegerField(min_value=1), required=False, max_length=200,
        help_text="Only these postings (e.g. the ones a recommendation list names); comma-separated.",
    )
    limit = serializers.IntegerField(min_value=1, max_value=200, default=selectors.POSTINGS_PAGE, required=False)
    offset = serializers.IntegerField(min_value=0, default=0, required=False)


class PostingListView(APIView):
    """GET /api/v1/scraping/postings — active scraped postings, filtered by pay, workplace, country and type."""

    @extend_schema(
        operation_id="v1_scraping_postings_list",
        parameters=[PostingFilterSerializer],
        responses=inline_serializer("PostingPage", {
            "count": serializers.IntegerField(),
            "postings": serializers.ListField(child=serializers.DictField()),
        }),
    )
    def get(self, request):
        params = PostingFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = dict(params.validated_data)
        limit, offset = data.pop("limit", selectors.POSTINGS_PAGE), data.pop("offset", 0)
        postings = selectors.filter_postings(**data)
        return Response({
            "count": postings.count(),
            "postings": [selectors.posting_payload(p) for p in postings[offset:offset + limit]],
        })


class PostingDetailView(APIView):
    """GET /api/v1/scraping/postings/<id> — one posting with its description (plain and sanitised HTML)."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, posting_id: int):
        detail = selectors.posting_detail(posting_id)
        if detail is None:
            raise NotFound("No such posting.")
        return Response(detail)
