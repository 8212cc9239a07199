"""Saved jobs and their analysis: job.created, job.analyzing, job.analyzed, skill_gap.completed,
and skill_gap.updated when the profile's skills change."""
from __future__ import annotations

import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.dispatch import dispatch_on_commit
from core.errors import NotFound
from realtime import publish
from tracker import events
from tracker.analysis import (
    CandidateProfile,
    JobRequirements,
    PostingFacts,
    extract_requirements,
    office_days,
    score_job,
)
from tracker.models import Job, SkillGap
from tracker.services._common import delete_owned

logger = logging.getLogger(__name__)


def run_on_commit(task: Any, *args: Any) -> None:
    """Queue a Celery task once the write commits, so the worker finds the row (kept and
    sent later if the broker is down then: core.dispatch)."""
    dispatch_on_commit(task, *args)


def candidate_profile(user) -> CandidateProfile:
    """The analysis' view of a user's accounts.Profile (empty profile if none)."""
    from accounts.models import Profile

    profile = Profile.objects.filter(user=user).first()
    if profile is None:
        return CandidateProfile()
    hard = {name for name, on in (("salary", profile.salary_hard_filter), ("workplace", profile.remote_hard_filter),
                                  ("location", profile.location_hard_filter)) if on}
    return CandidateProfile(
        skills=[str(s) for s in (profile.skills or [])],
        desired_titles=[str(t) for t in (profile.desired_titles or [])],
        locations=[str(loc) for loc in (profile.locations or [])],
        years_experience=profile.years_experience,
        remote_preference=profile.remote_preference or "any",
        salary_minimum=profile.salary_minimum,
        salary_currency=profile.salary_currency or "USD",
        salary_interval=profile.salary_interval or "year",
        home_location=profile.home_location,
        hard_filters=frozenset(hard),
    )


def posting_facts(posting, days: str = "") -> PostingFacts:
    """What a scraped posting states about pay, workplace type and places (its columns), plus
    the office days its description states (read once, with its requirements)."""
    return PostingFacts.from_dict({
        "workplace_type": posting.workplace_type, "locations": posting.locations,
        "salary_min": posting.salary_min, "salary_max": posting.salary_max,
        "salary_currency": posting.salary_currency, "salary_interval": posting.salary_interval,
        "office_days": days,
    })


def job_facts(job: Job) -> PostingFacts:
    """A saved job's facts: its scraped posting's when it came from one, else only the office
    days of its description (the place is then read from its location text)."""
    days = office_days(job.job_description)
    if job.posting_id and job.posting is not None:
        return posting_facts(job.posting, days)
    return PostingFacts(office_days=days)


def create_job(user, *, company: str, job_title: str, job_description: str = "", job_url: str = "",
               location: str = "", source: str = "", posting=None) -> tuple[Job, bool]:
    """Save a posting for the user: idempotent per (user, job_url). Returns (job, created).

    A new job publishes job.created and queues its analysis on Celery."""
    from tracker import tasks

    job_url = (job_url or "").strip()
    if job_url:
        existing = Job.objects.filter(user=user, job_url=job_url).first()
        if existing:
            return existing, False
    try:
        with transaction.atomic():
            job = Job.objects.create(
                user=user, company=company.strip(), job_title=job_title.strip(), job_description=job_description or "",
                job_url=job_url, location=(location or "").strip(), source=(source or "manual").strip(), posting=posting,
            )
            publish(user, "jobs", events.JOB_CREATED, events.job_created(job))
            run_on_commit(tasks.analyze_job, job.id)
    except IntegrityError:
        # Another request saved the same URL first: answer with that one.
        return Job.objects.get(user=user, job_url=job_url), False
    return job, True


def job_for_posting(user, posting) -> Job:
    """The user's job for a scraped posting (their job page): the one linked to it, else the one saved with its
    URL (then linked), else a new one (job.created, analysis queued)."""
    existing = Job.objects.filter(user=user, posting=posting).order_by("id").first()
    if existing is not None:
        return existing
    job, _ = create_job(user, company=posting.company.name, job_title=posting.title,
                        job_description=posting.description or "", job_url=posting.url or posting.apply_url or "",
                        location=posting.location or "", source="scraped", posting=posting)
    if job.posting_id is None:
        Job.objects.filter(pk=job.pk, posting__isnull=True).update(posting=posting)
        job.posting = posting
    return job


