"""CSV downloads: scrape runs (staff, a row per company), postings (filtered), applications with
their status history (owner-scoped); streamed, in bounded memory, with formulas defused."""
import csv
import io
import tracemalloc
from datetime import timedelta

import pytest
from django.test import AsyncClient
from django.utils import timezone

from core.exports import csv_chunks, safe_cell
from scraping import services as scraping
from scraping.models import Company, CompanyScrape, JobPosting
from tests.support import run_async
from tracker import services as tracker

pytestmark = pytest.mark.django_db(transaction=True)  # the async client reads on another thread


def download(user, path: str, *, measure: bool = False) -> dict:
    """GET `path` as `user` through Django's async stack (as daphne serves it), reading the body chunk by
    chunk; with measure=True, the peak of traced memory while the response is produced and read."""

    async def fetch() -> dict:
        client = AsyncClient()
        await client.aforce_login(user)
        if measure:
            tracemalloc.start()
        try:
            response = await client.get(path)
            lines = size = 0
            kept = bytearray()
            if response.streaming:
                async for chunk in response.streaming_content:
                    lines += chunk.count(b"\n")
                    size += len(chunk)
                    if not measure:
                        kept += chunk
            else:
                kept += response.content
            peak = tracemalloc.get_traced_memory()[1] if measure else None
        finally:
            if measure:
                tracemalloc.stop()
        return {"response": response, "status": response.status_code, "lines": lines, "size": size,
                "peak": peak, "text": kept.decode()}

    return run_async(fetch())


def rows(result: dict) -> list[dict]:
    return list(csv.DictReader(io.StringIO(result["text"])))


def test_ten_thousand_postings_stream_in_bounded_memory(user):
    company = Company.objects.create(name="Bulk", source="lever", board_token="bulk")
    now = timezone.now()
    JobPosting.objects.bulk_create(
        [JobPosting(company=company, external_id=str(i), title=f"Engineer {i} " + "t" * 250, location="Berlin",
                    url=f"https://jobs.example/{i}/" + "u" * 900, first_seen=now, last_seen=now)
         for i in range(10_000)],
        batch_size=2000,
    )
    result = download(user, "/scraping/export/postings.csv", measure=True)
    response = result["response"]
    assert result["status"] == 200 and response.streaming and response.is_async
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="postings-')
    assert result["lines"] == 10_001  # the header and one line per posting
    assert result["size"] > 11 * 1024 * 1024  # bigger than the bound: it was never held whole
    assert result["peak"] < 10 * 1024 * 1024, f"peak {result['peak'] / 1e6:.1f} MB"


def test_scrape_runs_are_staff_only_with_a_row_per_company(user, staff_user):
    for name in ("Acme", "Beta"):
        Company.objects.create(name=name, source="greenhouse", board_token=name.lower())
    run = scraping.start_run(staff_user)
    scraping.claim_run(run.pk)
    acme, beta = CompanyScrape.objects.filter(run=run).order_by("company__name")
    scraping.mark_company_running(acme.pk)
    scraping.record_company_failure(acme.pk, "failed", "=cmd|' /C calc'!A0", 1.5)
    scraping.finish_run(run.pk, "stopped")
    assert download(user, "/scraping/export/runs.csv")["status"] == 302  # not staff: to the admin login
    result = download(staff_user, "/scraping/export/runs.csv")
    assert result["status"] == 200
    got = rows(result)
    assert [(r["run_id"], r["company"], r["company_status"]) for r in got] == [
        (str(run.pk), "Acme", "failed"), (str(run.pk), "Beta", "skipped")]
    assert got[0]["run_status"] == "stopped" and got[0]["started_by"] == "staff" and got[0]["duration_seconds"] == "1.5"
    assert got[0]["error"] == "'=cmd|' /C calc'!A0"  # a formula in a cell is defused
    assert got[0]["run_created_at"].endswith("Z")


