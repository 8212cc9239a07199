"""Every tracker write and the events it causes.

Events leave through realtime.publish() inside the write's transaction (stored
with it, sent on commit). Celery work is queued with transaction.on_commit so a
worker never looks for a row that is not committed yet.
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from realtime import publish
from tracker.analysis import CandidateProfile, extract_requirements, score_job
from tracker.analysis.extraction import JobRequirements
from tracker.analysis.scoring import ANALYSIS_VERSION, APPLY_NOW, CONSIDER
from tracker.models import (
    Application,
    ApplicationStatusChange,
    FollowUp,
    Interview,
    InterviewReminder,
    Job,
    PostingAnalysis,
    Recommendation,
    SkillGap,
)

logger = logging.getLogger(__name__)

REMINDER_OFFSETS = [  # smallest first: the one whose moment has come most recently wins
    (InterviewReminder.Kind.QUARTER, timedelta(minutes=15), "15 minutes"),
    (InterviewReminder.Kind.HOUR, timedelta(hours=1), "1 hour"),
    (InterviewReminder.Kind.DAY, timedelta(days=1), "1 day"),
]


class TrackerError(Exception):
    """A request that cannot be done; api.py turns it into a 4xx JSON error."""

    status_code = 400

    def __init__(self, message: str, **extra):
        super().__init__(message)
        self.message, self.extra = message, extra


class NotFound(TrackerError):
    status_code = 404


class ApplicationExists(TrackerError):
    status_code = 409


def _iso(value) -> str | None:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None


def _run_on_commit(task, *args):
    transaction.on_commit(lambda: task.delay(*args))


# ---------------------------------------------------------------- profile

def candidate_profile(user) -> CandidateProfile:
    """The analysis' view of a user's accounts.Profile (empty profile if none)."""
    from accounts.models import Profile

    profile = Profile.objects.filter(user=user).first()
    if profile is None:
        return CandidateProfile()
    return CandidateProfile(
        skills=[str(s) for s in (profile.skills or [])],
        desired_titles=[str(t) for t in (profile.desired_titles or [])],
        locations=[str(loc) for loc in (profile.locations or [])],
        years_experience=profile.years_experience,
        remote_preference=profile.remote_preference or "any",
    )


# ---------------------------------------------------------------- jobs

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
            publish(user, "jobs", "job.created", {
                "job_id": job.id, "company": job.company, "job_title": job.job_title,
                "location": job.location, "source": job.source,
            })
            _run_on_commit(tasks.analyze_job, job.id)
    except IntegrityError:
        # Another request saved the same URL first: answer with that one.
        return Job.objects.get(user=user, job_url=job_url), False
    return job, True


def request_analysis(user, job_id: int) -> Job:
    """Queue a new analysis of one of the user's jobs (e.g. after a profile change)."""
    from tracker import tasks

    with transaction.atomic():
        job = Job.objects.select_for_update().filter(user=user, pk=job_id).first()
        if job is None:
            raise NotFound("No such job.")
        job.analysis_status = Job.AnalysisStatus.PENDING
        job.save(update_fields=["analysis_status", "updated_at"])
        _run_on_commit(tasks.analyze_job, job.id)
    return job


def analyze_job(job_id: int) -> Job | None:
    """Run the analysis of a saved job: job.analyzing, then job.analyzed and
    skill_gap.completed, then the user's recommendations are refreshed.
    Idempotent: running it twice stores the same result again."""
    from tracker import tasks

    with transaction.atomic():
        job = Job.objects.select_for_update(of=("self",)).select_related("user").filter(pk=job_id).first()
        if job is None:
            return None
        job.analysis_status = Job.AnalysisStatus.ANALYZING
        job.save(update_fields=["analysis_status", "updated_at"])
        publish(job.user, "jobs", "job.analyzing", {"job_id": job.id, "company": job.company,
                                                    "job_title": job.job_title})
    try:
        requirements = extract_requirements(job.job_description, job.job_title, job.location)
        result = score_job(requirements, job.job_title, job.location, candidate_profile(job.user))
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
        publish(job.user, "jobs", "job.analyzed", {
            "job_id": job.id, "match_score": result.match_score, "recommendation": result.recommendation,
            "strengths": result.strengths, "concerns": result.concerns,
        })
        publish(job.user, "skills", "skill_gap.completed", {
            "job_id": job.id, "overall_match": gap.overall_match,
            "matching_skills": len(gap.matching_skills), "missing_skills": len(gap.missing_skills),
            "missing_skills_list": gap.missing_skills,
        })
        _run_on_commit(tasks.recompute_recommendations_for_user, job.user_id)
    return job


