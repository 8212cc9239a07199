"""Every event type the tracker publishes: name, channel, payload schema and builder.

Services publish with these names and build payloads only here, so a payload and
its schema cannot drift apart. `job_id` always means a tracker Job; a scraped
posting is named by `posting_id` (recommendations).
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from core.wire import iso
from realtime.catalogue import (
    INT,
    NULLABLE_INT,
    STR,
    STR_LIST,
    WIRE_TIME,
    event_type,
    obj,
)

if TYPE_CHECKING:
    from tracker.analysis import JobAnalysis, SkillGap
    from tracker.models import Application, FollowUp, Interview, Job

# ---------------------------------------------------------------- schemas

_JOB = {"job_id": INT, "company": STR, "job_title": STR}
_APPLICATION = {"application_id": INT, **_JOB}
_INTERVIEW = {"interview_id": INT, **_JOB, "interview_type": STR, "scheduled_date": WIRE_TIME}
_INTERVIEW_DETAIL = {**_INTERVIEW, "duration_minutes": INT, "calendar_event_id": STR}
_FOLLOWUP = {"followup_id": INT, **_JOB, "followup_type": STR, "scheduled_date": WIRE_TIME}
_SKILL_ITEM = obj({"skill": STR, "importance": STR})
# One recommended posting: the user's own Job (job_id) or a scraped posting (posting_id), never both.
_RECOMMENDATION_ITEM = {
    **obj({"job_id": NULLABLE_INT, "posting_id": NULLABLE_INT, "company": STR, "job_title": STR,
           "score": INT, "url": STR}),
    "oneOf": [{"properties": {"job_id": INT, "posting_id": {"type": "null"}}},
              {"properties": {"job_id": {"type": "null"}, "posting_id": INT}}],
}
_RECOMMENDATION_LIST = {"type": "array", "items": _RECOMMENDATION_ITEM, "maxItems": 5}

JOB_CREATED = event_type("job.created", "jobs", obj({**_JOB, "location": STR, "source": STR}),
                         "A user saved a job (a tracker Job); its analysis is queued.")
JOB_ANALYZING = event_type("job.analyzing", "jobs", obj(_JOB), "The analysis of a saved job started.")
JOB_ANALYZED = event_type("job.analyzed", "jobs", obj({
    "job_id": INT, "match_score": INT, "recommendation": STR, "strengths": STR_LIST, "concerns": STR_LIST}),
    "A saved job's match score, recommendation, strengths and concerns.")
_SKILL_GAP = obj({
    "job_id": INT, "overall_match": INT, "matching_skills": INT, "missing_skills": INT,
    "missing_skills_list": {"type": "array", "items": _SKILL_ITEM}})
SKILL_GAP_COMPLETED = event_type("skill_gap.completed", "skills", _SKILL_GAP,
                                 "A saved job's skills gap (counts, and the missing skills with their importance).")
SKILL_GAP_UPDATED = event_type("skill_gap.updated", "skills", _SKILL_GAP,
                               "The profile's skills changed: the recomputed gap of one analysed job whose gap "
                               "changed (one event per such job; same shape as skill_gap.completed).")
APPLICATION_UPDATED = event_type("application.updated", "applications", obj({
    **_APPLICATION, "status": STR, "changes": STR_LIST, "timestamp": WIRE_TIME}),
    'An application was created (`changes: ["created"]`) or its details edited.')
APPLICATION_STATUS_CHANGED = event_type("application.status_changed", "applications", obj({
    **_APPLICATION, "old_status": STR, "new_status": STR, "timestamp": WIRE_TIME}),
    "An application moved to another status (a history row was written).")
INTERVIEW_SCHEDULED = event_type("interview.scheduled", "interviews", obj(_INTERVIEW_DETAIL),
                                 "An interview was scheduled.")
INTERVIEW_UPDATED = event_type("interview.updated", "interviews", obj({
    **_INTERVIEW_DETAIL, "status": STR, "changes": STR_LIST}),
    "An interview was edited (rescheduled, cancelled...); `changes` names the fields.")
INTERVIEW_REMINDER = event_type("interview.reminder", "interviews", obj({
    **_INTERVIEW, "time_until": {"enum": ["1 day", "1 hour", "15 minutes"]}}),
    "An interview is 1 day, 1 hour or 15 minutes away (each reminder once).")
FOLLOWUP_DUE = event_type("followup.due", "followups", obj({**_FOLLOWUP, "hours_until_due": INT}),
                          "A follow-up is due within TRACKER_FOLLOWUP_DUE_HOURS (once per follow-up).")
FOLLOWUP_SENT = event_type("followup.sent", "followups", obj({**_FOLLOWUP, "sent_at": WIRE_TIME}),
                           "A follow-up was marked sent (once).")
RECOMMENDATIONS_NEW = event_type("recommendations.new", "recommendations", obj({
    "count": INT, "top_recommendations": _RECOMMENDATION_LIST, "total": INT, "generated_at": WIRE_TIME}),
    "New recommendations: `count` new ones (at most five listed), `total` now.")
RECOMMENDATIONS_UPDATED = event_type("recommendations.updated", "recommendations", obj({
    "count": INT, "top_recommendations": _RECOMMENDATION_LIST, "removed": INT, "generated_at": WIRE_TIME}),
    "The recommendations changed without new ones (a score moved, a posting closed).")

# ---------------------------------------------------------------- payload builders

def _job_fields(job: Job) -> dict[str, Any]:
    return {"job_id": job.id, "company": job.company, "job_title": job.job_title}


def job_created(job: Job) -> dict[str, Any]:
    return {**_job_fields(job), "location": job.location, "source": job.source}


def job_analyzing(job: Job) -> dict[str, Any]:
    return _job_fields(job)


def job_analyzed(job: Job, result: JobAnalysis) -> dict[str, Any]:
    return {"job_id": job.id, "match_score": result.match_score, "recommendation": result.recommendation,
            "strengths": result.strengths, "concerns": result.concerns}


def skill_gap_completed(job: Job, result: JobAnalysis) -> dict[str, Any]:
    return skill_gap_updated(job, result.skill_gap)


def skill_gap_updated(job: Job, gap: SkillGap) -> dict[str, Any]:
    """A job's gap: counts, and the missing skills with their importance (completed and updated alike)."""
    return {"job_id": job.id, "overall_match": gap.overall_match, "matching_skills": len(gap.matching_skills),
            "missing_skills": len(gap.missing_skills), "missing_skills_list": gap.missing_skills}


