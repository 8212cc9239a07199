"""Account pages: dashboard, profile, tokens (thin; writes go through accounts.services)."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts import services
from accounts.forms import ProfileForm, TokenForm
from notifications.views import settings_form
from realtime.selectors import recent_events

DASHBOARD_CHANNELS = [
    "jobs", "applications", "recommendations", "skills", "followups", "interviews", "system", "bot", "submissions",
]


@login_required
def dashboard(request):
    """Profile summary and the activity feed: recent events rendered at load, then live ones."""
    context = {
        "profile": services.get_or_create_profile(request.user),
        "channels": DASHBOARD_CHANNELS,
        # Up to the id the client resumes after (realtime.middleware), so none shows twice.
        "recent_events": recent_events(
            request.user.id, DASHBOARD_CHANNELS, up_to=getattr(request, "realtime_last_event_id", None)
        ),
    }
    return render(request, "accounts/dashboard.html", context)


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=services.get_or_create_profile(request.user))
    if request.method == "POST" and form.is_valid():
        services.save_profile(form)
        messages.success(request, "Profile saved.")
        return redirect("profile")
    return render(request, "accounts/profile.html", {"form": form, "notification_form": settings_form(request.user)})


@login_required
def tokens(request):
    """Create (POST) or list tokens. A new token is rendered in this response only: shown once."""
    created = None
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token, raw = services.create_token(request.user, form.cleaned_data["name"], form.cleaned_data["scope"])
        created = {"token": token, "raw": raw}
        form = TokenForm()
    return render(
        request, "accounts/tokens.html",
        {"form": form, "created": created, "tokens": request.user.api_tokens.all()},
    )


@login_required
@require_POST
def revoke_token(request, token_id: int):
    if services.revoke_token(request.user, token_id):
        messages.success(request, "Token revoked.")
    else:
        messages.error(request, "No such active token.")
    return redirect("tokens")
