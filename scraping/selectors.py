"""Reads of scraping state, and the JSON shapes the API, the page and the events share."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, QuerySet

from core.wire import iso
from scraping import events
from scraping.events import CompanyCounts
from scraping.models import Company, CompanyScrape, JobPosting, ScrapeRun
from scraping.sources.base import country_code

ACTIVE_STATUSES = ScrapeRun.ACTIVE_STATUSES
UNFINISHED_COMPANY = CompanyScrape.UNFINISHED_STATUSES
HISTORY_SIZE = 20


def active_run() -> ScrapeRun | None:
    """The run pending or running now, if any (there is at most one)."""
    return ScrapeRun.objects.filter(status__in=ACTIVE_STATUSES).order_by("-created_at").first()


def panel_run() -> ScrapeRun | None:
    """The run the live panel shows: the newest one nobody has reset away."""
    return ScrapeRun.objects.filter(cleared_at__isnull=True).order_by("-created_at").first()


def stop_requested(run_id: int) -> bool:
    return ScrapeRun.objects.filter(pk=run_id, stop_requested_at__isnull=False).exists()


def company_counts(run_id: int) -> CompanyCounts:
    return CompanyScrape.objects.filter(run_id=run_id).aggregate(
        total=Count("id"),
        done=Count("id", filter=~Q(status__in=UNFINISHED_COMPANY)),
        failed=Count("id", filter=Q(status=CompanyScrape.Status.FAILED)),
        completed=Count("id", filter=Q(status=CompanyScrape.Status.COMPLETED)),
    )  # type: ignore[return-value]


def company_board_ref(company: Company) -> str:
    """What the source needs: the board token, or the career-page URL for JSON-LD."""
    if company.source == Company.Source.JSONLD:
        return company.career_url.strip()
    return company.board_token.strip()


def scrapes_to_run(run_id: int) -> list[dict]:
    """The companies of a run still to scrape, as plain values for the async runner."""
    scrapes = CompanyScrape.objects.filter(run_id=run_id, status=CompanyScrape.Status.PENDING).select_related("company")
    return [
        {"id": cs.id, "company": cs.company.name, "source": cs.company.source, "ref": company_board_ref(cs.company)}
        for cs in scrapes
    ]


def run_payload(run: ScrapeRun, counts: CompanyCounts | None = None, *, staff: bool = False) -> dict[str, Any]:
    """A run as the API returns it (the shape of `scraping.run_updated`; `staff`: the full values)."""
    return events.run_payload(run, counts if counts is not None else company_counts(run.pk), staff=staff)


def run_with_companies(run_id: int, *, staff: bool = False) -> dict[str, Any] | None:
    """GET /api/v1/scraping/runs/<id>: the run and its company scrapes, None if there is no such run."""
    run = ScrapeRun.objects.filter(pk=run_id).select_related("started_by").first()
    if run is None:
        return None
    return {"run": run_payload(run, staff=staff), "companies": run_companies(run, staff=staff)}


def run_companies(run: ScrapeRun, *, staff: bool = False) -> list[dict[str, Any]]:
    scrapes = CompanyScrape.objects.filter(run=run).select_related("company").order_by("company__name", "id")
    return [events.company_payload(cs, staff=staff) for cs in scrapes]


def panel_state(*, staff: bool = False) -> dict[str, Any]:
    """What the live panel shows: the current run with its company grid (or nothing)."""
    run = panel_run()
    if run is None:
        return {"run": None, "companies": []}
    return {"run": run_payload(run, staff=staff), "companies": run_companies(run, staff=staff)}


def recent_runs(limit: int = HISTORY_SIZE, *, staff: bool = False) -> list[dict[str, Any]]:
    """Newest first, with the counts the history table and the chart need."""
    runs = list(
        ScrapeRun.objects.select_related("started_by")
        .annotate(
            total=Count("company_scrapes"),
            done=Count("company_scrapes", filter=~Q(company_scrapes__status__in=UNFINISHED_COMPANY)),
            failed=Count("company_scrapes", filter=Q(company_scrapes__status=CompanyScrape.Status.FAILED)),
        )
        .order_by("-created_at")[:limit]
    )
    return [events.run_payload(run, {"total": run.total, "done": run.done, "failed": run.failed}, staff=staff)
            for run in runs]


def health() -> dict[str, Any]:
    """GET /api/v1/scraping/health: is scraping alive, and how well has it been doing lately."""
    finished = ScrapeRun.objects.exclude(status__in=ACTIVE_STATUSES).order_by("-created_at")
    recent_ids = list(finished.values_list("id", flat=True)[:HISTORY_SIZE])
    last_success = (
        ScrapeRun.objects.filter(status=ScrapeRun.Status.COMPLETED).order_by("-ended_at").first()
    )
    duration = (
        ScrapeRun.objects.filter(id__in=recent_ids, started_at__isnull=False, ended_at__isnull=False)
        .annotate(took=ExpressionWrapper(F("ended_at") - F("started_at"), output_field=DurationField()))
        .aggregate(avg=Avg("took"))["avg"]
    )
    scrapes = CompanyScrape.objects.filter(run_id__in=recent_ids).aggregate(
        done=Count("id", filter=~Q(status__in=UNFINISHED_COMPANY)),
        failed=Count("id", filter=Q(status=CompanyScrape.Status.FAILED)),
    )
    active = active_run()
    return {
        "active_operations": 1 if active else 0,
        "active_run_id": active.pk if active else None,
        "last_successful_run": iso(last_success.ended_at) if last_success else None,
        "last_successful_run_id": last_success.pk if last_success else None,
        "average_duration": round(duration.total_seconds(), 2) if duration is not None else None,
        "error_rate": round(scrapes["failed"] / scrapes["done"], 3) if scrapes["done"] else 0.0,
        "runs_considered": len(recent_ids),
        "active_companies": Company.objects.filter(active=True).count(),
        "active_postings": JobPosting.objects.filter(active=True).count(),
    }


def companies() -> list[dict[str, Any]]:
    return [
        {"id": c.id, "name": c.name, "source": c.source, "active": c.active}
        for c in Company.objects.order_by("name", "id")
    ]


# ---- postings ---------------------------------------------------------------------

POSTINGS_PAGE = 50


def _money(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def posting_payload(posting: JobPosting, *, detail: bool = False) -> dict[str, Any]:
    """A posting as the API returns it; the detail adds both description forms."""
    data: dict[str, Any] = {
        "id": posting.pk,
        "company": posting.company.name,
        "employer": posting.employer,
        "title": posting.title,
        "location": posting.location,
        "locations": posting.locations,
        "workplace_type": posting.workplace_type,
        "remote": posting.remote,
        "department": posting.department,
        "employment_type": posting.employment_type,
        "employment_type_text": posting.employment_type_text,
        "salary": {
            "min": _money(posting.salary_min),
            "max": _money(posting.salary_max),
            "currency": posting.salary_currency,
            "interval": posting.salary_interval,
            "text": posting.salary_text,
        },
        "url": posting.url,
        "apply_url": posting.apply_url,
        "posted_at": iso(posting.posted_at) if posting.posted_at else None,
        "updated_at": iso(posting.source_updated_at) if posting.source_updated_at else None,
        "valid_through": iso(posting.valid_through) if posting.valid_through else None,
        "first_seen": iso(posting.first_seen),
        "active": posting.active,
    }
    if detail:
        data["description"] = posting.description
        data["description_html"] = posting.description_html
    return data


def filter_postings(
    *,
    salary_min: Decimal | None = None,
    salary_interval: str = JobPosting.SalaryInterval.YEAR,
    workplace: list[str] | None = None,
    country: str = "",
    employment_type: list[str] | None = None,
    q: str = "",
    ids: list[int] | None = None,
) -> QuerySet[JobPosting]:
    """Active postings matching every given filter, newest first.

    salary_min keeps postings whose top of range (or single figure) in the
    given interval is at least that; postings without a salary are left out
    only when it is given. country matches an ISO code or the source's text
    ("US", "USA", "United States") in any location or remote scope.
    """
    postings = JobPosting.objects.filter(active=True).select_related("company")
    if salary_min is not None:
        postings = postings.filter(salary_interval=salary_interval).filter(
            Q(salary_max__gte=salary_min) | Q(salary_max__isnull=True, salary_min__gte=salary_min)
        )
    if workplace:
        postings = postings.filter(workplace_type__in=workplace)
    if country:
        postings = postings.filter(countries__overlap=list({country, country_code(country)}))
    if employment_type:
        postings = postings.filter(employment_type__in=employment_type)
    if ids:
        postings = postings.filter(pk__in=ids)
    if q:
        postings = postings.filter(
            Q(title__icontains=q) | Q(company__name__icontains=q) | Q(location__icontains=q) | Q(employer__icontains=q)
        )
    return postings.order_by("-posted_at", "-first_seen", "-id")


def posting_detail(posting_id: int) -> dict[str, Any] | None:
    posting = JobPosting.objects.select_related("company").filter(pk=posting_id).first()
    return posting_payload(posting, detail=True) if posting else None
