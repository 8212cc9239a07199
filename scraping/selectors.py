"""Reads of scraping state, and the JSON shapes the API, the page and the events share."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.utils import timezone

from core.resources import system_resources
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
    return run_history_page(1, limit, staff=staff)["runs"]


def _runs_with_counts() -> QuerySet[ScrapeRun]:
    return (
        ScrapeRun.objects.select_related("started_by")
        .annotate(
            total=Count("company_scrapes"),
            done=Count("company_scrapes", filter=~Q(company_scrapes__status__in=UNFINISHED_COMPANY)),
            failed=Count("company_scrapes", filter=Q(company_scrapes__status=CompanyScrape.Status.FAILED)),
        )
        .order_by("-created_at", "-id")
    )


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
        "system_resources": system_resources(),
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
# ---- CSV exports (streamed by core.exports: rows come from a server-side cursor) -----------------

RUN_EXPORT_HEADER = [
    "run_id", "run_status", "run_created_at", "run_started_at", "run_ended_at", "started_by",
    "company_id", "company", "source", "company_status", "jobs_found", "duration_seconds", "error",
]
POSTING_EXPORT_HEADER = [
    "posting_id", "company_id", "company", "source", "external_id", "title", "location", "remote", "department",
    "url", "apply_url", "posted_at", "first_seen", "last_seen", "active",
]


def export_run_rows() -> Iterator[tuple]:
    """Every run's companies, one row each, newest run first (staff's download)."""
    rows = CompanyScrape.objects.order_by("-run__created_at", "-run_id", "company__name", "id").values_list(
        "run_id", "run__status", "run__created_at", "run__started_at", "run__ended_at", "run__started_by__username",
        "company_id", "company__name", "company__source", "status", "jobs_found", "duration_seconds", "error",
    )
    for row in rows.iterator(chunk_size=settings.EXPORT_CHUNK_ROWS):
        yield (*row[:5], row[5] or "schedule", *row[6:])


def postings(*, company_ids: list[int] | None = None, source: str = "", q: str = "", remote: bool | None = None,
             active: bool | None = True, since: date | None = None) -> QuerySet[JobPosting]:
    """Scraped postings by the filters of the postings download (scraping.forms.PostingFilterForm)."""
    found = JobPosting.objects.all()
    if company_ids:
        found = found.filter(company_id__in=company_ids)
    if source:
        found = found.filter(company__source=source)
    if q:
        found = found.filter(Q(title__icontains=q) | Q(company__name__icontains=q) | Q(location__icontains=q))
    if remote is not None:
        found = found.filter(remote=remote)
    if active is not None:
        found = found.filter(active=active)
    if since is not None:
        found = found.filter(first_seen__date__gte=since)
    return found


def export_posting_rows(found: QuerySet[JobPosting]) -> Iterator[tuple]:
    rows = found.order_by("-first_seen", "-id").values_list(
        "id", "company_id", "company__name", "company__source", "external_id", "title", "location", "remote",
        "department", "url", "apply_url", "posted_at", "first_seen", "last_seen", "active",
    )
    return rows.iterator(chunk_size=settings.EXPORT_CHUNK_ROWS)


# ---- history beyond the last runs, and analytics -------------------------------------------------

MAX_PAGE_SIZE = 100
ANALYTICS_MAX_DAYS = 365
ANALYTICS_MAX_COMPANIES = 10
ANALYTICS_MAX_POINTS = 200


def run_history_page(page: int = 1, page_size: int = HISTORY_SIZE, *, staff: bool = False) -> dict[str, Any]:
    """One page of the run history, newest first (GET /api/v1/scraping/history, the page's pager).
    A page past the end is empty; `pages` says how many there are; `staff`: the full values."""
    total = ScrapeRun.objects.count()
    pages = max(1, -(-total // page_size))
    offset = (page - 1) * page_size
    runs = list(_runs_with_counts()[offset:offset + page_size])
    return {
        "runs": [events.run_payload(run, {"total": run.total, "done": run.done, "failed": run.failed}, staff=staff)  # type: ignore[attr-defined]
                 for run in runs],
        "page": page,
        "page_size": page_size,
        "pages": pages,
        "total": total,
    }


def analytics(days: int = 30) -> dict[str, Any]:
    """Jobs found per company over time (one point per run that scraped it) and the error rate
    per source, over the last `days` days (GET /api/v1/scraping/analytics, the page's chart)."""
    since = timezone.now() - timedelta(days=days)
    window = CompanyScrape.objects.filter(run__created_at__gte=since)
    latest: dict[int, int] = {}
    points: dict[int, list[dict[str, Any]]] = {}
    names: dict[int, tuple[str, str]] = {}
    completed = (
        window.filter(status=CompanyScrape.Status.COMPLETED)
        .order_by("-run__created_at", "-run_id")
        .values_list("company_id", "company__name", "company__source", "run_id", "run__created_at", "jobs_found")
    )
    for company_id, name, source, run_id, at, jobs in completed.iterator(chunk_size=1000):
        latest.setdefault(company_id, jobs)
        names[company_id] = (name, source)
        company_points = points.setdefault(company_id, [])
        if len(company_points) < ANALYTICS_MAX_POINTS:
            company_points.append({"run_id": run_id, "at": iso(at), "jobs_found": jobs})
    shown = sorted(latest, key=lambda cid: (-latest[cid], names[cid][0], cid))[:ANALYTICS_MAX_COMPANIES]
    per_source = (
        window.exclude(status__in=UNFINISHED_COMPANY).values("company__source")
        .annotate(scrapes=Count("id"), failed=Count("id", filter=Q(status=CompanyScrape.Status.FAILED)))
        .order_by("company__source")
    )
    return {
        "days": days,
        "since": iso(since),
        "jobs_per_company": [
            {"company_id": cid, "company": names[cid][0], "source": names[cid][1], "points": points[cid][::-1]}
            for cid in shown
        ],
        "error_rate_per_source": [
            {"source": row["company__source"], "scrapes": row["scrapes"], "failed": row["failed"],
             "error_rate": round(row["failed"] / row["scrapes"], 3) if row["scrapes"] else 0.0}
            for row in per_source
        ],
    }