def request_analysis(user, job_id: int) -> Job:
    """Queue a new analysis of one of the user's jobs (e.g. after a profile change)."""
    from tracker import tasks

    with transaction.atomic():
        job = Job.objects.select_for_update().filter(user=user, pk=job_id).first()
        if job is None:
            raise NotFound("No such job.")
        job.analysis_status = Job.AnalysisStatus.PENDING
        job.save(update_fields=["analysis_status", "updated_at"])
        run_on_commit(tasks.analyze_job, job.id)
    return job


def analyze_job(job_id: int) -> Job | None:
    """Run the analysis of a saved job: job.analyzing, then job.analyzed and
    skill_gap.completed, then the user's recommendations are refreshed.
    Idempotent: running it twice stores the same result again."""
    from tracker import tasks

    with transaction.atomic():
        job = (Job.objects.select_for_update(of=("self",)).select_related("user", "posting")
               .filter(pk=job_id).first())
        if job is None:
            return None
        job.analysis_status = Job.AnalysisStatus.ANALYZING
        job.save(update_fields=["analysis_status", "updated_at"])
        publish(job.user, "jobs", events.JOB_ANALYZING, events.job_analyzing(job))
    try:
        requirements = extract_requirements(job.job_description, job.job_title, job.location)
        result = score_job(requirements, job.job_title, job.location, candidate_profile(job.user),
                           facts=job_facts(job))
    except Exception as exc:  # a bug in analysis must not leave the job "analyzing" forever
        logger.exception("analysis of job %s failed", job_id)
        Job.objects.filter(pk=job_id).update(analysis_status=Job.AnalysisStatus.FAILED, analysis_error=str(exc)[:1000])
        return job
    gap = result.skill_gap
    with transaction.atomic():
        job = Job.objects.select_for_update(of=("self",)).select_related("user").get(pk=job_id)
        job.analysis = result.to_dict()
        job.match_score = result.match_score
        job.recommendation = result.recommendation
        job.analysis_status = Job.AnalysisStatus.ANALYZED
        job.analysis_error = ""
        job.analyzed_at = timezone.now()
        job.save()
        SkillGap.objects.update_or_create(job=job, defaults={
            "overall_match": gap.overall_match, "matching_skills": gap.matching_skills,
            "missing_skills": gap.missing_skills})
        publish(job.user, "jobs", events.JOB_ANALYZED, events.job_analyzed(job, result))
        publish(job.user, "skills", events.SKILL_GAP_COMPLETED, events.skill_gap_completed(job, result))
        run_on_commit(tasks.recompute_recommendations_for_user, job.user_id)
    return job


def recompute_skill_gaps(user) -> int:
    """The profile's skills changed: recompute the gap of each analysed job from its stored
    requirements and publish skill_gap.updated for each job whose gap changed (one event per
    job, same shape as skill_gap.completed). Called by accounts.services inside the profile's
    transaction, so the new gaps and events commit with the skills. Returns how many changed.

    Only the gap is recomputed here (cheap, no extraction); the match score moves on the
    job's next analysis (request_analysis)."""
    profile = candidate_profile(user)
    # Every job with a gap row has been analysed (even if a re-analysis is running now).
    gaps = SkillGap.objects.select_for_update(of=("self",)).select_related("job").filter(
        job__user=user).order_by("job_id")
    changed = 0
    for row in gaps:
        job = row.job
        stored = (job.analysis or {}).get("requirements")
        requirements = (JobRequirements.from_dict(stored) if stored
                        else extract_requirements(job.job_description, job.job_title, job.location))
        gap = score_job(requirements, job.job_title, job.location, profile).skill_gap
        if (row.overall_match, row.matching_skills, row.missing_skills) == (
                gap.overall_match, gap.matching_skills, gap.missing_skills):
            continue
        row.overall_match, row.matching_skills, row.missing_skills = (
            gap.overall_match, gap.matching_skills, gap.missing_skills)
        row.save(update_fields=["overall_match", "matching_skills", "missing_skills", "updated_at"])
        publish(user, "skills", events.SKILL_GAP_UPDATED, events.skill_gap_updated(job, gap))
        changed += 1
    return changed


def delete_job(user, job_id: int) -> None:
    delete_owned(Job, user, job_id, "job")
