from realtime.selectors import last_event_id


def realtime(request):
    """Pages hand the JS client the newest event id, read before the view ran
    (realtime.middleware), so it resumes after exactly what the page shows."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    mark = getattr(request, "realtime_last_event_id", None)
    return {"realtime_last_event_id": last_event_id() if mark is None else mark}
