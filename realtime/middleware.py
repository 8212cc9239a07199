"""Note the newest event id before a page's view reads anything.

A page renders its state and hands the JS client an event id to resume after. If
that id were read at template render (after the view's queries), an event committed
in between would be neither in the page nor replayed. Read before the view instead.
"""
from realtime.selectors import last_event_id

NOT_PAGES = ("/api/", "/static/", "/admin/", "/health")


class LastEventIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.method in ("GET", "HEAD")
            and not request.path.startswith(NOT_PAGES)
            and request.user.is_authenticated
        ):
            request.realtime_last_event_id = last_event_id()
        return self.get_response(request)
