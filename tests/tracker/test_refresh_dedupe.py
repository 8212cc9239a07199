"""POST /api/v1/recommendations/refresh is one at a time per user (issue 12, item 3).

A refresh while one is queued or running queues nothing more (the answer is the same
202); the mark is a Redis key with a TTL, cleared by the task when it ends.
"""
import pytest
import redis
from django.conf import settings

from core.models import DispatchIntent
from tracker import services, tasks

pytestmark = pytest.mark.django_db

TASK = "tracker.recompute_recommendations_for_user"


def queued_for(user) -> int:
    return DispatchIntent.objects.filter(task=TASK, args=[user.pk, True]).count()


def refresh(api_client, user):
    api_client.force_authenticate(user)
    answer = api_client.post("/api/v1/recommendations/refresh")
    assert (answer.status_code, answer.json()) == (202, {"queued": True})


def test_a_second_refresh_while_one_is_queued_queues_nothing(api_client, user, other_user):
    mark = f"{settings.REDIS_PREFIX}:tracker:refresh-queued:{user.pk}"
    client = redis.Redis.from_url(settings.REDIS_URL)
    try:
        refresh(api_client, user)
        refresh(api_client, user)
        refresh(api_client, user)
        assert queued_for(user) == 1
        assert 0 < client.ttl(mark) <= settings.TRACKER_REFRESH_DEDUPE_SECONDS  # a lost task frees it

        refresh(api_client, other_user)  # one at a time per user, not for everyone
        assert queued_for(other_user) == 1

        tasks.recompute_recommendations_for_user(user.pk, True)  # the task body, as the worker runs it
        assert not client.exists(mark)
        refresh(api_client, user)
        assert queued_for(user) == 2

        tasks.recompute_recommendations_for_user(user.pk)  # a recompute nobody requested leaves the mark
        refresh(api_client, user)
        assert queued_for(user) == 2
    finally:
        services.recommendations_refresh_done(user.pk)
        services.recommendations_refresh_done(other_user.pk)
        client.close()