def delete_job(user, job_id: int) -> None:
    deleted, _ = Job.objects.filter(user=user, pk=job_id).delete()
    if not deleted:
        raise NotFound("No such job.")


# ---------------------------------------------------------------- applications

def _application_payload(app: Application) -> dict:
    return {"application_id": app.id, "job_id": app.job_id, "company": app.job.company,
            "job_title": app.job.job_title}


def create_application(user, job_id: int, status: str = Application.Status.SAVED, notes: str = "") -> Application:
    """Start tracking an application for one of the user's jobs (one per job: 409 otherwise)."""
    if status not in Application.Status.values:
        raise TrackerError(f"Unknown status {status!r}.", allowed=Application.Status.values)
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(user=user, pk=job_id).first()
        if job is None:
            raise NotFound("No such job.")
        existing = Application.objects.filter(job=job).first()
        if existing:
            raise ApplicationExists("This job already has an application.", application_id=existing.id)
        now = timezone.now()
        app = Application.objects.create(
            user=user, job=job, status=status, notes=notes or "", status_changed_at=now,
            applied_at=now if status == Application.Status.APPLIED else None,
        )
        ApplicationStatusChange.objects.create(application=app, old_status="", new_status=status, changed_at=now)
        publish(user, "applications", "application.updated", {
            **_application_payload(app), "status": app.status, "changes": ["created"], "timestamp": _iso(now)})
    return app


def _locked_application(user, application_id: int) -> Application:
    app = (Application.objects.select_for_update(of=("self",)).select_related("job")
           .filter(user=user, pk=application_id).first())
    if app is None:
        raise NotFound("No such application.")
    return app


def change_status(user, application_id: int, new_status: str) -> Application:
    """Move an application to a new status: history row + application.status_changed."""
    if new_status not in Application.Status.values:
        raise TrackerError(f"Unknown status {new_status!r}.", allowed=Application.Status.values)
    with transaction.atomic():
        app = _locked_application(user, application_id)
        old_status = app.status
        if old_status == new_status:
            return app
        now = timezone.now()
        app.status = new_status
        app.status_changed_at = now
        fields = ["status", "status_changed_at", "updated_at"]
        if new_status == Application.Status.APPLIED:
            app.applied_at = now
            fields.append("applied_at")
        app.save(update_fields=fields)
        ApplicationStatusChange.objects.create(application=app, old_status=old_status, new_status=new_status,
                                               changed_at=now)
        publish(user, "applications", "application.status_changed", {
            **_application_payload(app), "old_status": old_status, "new_status": new_status,
            "timestamp": _iso(now)})
    return app


EDITABLE_APPLICATION_FIELDS = ("notes", "contact_name", "contact_email", "salary_expectation")


def update_application(user, application_id: int, changes: dict) -> Application:
    """Edit an application's details -> application.updated (a status in the edit is a status change)."""
    status = changes.pop("status", None)
    if status is not None:
        change_status(user, application_id, status)
    with transaction.atomic():
        app = _locked_application(user, application_id)
        changed = [f for f in EDITABLE_APPLICATION_FIELDS if f in changes and getattr(app, f) != changes[f]]
        if not changed:
            return app
        for field in changed:
            setattr(app, field, changes[field])
        app.save(update_fields=changed + ["updated_at"])
        publish(user, "applications", "application.updated", {
            **_application_payload(app), "status": app.status, "changes": changed, "timestamp": _iso(timezone.now())})
    return app


def delete_application(user, application_id: int) -> None:
    deleted, _ = Application.objects.filter(user=user, pk=application_id).delete()
    if not deleted:
        raise NotFound("No such application.")


# ---------------------------------------------------------------- interviews

def _interview_payload(interview: Interview) -> dict:
    job = interview.application.job
    return {
        "interview_id": interview.id, "job_id": job.id, "company": job.company, "job_title": job.job_title,
        "interview_type": interview.interview_type, "scheduled_date": _iso(interview.scheduled_date),
        "duration_minutes": interview.duration_minutes, "calendar_event_id": interview.calendar_event_id,
    }


INTERVIEW_FIELDS = ("interview_type", "scheduled_date", "duration_minutes", "location", "meeting_link", "notes",
                    "status")