def _application_fields(app: Application) -> dict[str, Any]:
    return {"application_id": app.id, "job_id": app.job_id, "company": app.job.company,
            "job_title": app.job.job_title}


def application_updated(app: Application, changes: list[str], at: datetime) -> dict[str, Any]:
    return {**_application_fields(app), "status": app.status, "changes": changes, "timestamp": iso(at)}


def application_status_changed(app: Application, old_status: str, at: datetime) -> dict[str, Any]:
    return {**_application_fields(app), "old_status": old_status, "new_status": app.status, "timestamp": iso(at)}


def _interview_fields(interview: Interview) -> dict[str, Any]:
    return {"interview_id": interview.id, **_job_fields(interview.application.job),
            "interview_type": interview.interview_type, "scheduled_date": iso(interview.scheduled_date)}


def interview_scheduled(interview: Interview) -> dict[str, Any]:
    return {**_interview_fields(interview), "duration_minutes": interview.duration_minutes,
            "calendar_event_id": interview.calendar_event_id}


def interview_updated(interview: Interview, changes: list[str]) -> dict[str, Any]:
    return {**interview_scheduled(interview), "status": interview.status, "changes": changes}


def interview_reminder(interview: Interview, time_until: str) -> dict[str, Any]:
    return {**_interview_fields(interview), "time_until": time_until}


def _followup_fields(followup: FollowUp) -> dict[str, Any]:
    return {"followup_id": followup.id, **_job_fields(followup.application.job),
            "followup_type": followup.followup_type, "scheduled_date": iso(followup.scheduled_date)}


def followup_due(followup: FollowUp, hours_until_due: int) -> dict[str, Any]:
    return {**_followup_fields(followup), "hours_until_due": hours_until_due}


def followup_sent(followup: FollowUp, sent_at: datetime) -> dict[str, Any]:
    return {**_followup_fields(followup), "sent_at": iso(sent_at)}


def recommendation_item(*, job_id: int | None, posting_id: int | None, company: str, job_title: str,
                        score: int, url: str) -> dict[str, Any]:
    """One entry of `top_recommendations`: job_id for the user's Job, posting_id for a scraped posting."""
    return {"job_id": job_id, "posting_id": posting_id, "company": company, "job_title": job_title,
            "score": score, "url": url}


def recommendations_new(new_items: list[dict[str, Any]], total: int, at: datetime) -> dict[str, Any]:
    """`count` new ones (the first five listed), `total` recommendations now."""
    return {"count": len(new_items), "top_recommendations": new_items[:5], "total": total, "generated_at": iso(at)}


def recommendations_updated(items: list[dict[str, Any]], removed: int, at: datetime) -> dict[str, Any]:
    """The whole list changed without new entries: its `count`, the first five, how many were `removed`."""
    return {"count": len(items), "top_recommendations": items[:5], "removed": removed, "generated_at": iso(at)}
