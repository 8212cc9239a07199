"""The auto-apply page: server-rendered state, then live through static/js/realtime.js."""
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from sessions_app import activities, launch, selectors


@login_required
def autoapply(request):
    """The status card and 24 h history. The activity registry and the initial
    state go to the JS as json_script (the JS keeps no copy of the registry)."""
    return render(request, "sessions_app/autoapply.html", {
        "bot_status": selectors.status_for(request.user),
        "bot_activities": activities.registry_for_client(),
        "launch_enabled": launch.launch_enabled(),
        "stale_after_seconds": settings.BOT_SESSION_STALE_AFTER_SECONDS,
    })
