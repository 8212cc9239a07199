"""Recommendations: a user's best postings (their analysed jobs and active scraped
postings): recommendations.new, recommendations.updated."""
from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import redis
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from core.dispatch import dispatch_on_commit
from realtime import publish
from tracker import events
from tracker.analysis import PostingFacts, extract_requirements, office_days, score_job
from tracker.analysis.extraction import JobRequirements
from tracker.analysis.scoring import ANALYSIS_VERSION, APPLY_NOW, CONSIDER
from tracker.models import Application, Job, PostingAnalysis, Recommendation
from tracker.services.jobs import candidate_profile, posting_facts

logger = logging.getLogger(__name__)


def _posting_hash(posting) -> str:
    text = "\x1f".join([posting.title or "", posting.location or "", posting.description or "",
                        posting.description_html or ""])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def refresh_posting_analyses(posting_ids: Iterable[int] | None = None) -> int:
    """Read requirements of active scraped postings that are new or changed (cached per posting)."""
    from scraping.models import JobPosting

    postings = JobPosting.objects.filter(active=True)
    if posting_ids is not None:
        postings = postings.filter(pk__in=posting_ids)
    cached = {pa.posting_id: (pa.content_hash, pa.version) for pa in
              PostingAnalysis.objects.filter(posting__in=postings).only("posting_id", "content_hash", "version")}
    refreshed = 0
    for posting in postings.only("id", "title", "location", "description", "description_html",
                                 "remote").iterator(chunk_size=500):
        digest = _posting_hash(posting)
        if cached.get(posting.id) == (digest, ANALYSIS_VERSION):
            continue
        location = _posting_location(posting)
        # The sanitised HTML keeps the source's headings, which decide required vs nice-to-have.
        requirements = extract_requirements(posting.description_html or posting.description, posting.title,
                                            location).to_dict()
        requirements["office_days"] = office_days(posting.description)  # "2 days a week in the office"
        PostingAnalysis.objects.update_or_create(posting_id=posting.id, defaults={
            "content_hash": digest, "version": ANALYSIS_VERSION, "requirements": requirements})
        refreshed += 1
    return refreshed


def _posting_location(posting) -> str:
    location = posting.location or ""
    if getattr(posting, "remote", False) and "remote" not in location.lower():
        location = f"{location} (Remote)".strip()
    return location


@dataclass
class _Candidate:
    job_id: int | None  # the user's tracker Job ...
    posting_id: int | None  # ... or a scraped posting
    company: str
    job_title: str
    location: str
    url: str
    score: int
    recommendation: str
    strengths: list
    concerns: list

    @property
    def key(self) -> str:
        return f"job:{self.job_id}" if self.job_id else f"posting:{self.posting_id}"

    def summary(self) -> dict[str, Any]:
        return events.recommendation_item(job_id=self.job_id, posting_id=self.posting_id, company=self.company,
                                          job_title=self.job_title, score=self.score, url=self.url)


def _score_candidates(user) -> list[_Candidate]:
    from scraping.models import JobPosting

    profile = candidate_profile(user)
    out: list[_Candidate] = []
    tracked_postings, tracked_urls = set(), set()
    jobs = (Job.objects.filter(user=user, analysis_status=Job.AnalysisStatus.ANALYZED)
            .select_related("application", "posting")
            .defer("job_description", "posting__description", "posting__description_html"))
    for job in jobs:
        if job.posting_id:
            tracked_postings.add(job.posting_id)
        if job.job_url:
            tracked_urls.add(job.job_url)
        app = getattr(job, "application", None)
        if app is not None and app.status != Application.Status.SAVED:
            continue  # already applied (or closed): nothing to recommend
        requirements = JobRequirements.from_dict((job.analysis or {}).get("requirements") or {})
        stored_facts = (job.analysis or {}).get("facts")
        facts = PostingFacts.from_dict(stored_facts) if stored_facts else None
        if job.posting is not None:  # a scraped posting's pay and places as its last scrape left them
            facts = posting_facts(job.posting, facts.office_days if facts else "")
        result = score_job(requirements, job.job_title, job.location, profile, facts=facts)
        if result.filtered_out:
            continue  # fails a hard filter: never recommended (the job's page says why)
        out.append(_Candidate(job.id, None, job.company, job.job_title, job.location, job.job_url,
                              result.match_score, result.recommendation, result.strengths, result.concerns))
    postings = (JobPosting.objects.filter(active=True, tracker_analysis__isnull=False)
                .select_related("company", "tracker_analysis")
                .only("id", "title", "location", "remote", "url", "company__name", "tracker_analysis__requirements",
                      "workplace_type", "locations", "salary_min", "salary_max", "salary_currency", "salary_interval"))
    for posting in postings.iterator(chunk_size=500):
        if posting.id in tracked_postings or (posting.url and posting.url in tracked_urls):
            continue
        location = _posting_location(posting)
        stored = posting.tracker_analysis.requirements
        requirements = JobRequirements.from_dict(stored)
        facts = posting_facts(posting, str(stored.get("office_days") or ""))
        result = score_job(requirements, posting.title, location, profile, facts=facts)
        if result.filtered_out:
            continue  # fails a hard filter: never recommended
        out.append(_Candidate(None, posting.id, posting.company.name, posting.title, location, posting.url,
                              result.match_score, result.recommendation, result.strengths, result.concerns))
    return out


