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
# ---- schedules (several, by interval, time of day or crontab) ----------------------------------

class ScheduleSerializer(serializers.Serializer):
    """Types only: what the schedule fires on is checked by services.schedule_spec."""

    name = serializers.CharField(max_length=services.SCHEDULE_NAME_MAX, required=False)
    enabled = serializers.BooleanField(default=True)
    kind = serializers.ChoiceField(choices=["interval", "time", "cron"])
    every_minutes = serializers.IntegerField(required=False, allow_null=True)
    cron = serializers.DictField(child=serializers.CharField(allow_blank=True), required=False,
                                 help_text="minute, hour, day_of_month, month_of_year, day_of_week")
    time_of_day = serializers.TimeField(required=False, allow_null=True, help_text="HH:MM")
    days = serializers.ListField(child=serializers.IntegerField(min_value=-1, max_value=99), required=False,
                                 max_length=7,
                                 help_text="Weekdays for a time of day, 0 = Sunday (empty: every day).")
    timezone = serializers.CharField(default="UTC", max_length=64)
    company_ids = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
                                        required=False, allow_null=True, max_length=10000)

    def spec(self) -> services.ScheduleSpec:
        data = self.validated_data
        return services.schedule_spec(
            data["kind"], every_minutes=data.get("every_minutes"), cron=data.get("cron"),
            time_of_day=data.get("time_of_day"), days=data.get("days"), tz=data["timezone"],
        )


def _save_schedule(request, name: str | None) -> dict:
    serializer = ScheduleSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    data = serializer.validated_data
    return services.save_schedule(name or data.get("name") or services.DEFAULT_SCHEDULE, serializer.spec(),
                                  enabled=data["enabled"], company_ids=data.get("company_ids"))


class ScheduleListView(APIView):
    """GET /api/v1/scraping/schedules — every schedule with its next run; POST (staff) creates
    or replaces the schedule of that name."""

    permission_classes = [TokenScopes, StaffForWrites]

    @extend_schema(operation_id="v1_scraping_schedules_list", responses=OpenApiTypes.OBJECT)
    def get(self, request):
        return Response({"schedules": services.list_schedules()})

    @extend_schema(request=ScheduleSerializer, responses={201: OpenApiTypes.OBJECT})
    def post(self, request):
        return Response(_save_schedule(request, None), status=status.HTTP_201_CREATED)


class ScheduleDetailView(APIView):
    """GET / PUT / DELETE /api/v1/scraping/schedules/<id> — one schedule (changes: staff)."""

    permission_classes = [TokenScopes, StaffForWrites]

    @extend_schema(operation_id="v1_scraping_schedules_detail", responses=OpenApiTypes.OBJECT)
    def get(self, request, schedule_id: int):
        return Response(services.get_schedule_by_id(schedule_id))

    @extend_schema(request=ScheduleSerializer, responses=OpenApiTypes.OBJECT)
    def put(self, request, schedule_id: int):
        name = services.get_schedule_by_id(schedule_id)["name"]
        return Response(_save_schedule(request, name))

    @extend_schema(responses={204: None})
    def delete(self, request, schedule_id: int):
        services.delete_schedule(schedule_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SchedulePauseView(APIView):
    """POST /api/v1/scraping/schedules/<id>/pause — beat stops firing it (no next run)."""

    permission_classes = [TokenScopes, StaffOnly]

    @extend_schema(request=None, responses=OpenApiTypes.OBJECT)
    def post(self, request, schedule_id: int):
        return Response(services.set_schedule_enabled(schedule_id, False))


class ScheduleResumeView(APIView):
    """POST /api/v1/scraping/schedules/<id>/resume — fires again from its next slot."""

    permission_classes = [TokenScopes, StaffOnly]

    @extend_schema(request=None, responses=OpenApiTypes.OBJECT)
    def post(self, request, schedule_id: int):
        return Response(services.set_schedule_enabled(schedule_id, True))


# ---- history beyond the last runs, and analytics -------------------------------------------------

class HistoryQuerySerializer(serializers.Serializer):
    page = serializers.IntegerField(min_value=1, max_value=1_000_000, default=1)
    page_size = serializers.IntegerField(min_value=1, max_value=selectors.MAX_PAGE_SIZE,
                                         default=selectors.HISTORY_SIZE)


class AnalyticsQuerySerializer(serializers.Serializer):
    days = serializers.IntegerField(min_value=1, max_value=selectors.ANALYTICS_MAX_DAYS, default=30)


class RunHistoryView(APIView):
    """GET /api/v1/scraping/history?page=2&page_size=20 — every run, newest first, a page at a time."""

    @extend_schema(parameters=[HistoryQuerySerializer], responses=OpenApiTypes.OBJECT)
    def get(self, request):
        query = HistoryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(selectors.run_history_page(query.validated_data["page"], query.validated_data["page_size"],
                                                    staff=_staff(request)))


class AnalyticsView(APIView):
    """GET /api/v1/scraping/analytics?days=30 — jobs found per company over time, error rate per source."""

    @extend_schema(parameters=[AnalyticsQuerySerializer], responses=OpenApiTypes.OBJECT)
    def get(self, request):
        query = AnalyticsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(selectors.analytics(query.validated_data["days"]))
