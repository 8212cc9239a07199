"""Every event type tracker/events.py declares, published through the real services.

`publish_every_event()` is called inside a test marked django_db(transaction=True)
(tests/tracker/test_events_catalogue.py and tests/realtime/test_catalogue.py). It
makes its own user and data; Celery task bodies are called as plain functions, so no
worker is needed (a live one first finishes what the writes queued: live_workers_idle).
"""
from __future__ import annotations

import uuid
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts.models import Profile
from accounts.serializers import ProfileSerializer
from accounts.services import save_profile
from scraping.models import Company, JobPosting
from tests.support import live_workers_idle
from tracker import services, tasks

PYTHON_JOB = "## Requirements\n- Python and Django\n- PostgreSQL\n## Nice to have\n- Kubernetes"


def publish_every_event() -> None:
    tag = uuid.uuid4().hex[:10]
    user = get_user_model().objects.create_user(username=f"tracker-events-{tag}", password=uuid.uuid4().hex)
    Profile.objects.create(user=user, skills=["Python", "Django", "PostgreSQL"], desired_titles=["Backend Engineer"],
                           remote_preference="remote", years_experience=5)

    # job.created; then job.analyzing, job.analyzed, skill_gap.completed (the analyze_job task's body)
    job, _ = services.create_job(user, company="Globex", job_title="Backend Engineer", job_description=PYTHON_JOB,
                                 job_url=f"https://jobs.example.com/{tag}", location="Remote", source="linkedin")
    tasks.analyze_job(job.id)
    # skill_gap.updated: the profile's skills change (through accounts.services, as the page and API do)
    writer = ProfileSerializer(Profile.objects.get(user=user), data={"skills": ["Python", "Django", "PostgreSQL",
                                                                            "Kubernetes"]}, partial=True)
    writer.is_valid(raise_exception=True)
    save_profile(writer)

    # The session's Celery worker (if one runs) analyses the job and refreshes recommendations on
    # its own after these writes: let it finish, so the recomputes below find what they expect.
    live_workers_idle()

    # recommendations.new: the user's own job (job_id) and a scraped posting (posting_id) ...
    board = Company.objects.create(name="Initech", source=Company.Source.GREENHOUSE, board_token=f"events-{tag}")
    posting = JobPosting.objects.create(company=board, external_id=tag, title="Senior Backend Engineer",
                                        location="Remote", description=PYTHON_JOB,
                                        url=f"https://boards.example.com/{tag}")
    tasks.recompute_recommendations_for_user(user.id)
    # ... recommendations.updated: the posting closed, no new entry
    JobPosting.objects.filter(pk=posting.pk).update(active=False)
    services.recompute_recommendations(user)

    # application.updated (created, then edited) and application.status_changed
    app = services.create_application(user, job.id)
    services.update_application(user, app.id, {"notes": "referral"})
    services.change_status(user, app.id, "applied")

    # interview.scheduled, interview.updated, interview.reminder (15 minutes before)
    interview = services.schedule_interview(user, app.id, interview_type="technical",
                                            scheduled_date=timezone.now() + timedelta(minutes=20))
    services.update_interview(user, interview.id, {"scheduled_date": timezone.now() + timedelta(minutes=10)})
    tasks.send_interview_reminders()

    # followup.due, followup.sent
    followup = services.create_followup(user, app.id, followup_type="post_application",
                                        scheduled_date=timezone.now() + timedelta(hours=2))
    tasks.send_followup_due()
    services.mark_followup_sent(user, followup.id)