def recompute_recommendations(user) -> dict[str, Any] | None:
    """Recompute a user's best postings (their own analysed jobs and active scraped
    postings). Publishes recommendations.new when some are new, recommendations.updated
    when the list only changed; nothing when it is the same. Returns the event data."""
    scored = [c for c in _score_candidates(user) if c.recommendation in (APPLY_NOW, CONSIDER)]
    scored.sort(key=lambda c: (-c.score, c.key))
    best = scored[:settings.TRACKER_RECOMMENDATIONS_LIMIT]
    with transaction.atomic():
        with connection.cursor() as cursor:  # one recompute per user at a time
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [0x7472, user.pk])
        existing = {r.key: r for r in Recommendation.objects.filter(user=user)}
        wanted = {c.key: c for c in best}
        new_keys = [k for k in wanted if k not in existing]
        removed = [k for k in existing if k not in wanted]
        changed = [k for k in wanted if k in existing and (existing[k].score != wanted[k].score
                                                           or existing[k].job_title != wanted[k].job_title)]
        _lock_targets([wanted[k] for k in new_keys])
        if removed:
            Recommendation.objects.filter(pk__in=[existing[k].pk for k in removed]).delete()
        for key in changed:
            c, rec = wanted[key], existing[key]
            rec.score, rec.recommendation, rec.strengths, rec.concerns = c.score, c.recommendation, c.strengths, c.concerns
            rec.company, rec.job_title, rec.location, rec.url = c.company, c.job_title, c.location, c.url
            rec.save()
        Recommendation.objects.bulk_create([
            Recommendation(user=user, job_id=c.job_id, posting_id=c.posting_id, score=c.score,
                           recommendation=c.recommendation, company=c.company, job_title=c.job_title,
                           location=c.location, url=c.url, strengths=c.strengths, concerns=c.concerns)
            for c in (wanted[k] for k in new_keys)])
        now = timezone.now()
        if new_keys:
            data = events.recommendations_new([wanted[k].summary() for k in new_keys], len(best), now)
            publish(user, "recommendations", events.RECOMMENDATIONS_NEW, data)
            return data
        if removed or changed:
            data = events.recommendations_updated([c.summary() for c in best], len(removed), now)
            publish(user, "recommendations", events.RECOMMENDATIONS_UPDATED, data)
            return data
    return None


def _lock_targets(candidates: list[_Candidate]) -> None:
    """Lock the jobs and postings new recommendations point at, as their foreign-key checks will.

    PostgreSQL runs those checks at commit, after publish() took the event-order lock;
    analyze_job holds its job row (FOR UPDATE) and then waits for that lock: the two
    deadlocked when a job was analysed while its owner's recommendations were recomputed.
    Taken here, the row locks come first, in analyze_job's order (row, then events).
    """
    from scraping.models import JobPosting

    for model, ids in ((Job, [c.job_id for c in candidates if c.job_id]),
                       (JobPosting, [c.posting_id for c in candidates if c.posting_id])):
        if ids:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT 1 FROM {model._meta.db_table} WHERE id = ANY(%s) FOR KEY SHARE", [ids])


def users_to_recommend_for():
    """Active users who have a profile (the analysis needs one)."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(is_active=True, profile__isnull=False).order_by("pk")


# ---- the user's refresh: one at a time -------------------------------------------------

@lru_cache(maxsize=4)
def _redis(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)


def _refresh_mark(user_id: int) -> str:
    return f"{settings.REDIS_PREFIX}:tracker:refresh-queued:{user_id}"


def request_recommendations_refresh(user_id: int) -> bool:
    """Queue a recompute of the user's recommendations unless one is queued or running.

    Returns True when this call queued one. The mark is a Redis key set with NX and
    a TTL (TRACKER_REFRESH_DEDUPE_SECONDS, so a refresh lost with its worker frees
    it); the task clears it when it ends. With Redis down there is nothing to check
    against: the refresh is recorded anyway and sent when the broker is back.
    """
    from tracker import tasks

    try:
        fresh = bool(_redis(settings.REDIS_URL).set(
            _refresh_mark(user_id), "1", nx=True, ex=settings.TRACKER_REFRESH_DEDUPE_SECONDS))
    except redis.RedisError as exc:
        logger.warning("refresh of user %s: cannot check for a queued one (%s); queuing it", user_id, exc)
        fresh = True
    if fresh:
        dispatch_on_commit(tasks.recompute_recommendations_for_user, user_id, True)
    return fresh


def recommendations_refresh_done(user_id: int) -> None:
    """The requested refresh ended (done or failed): the next request queues a new one."""
    try:
        _redis(settings.REDIS_URL).delete(_refresh_mark(user_id))
    except redis.RedisError as exc:  # the mark expires by itself
        logger.warning("refresh of user %s: could not clear its mark (%s)", user_id, exc)
