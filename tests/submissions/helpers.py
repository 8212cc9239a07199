"""Small helpers shared by the submissions tests."""
UPDATE_URL = "/api/worker/update-progress"


def post_update(client, **body):
    """POST one progress update through the real endpoint (DRF test client)."""
    return client.post(UPDATE_URL, body, format="json")


def events_of(user, type_=None):
    """Events stored for this user on channel submissions, oldest first."""
    from realtime.models import Event

    events = Event.objects.filter(user=user, channel="submissions").order_by("id")
    if type_:
        events = events.filter(type=type_)
    return list(events)


def job_starts(on_commit_callbacks):
    """The on-commit callbacks that queue the apply worker (the others send events)."""
    return [c for c in on_commit_callbacks if "start_job" in c.__qualname__]
