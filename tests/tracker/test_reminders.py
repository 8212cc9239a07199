"""Reminders go out exactly once: interview.reminder 1 day, 1 hour and 15 minutes
before, followup.due once per due follow-up; however many beats, tasks, workers or
restarts race for them. Time is frozen with time-machine; the real Celery worker
gets that moment as the task argument (beat sends none and uses the clock)."""
import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from realtime.models import Event
from tests import support
from tracker import services, tasks
from tracker.models import InterviewReminder

pytestmark = pytest.mark.django_db(transaction=True)

INTERVIEW_AT = datetime(2031, 6, 2, 14, 0, tzinfo=UTC)


def make_interview(user, when=INTERVIEW_AT):
    job, _ = services.create_job(user, company="Umbrella", job_title="Data Engineer", job_url="https://u.example/1")
    app = services.create_application(user, job.id, status="applied")
    return services.schedule_interview(user, app.id, interview_type="technical", scheduled_date=when)


def reminders(user):
    return list(Event.objects.filter(user=user, type="interview.reminder").order_by("id").values_list("data", flat=True))


wait_until_idle = support.wait_until_idle


def race(moment, worker, copies=4, local=3):
    """Everything that could send a reminder at `moment`, at once: tasks on the worker and beat-like calls here."""
    for _ in range(copies):
        tasks.send_interview_reminders.delay(moment.isoformat())
    threads = [threading.Thread(target=_in_thread, args=(services.send_interview_reminders, moment))
               for _ in range(local)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wait_until_idle(worker)


def _in_thread(function, moment):
    try:
        function(moment)
    finally:
        connection.close()


def test_each_interview_reminder_goes_out_exactly_once(user, celery_worker, start_celery):
    interview = make_interview(user)
    with time_machine.travel(INTERVIEW_AT - timedelta(days=2), tick=False):
        race(timezone.now(), celery_worker)
    assert reminders(user) == []

    with time_machine.travel(INTERVIEW_AT - timedelta(days=1) + timedelta(seconds=20), tick=False):
        race(timezone.now(), celery_worker, local=0)  # the worker alone sends this one
    with time_machine.travel(INTERVIEW_AT - timedelta(hours=3), tick=False):
        race(timezone.now(), celery_worker)
    assert [r["time_until"] for r in reminders(user)] == ["1 day"]

    # A worker that is killed and replaced keeps nothing in memory: the database decides.
    extra = start_celery()
    tasks.send_interview_reminders.delay((INTERVIEW_AT - timedelta(hours=1) + timedelta(seconds=5)).isoformat())
    wait_until_idle(extra)
    extra.kill()
    replacement = start_celery()
    with time_machine.travel(INTERVIEW_AT - timedelta(minutes=59), tick=False):
        race(timezone.now(), replacement)
    assert [r["time_until"] for r in reminders(user)] == ["1 day", "1 hour"]

    for minutes in (15, 14, 10, 1):
        with time_machine.travel(INTERVIEW_AT - timedelta(minutes=minutes), tick=False):
            race(timezone.now(), celery_worker, copies=2)
    with time_machine.travel(INTERVIEW_AT + timedelta(minutes=5), tick=False):
        race(timezone.now(), celery_worker, copies=2)

    sent = reminders(user)
    assert [r["time_until"] for r in sent] == ["1 day", "1 hour", "15 minutes"]
    assert sent[0] == {"interview_id": interview.id, "job_id": interview.application.job_id, "company": "Umbrella",
                       "job_title": "Data Engineer", "interview_type": "technical",
                       "scheduled_date": "2031-06-02T14:00:00.000Z", "time_until": "1 day"}
    assert InterviewReminder.objects.filter(interview=interview).count() == 3


def test_rescheduling_rearms_reminders_and_cancelled_interviews_get_none(user):
    interview = make_interview(user)
    services.send_interview_reminders(INTERVIEW_AT - timedelta(minutes=10))
    new_time = INTERVIEW_AT + timedelta(days=7)
    services.update_interview(user, interview.id, {"scheduled_date": new_time})
    services.send_interview_reminders(new_time - timedelta(minutes=10))
    services.send_interview_reminders(new_time - timedelta(minutes=9))
    assert [r["time_until"] for r in reminders(user)] == ["15 minutes", "15 minutes"]
    assert reminders(user)[1]["scheduled_date"] == "2031-06-09T14:00:00.000Z"

    services.update_interview(user, interview.id, {"status": "cancelled", "scheduled_date": new_time + timedelta(days=1)})
    assert services.send_interview_reminders(new_time + timedelta(days=1) - timedelta(minutes=5)) == 0


def test_followup_due_goes_out_once_within_the_window(user, settings, celery_worker):
    settings.TRACKER_FOLLOWUP_DUE_HOURS = 24  # the setting the beat task reads
    job, _ = services.create_job(user, company="Stark", job_title="QA Engineer", job_url="https://s.example/2")
    app = services.create_application(user, job.id, status="applied")
    due_at = datetime(2031, 7, 1, 9, 0, tzinfo=UTC)
    followup = services.create_followup(user, app.id, followup_type="post_application", scheduled_date=due_at)

    def run_everything(moment):
        for _ in range(3):
            tasks.send_followup_due.delay(moment.isoformat())
        threads = [threading.Thread(target=_in_thread, args=(services.send_followup_due, moment)) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wait_until_idle(celery_worker)

    with time_machine.travel(due_at - timedelta(hours=30), tick=False):
        run_everything(timezone.now())
    assert not Event.objects.filter(user=user, type="followup.due").exists()
    with time_machine.travel(due_at - timedelta(hours=2), tick=False):
        run_everything(timezone.now())
    with time_machine.travel(due_at - timedelta(hours=1), tick=False):
        run_everything(timezone.now())
    due = list(Event.objects.filter(user=user, type="followup.due").values_list("data", flat=True))
    assert due == [{"followup_id": followup.id, "job_id": job.id, "company": "Stark", "job_title": "QA Engineer",
                    "followup_type": "post_application", "scheduled_date": "2031-07-01T09:00:00.000Z",
                    "hours_until_due": 2}]

    services.mark_followup_sent(user, followup.id)
    services.update_followup(user, followup.id, {"scheduled_date": due_at + timedelta(days=3)})
    assert services.send_followup_due(due_at + timedelta(days=3) - timedelta(hours=1)) == 0  # sent: no reminder