def schedule_interview(user, application_id: int, **fields) -> Interview:
    with transaction.atomic():
        app = _locked_application(user, application_id)
        interview = Interview.objects.create(user=user, application=app,
                                             **{k: v for k, v in fields.items() if k in INTERVIEW_FIELDS})
        interview.application = app
        publish(user, "interviews", "interview.scheduled", _interview_payload(interview))
    return interview


def update_interview(user, interview_id: int, changes: dict) -> Interview:
    with transaction.atomic():
        interview = (Interview.objects.select_for_update(of=("self",)).select_related("application__job")
                     .filter(user=user, pk=interview_id).first())
        if interview is None:
            raise NotFound("No such interview.")
        changed = [f for f in INTERVIEW_FIELDS if f in changes and getattr(interview, f) != changes[f]]
        if not changed:
            return interview
        for field in changed:
            setattr(interview, field, changes[field])
        interview.save(update_fields=changed + ["updated_at"])
        publish(user, "interviews", "interview.updated", {**_interview_payload(interview), "status": interview.status,
                                                          "changes": changed})
    return interview


def delete_interview(user, interview_id: int) -> None:
    deleted, _ = Interview.objects.filter(user=user, pk=interview_id).delete()
    if not deleted:
        raise NotFound("No such interview.")


def send_interview_reminders(now=None) -> int:
    """Send the reminder whose moment has come (1 day, 1 hour, 15 minutes before) for
    every upcoming interview. Each goes out once: the InterviewReminder row and its
    event are written in one transaction, and the unique constraint turns a second
    beat, a retried task or a racing worker into a no-op. Returns how many were sent."""
    now = now or timezone.now()
    upcoming = (Interview.objects.filter(status=Interview.Status.SCHEDULED, scheduled_date__gt=now,
                                         scheduled_date__lte=now + REMINDER_OFFSETS[-1][1])
                .select_related("application__job", "user"))
    sent = 0
    for interview in upcoming:
        due = next(((kind, label) for kind, offset, label in REMINDER_OFFSETS
                    if interview.scheduled_date - offset <= now), None)
        if due is None:
            continue
        kind, label = due
        try:
            with transaction.atomic():
                InterviewReminder.objects.create(interview=interview, kind=kind,
                                                 scheduled_for=interview.scheduled_date, sent_at=now)
                job = interview.application.job
                publish(interview.user, "interviews", "interview.reminder", {
                    "interview_id": interview.id, "job_id": job.id, "company": job.company,
                    "job_title": job.job_title, "interview_type": interview.interview_type,
                    "scheduled_date": _iso(interview.scheduled_date), "time_until": label,
                })
            sent += 1
        except IntegrityError:
            continue  # already sent by another beat/worker
    return sent


def interview_ics(interview: Interview) -> str:
    """An iCalendar (RFC 5545) file for one interview."""
    job = interview.application.job

    def esc(text: str) -> str:
        return (text or "").replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r\n", "\\n") \
            .replace("\n", "\\n")

    def stamp(value) -> str:
        return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

    end = interview.scheduled_date + timedelta(minutes=interview.duration_minutes or 60)
    description = "\n".join(x for x in [interview.notes, interview.meeting_link] if x)
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Jobelix//Tracker//EN", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{interview.calendar_uid}@jobelix",
        f"DTSTAMP:{stamp(interview.updated_at or timezone.now())}",
        f"DTSTART:{stamp(interview.scheduled_date)}",
        f"DTEND:{stamp(end)}",
        f"SUMMARY:{esc(f'{interview.get_interview_type_display()} interview: {job.job_title} at {job.company}')}",
        f"LOCATION:{esc(interview.location or interview.meeting_link)}",
        f"DESCRIPTION:{esc(description)}",
    ]
    if interview.meeting_link:
        lines.append(f"URL:{interview.meeting_link}")
    lines += ["STATUS:CANCELLED" if interview.status == Interview.Status.CANCELLED else "STATUS:CONFIRMED",
              "BEGIN:VALARM", "TRIGGER:-PT15M", "ACTION:DISPLAY", "DESCRIPTION:Interview in 15 minutes",
              "END:VALARM", "END:VEVENT", "END:VCALENDAR"]
    folded = []
    for line in lines:  # RFC 5545: lines of at most 75 octets, continued with a space
        raw = line.encode("utf-8")
        while len(raw) > 75:
            cut = 75
            while (raw[cut] & 0xC0) == 0x80:
                cut -= 1
            folded.append(raw[:cut].decode("utf-8"))
            raw = b" " + raw[cut:]
        folded.append(raw.decode("utf-8"))
    return "\r\n".join(folded) + "\r\n"


