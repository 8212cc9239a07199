from realtime.selectors import last_event_id


def realtime(request):
    """Pages render their state with the id of the newest event, so the JS client resumes after it."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    return {"realtime_last_event_id": last_event_id()}
