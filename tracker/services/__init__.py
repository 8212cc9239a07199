"""Every tracker write and the events it causes, one module per concern.

Events leave through realtime.publish() inside the write's transaction (stored
with it, sent on commit), named and built by tracker.events. Celery work is queued
with transaction.on_commit so a worker never looks for a row that is not committed
yet. Refusals are core.errors.ApplicationError (NotFound, Conflict, ...), mapped to
the answer once, by core.

    from tracker import services
    job, created = services.create_job(user, company="Acme", job_title="Backend Engineer")
"""
from tracker.services.applications import (
    change_status,
    create_application,
    delete_application,
    record_sent_application,
    update_application,
)
from tracker.services.followups import (
    create_followup,
    delete_followup,
    mark_followup_sent,
    send_followup_due,
    update_followup,
)
from tracker.services.interviews import (
    delete_interview,
    schedule_interview,
    send_interview_reminders,
    update_interview,
)
from tracker.services.jobs import (
    analyze_job,
    create_job,
    delete_job,
    job_for_posting,
    recompute_skill_gaps,
    request_analysis,
)
from tracker.services.recommendations import (
    recommendations_refresh_done,
    recompute_recommendations,
    refresh_posting_analyses,
    request_recommendations_refresh,
    users_to_recommend_for,
)

__all__ = [
    "analyze_job", "change_status", "create_application", "create_followup", "create_job",
    "delete_application", "delete_followup", "delete_interview", "delete_job", "job_for_posting",
    "mark_followup_sent", "recommendations_refresh_done", "recompute_recommendations", "recompute_skill_gaps",
    "record_sent_application", "refresh_posting_analyses", "request_analysis", "request_recommendations_refresh",
    "schedule_interview", "send_followup_due", "send_interview_reminders", "update_application",
    "update_followup", "update_interview", "users_to_recommend_for",
]