# ---------------------------------------------------------------- follow-ups

def _followup_payload(followup: FollowUp) -> dict:
    job = followup.application.job
    return {"followup_id": followup.id, "job_id": job.id, "company": job.company, "job_title": job.job_title,
            "followup_type": followup.followup_type, "scheduled_date": _iso(followup.scheduled_date)}


FOLLOWUP_FIELDS = ("followup_type", "scheduled_date", "notes")


def create_followup(user, application_id: int, **fields) -> FollowUp:
    with transaction.atomic():
        app = _locked_application(user, application_id)
        followup = FollowUp.objects.create(user=user, application=app,
                                           **{k: v for k, v in fields.items() if k in FOLLOWUP_FIELDS})
    return followup


def update_followup(user, followup_id: int, changes: dict) -> FollowUp:
    """Edit a follow-up; `sent: true` marks it sent. Rescheduling re-arms followup.due."""
    mark_sent = changes.pop("sent", None)
    with transaction.atomic():
        followup = FollowUp.objects.select_for_update().filter(user=user, pk=followup_id).first()
        if followup is None:
            raise NotFound("No such follow-up.")
        changed = [f for f in FOLLOWUP_FIELDS if f in changes and getattr(followup, f) != changes[f]]
        if "scheduled_date" in changed:
            followup.due_notified_at = None
            changed.append("due_notified_at")
        for field in changed:
            if field != "due_notified_at":
                setattr(followup, field, changes[field])
        if changed:
            followup.save(update_fields=changed + ["updated_at"])
    if mark_sent:
        return mark_followup_sent(user, followup_id)
    return followup


def mark_followup_sent(user, followup_id: int) -> FollowUp:
    """Mark a follow-up sent -> followup.sent (once: a second call changes nothing)."""
    with transaction.atomic():
        now = timezone.now()
        updated = FollowUp.objects.filter(user=user, pk=followup_id, sent=False).update(sent=True, sent_at=now,
                                                                                        updated_at=now)
        followup = FollowUp.objects.select_related("application__job").filter(user=user, pk=followup_id).first()
        if followup is None:
            raise NotFound("No such follow-up.")
        if updated:
            publish(user, "followups", "followup.sent", {**_followup_payload(followup), "sent_at": _iso(now)})
    return followup


def delete_followup(user, followup_id: int) -> None:
    deleted, _ = FollowUp.objects.filter(user=user, pk=followup_id).delete()
    if not deleted:
        raise NotFound("No such follow-up.")


def followup_due_hours() -> int:
    return int(getattr(settings, "TRACKER_FOLLOWUP_DUE_HOURS", 24))


def send_followup_due(now=None) -> int:
    """followup.due once for each unsent follow-up due within TRACKER_FOLLOWUP_DUE_HOURS.
    The conditional UPDATE (due_notified_at IS NULL) is the once-only guarantee."""
    now = now or timezone.now()
    horizon = now + timedelta(hours=followup_due_hours())
    candidates = FollowUp.objects.filter(sent=False, due_notified_at__isnull=True, scheduled_date__lte=horizon)
    sent = 0
    for followup_id in candidates.values_list("id", flat=True):
        with transaction.atomic():
            claimed = FollowUp.objects.filter(pk=followup_id, sent=False, due_notified_at__isnull=True).update(
                due_notified_at=now)
            if not claimed:
                continue
            followup = FollowUp.objects.select_related("application__job", "user").get(pk=followup_id)
            hours = max(0, round((followup.scheduled_date - now).total_seconds() / 3600))
            publish(followup.user, "followups", "followup.due", {**_followup_payload(followup),
                                                                 "hours_until_due": hours})
            sent += 1
    return sent


# ---------------------------------------------------------------- recommendations

def recommendations_limit() -> int:
    return int(getattr(settings, "TRACKER_RECOMMENDATIONS_LIMIT", 20))


