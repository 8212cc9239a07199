"""A job analysed while its owner's recommendations are recomputed: no deadlock.

analyze_job holds its job row (FOR UPDATE) and then publishes (the event-order lock);
recompute_recommendations published first and met the job row only at commit, in the
foreign-key check of the new recommendation: PostgreSQL aborted one of them. The
recompute now locks the rows its recommendations point at before it publishes.
"""
import threading
import time

import pytest
from django.db import connection, transaction

from accounts.models import Profile
from realtime import publish
from tests.support import wait_until_idle
from tracker import events, services
from tracker.models import Job, Recommendation

pytestmark = pytest.mark.django_db(transaction=True)


def test_recompute_waits_for_an_analysis_holding_the_job_instead_of_deadlocking(user, celery_worker):
    Profile.objects.create(user=user, skills=["Python", "Django", "PostgreSQL"], desired_titles=["Backend Engineer"],
                           remote_preference="remote", years_experience=5)
    job, _ = services.create_job(user, company="Hooli", job_title="Backend Engineer", location="Remote",
                                 job_description="## Requirements\n- Python and Django\n- PostgreSQL")
    services.analyze_job(job.id)
    # create_job queued its own analysis and recompute: let the worker finish them, so only
    # the two threads below touch the job and the recommendations.
    wait_until_idle(celery_worker)
    Recommendation.objects.filter(user=user).delete()  # the job is a new recommendation for the recompute
    errors: list[BaseException] = []
    holding = threading.Event()

    def analysis_holding_the_job() -> None:
        """What analyze_job does: the job row first, then publish (the event-order lock)."""
        try:
            with transaction.atomic():
                locked = Job.objects.select_for_update().get(pk=job.pk)
                holding.set()
                time.sleep(1.5)  # the recompute reaches the job row meanwhile
                publish(user, "jobs", events.JOB_ANALYZING, events.job_analyzing(locked))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    def recompute() -> None:
        try:
            holding.wait(10)
            services.recompute_recommendations(user)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=analysis_holding_the_job), threading.Thread(target=recompute)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert list(Recommendation.objects.filter(user=user).values_list("job_id", flat=True)) == [job.pk]