def test_postings_are_filtered_and_inactive_ones_are_for_staff(user, staff_user):
    acme = Company.objects.create(name="Acme", source="greenhouse", board_token="acme")
    beta = Company.objects.create(name="Beta", source="lever", board_token="beta")
    now = timezone.now()
    for company, ext, title, remote, active, seen in [
        (acme, "1", "Backend Engineer", True, True, now),
        (acme, "2", "Designer", False, True, now),
        (beta, "3", "Backend Lead", False, True, now - timedelta(days=30)),
        (beta, "4", "Old Backend Role", True, False, now),
        (beta, "5", "@SUM(1+1)*cmd", True, True, now),
    ]:
        JobPosting.objects.create(company=company, external_id=ext, title=title, remote=remote, active=active,
                                  first_seen=seen, last_seen=seen)

    def titles(path: str, who=user) -> list[str]:
        result = download(who, path)
        assert result["status"] == 200, (path, result["text"][:300])
        return sorted(r["title"] for r in rows(result))

    base = "/scraping/export/postings.csv"
    assert titles(base) == ["'@SUM(1+1)*cmd", "Backend Engineer", "Backend Lead", "Designer"]
    assert titles(f"{base}?q=backend") == ["Backend Engineer", "Backend Lead"]
    assert titles(f"{base}?q=backend&source=lever") == ["Backend Lead"]
    assert titles(f"{base}?remote=true") == ["'@SUM(1+1)*cmd", "Backend Engineer"]
    assert titles(f"{base}?company={acme.pk}") == ["Backend Engineer", "Designer"]
    since = (now - timedelta(days=1)).date().isoformat()
    assert titles(f"{base}?q=backend&since={since}") == ["Backend Engineer"]
    assert titles(f"{base}?q=backend&active=all", staff_user) == ["Backend Engineer", "Backend Lead", "Old Backend Role"]
    assert titles(f"{base}?active=false", staff_user) == ["Old Backend Role"]
    assert download(user, f"{base}?active=all")["status"] == 403
    assert download(user, f"{base}?since=yesterday")["status"] == 400


def test_applications_are_the_owners_with_their_status_history(user, other_user):
    job, _ = tracker.create_job(user, company="=Evil Corp", job_title="Backend Engineer",
                                job_url="https://jobs.example/1")
    app = tracker.create_application(user, job.pk, "saved")
    tracker.change_status(user, app.pk, "applied")
    tracker.change_status(user, app.pk, "interviewing")
    other_job, _ = tracker.create_job(other_user, company="Bob's", job_title="Not yours")
    tracker.create_application(other_user, other_job.pk, "saved")
    result = download(user, "/applications/export.csv")
    assert result["status"] == 200 and result["response"]["Content-Disposition"] == 'attachment; filename="applications.csv"'
    got = rows(result)
    assert len(got) == 1
    row = got[0]
    assert row["company"] == "'=Evil Corp" and row["job_title"] == "Backend Engineer" and row["status"] == "interviewing"
    steps = row["status_history"].split(" | ")
    assert [step.split(" ", 1)[1] for step in steps] == ["saved", "saved -> applied", "applied -> interviewing"]
    assert all(step.split(" ", 1)[0].endswith("Z") for step in steps)
    assert [r["job_title"] for r in rows(download(other_user, "/applications/export.csv"))] == ["Not yours"]


def test_cells_that_a_spreadsheet_would_run_are_defused():
    assert [safe_cell(v) for v in ["=1+1", "+1", "-2", "@A1", "\tx", "\rx", "ok", "", None, -3, 2.5, True]] == [
        "'=1+1", "'+1", "'-2", "'@A1", "'\tx", "'\rx", "ok", "", "", -3, 2.5, "true"]
    text = b"".join(csv_chunks(["a", "b"], [("=x", -1), ("a,b", "line\nbreak")])).decode()
    assert list(csv.reader(io.StringIO(text))) == [["a", "b"], ["'=x", "-1"], ["a,b", "line\nbreak"]]