def _posting_hash(posting) -> str:
    text = "\x1f".join([posting.title or "", posting.location or "", posting.description or ""])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def refresh_posting_analyses(posting_ids=None) -> int:
    """Read requirements of active scraped postings that are new or changed (cached per posting)."""
    from scraping.models import JobPosting

    postings = JobPosting.objects.filter(active=True)
    if posting_ids is not None:
        postings = postings.filter(pk__in=posting_ids)
    cached = {pa.posting_id: (pa.content_hash, pa.version) for pa in
              PostingAnalysis.objects.filter(posting__in=postings).only("posting_id", "content_hash", "version")}
    refreshed = 0
    for posting in postings.only("id", "title", "location", "description", "remote").iterator(chunk_size=500):
        digest = _posting_hash(posting)
        if cached.get(posting.id) == (digest, ANALYSIS_VERSION):
            continue
        location = _posting_location(posting)
        requirements = extract_requirements(posting.description, posting.title, location).to_dict()
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
    job_id: int | None
    posting_id: int | None
    company: str
    job_title: str
    location: str
    url: str
    score: float
    recommendation: str
    strengths: list
    concerns: list

    @property
    def key(self) -> str:
        return f"job:{self.job_id}" if self.job_id else f"posting:{self.posting_id}"

    def summary(self) -> dict:
        return {"job_id": self.job_id, "posting_id": self.posting_id, "company": self.company,
                "job_title": self.job_title, "score": self.score, "url": self.url}


def _score_candidates(user) -> list[_Candidate]:
    from scraping.models import JobPosting

    profile = candidate_profile(user)
    out: list[_Candidate] = []
    tracked_postings, tracked_urls = set(), set()
    jobs = (Job.objects.filter(user=user, analysis_status=Job.AnalysisStatus.ANALYZED)
            .select_related("application").defer("job_description"))
    for job in jobs:
        if job.posting_id:
            tracked_postings.add(job.posting_id)
        if job.job_url:
            tracked_urls.add(job.job_url)
        app = getattr(job, "application", None)
        if app is not None and app.status != Application.Status.SAVED:
            continue  # already applied (or closed): nothing to recommend
        requirements = JobRequirements.from_dict((job.analysis or {}).get("requirements"))
        result = score_job(requirements, job.job_title, job.location, profile)
        out.append(_Candidate(job.id, None, job.company, job.job_title, job.location, job.job_url,
                              result.match_score, result.recommendation, result.strengths, result.concerns))
    postings = (JobPosting.objects.filter(active=True, tracker_analysis__isnull=False)
                .select_related("company", "tracker_analysis")
                .only("id", "title", "location", "remote", "url", "company__name", "tracker_analysis__requirements"))
    for posting in postings.iterator(chunk_size=500):
        if posting.id in tracked_postings or (posting.url and posting.url in tracked_urls):
            continue
        location = _posting_location(posting)
        requirements = JobRequirements.from_dict(posting.tracker_analysis.requirements)
        result = score_job(requirements, posting.title, location, profile)
        out.append(_Candidate(None, posting.id, posting.company.name, posting.title, location, posting.url,
                              result.match_score, result.recommendation, result.strengths, result.concerns))
    return out


def recompute_recommendations(user) -> dict | None:
    """Recompute a user's best postings (their own analysed jobs and active scraped
    postings). Publishes recommendations.new when some are new, recommendations.updated
    when the list only changed; nothing when it is the same. Returns the event data."""
    scored = [c for c in _score_candidates(user) if c.recommendation in (APPLY_NOW, CONSIDER)]
    scored.sort(key=lambda c: (-c.score, c.key))
    best = scored[:recommendations_limit()]
    with transaction.atomic():
        with connection.cursor() as cursor:  # one recompute per user at a time
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [0x7472, user.pk])
        existing = {r.key: r for r in Recommendation.objects.filter(user=user)}
        wanted = {c.key: c for c in best}
        new_keys = [k for k in wanted if k not in existing]
        removed = [k for k in existing if k not in wanted]
        changed = [k for k in wanted if k in existing and (existing[k].score != wanted[k].score
                                                           or existing[k].job_title != wanted[k].job_title)]
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
        now = _iso(timezone.now())
        if new_keys:
            fresh = [wanted[k] for k in new_keys]
            data = {"count": len(fresh), "top_recommendations": [c.summary() for c in fresh[:5]],
                    "total": len(best), "generated_at": now}
            publish(user, "recommendations", "recommendations.new", data)
            return data
        if removed or changed:
            data = {"count": len(best), "top_recommendations": [c.summary() for c in best[:5]],
                    "removed": len(removed), "generated_at": now}
            publish(user, "recommendations", "recommendations.updated", data)
            return data
    return None


def users_to_recommend_for():
    """Active users who have a profile (the analysis needs one)."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(is_active=True, profile__isnull=False).order_by("pk")
