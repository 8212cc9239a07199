"""Account pages: dashboard, profile, tokens (thin; writes go through accounts.services)."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts import services
from accounts.forms import ApplyRulesForm, ProfileForm, ScreeningAnswersForm, TokenForm
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


PROFILE_SECTIONS = {"profile": ProfileForm, "rules": ApplyRulesForm, "answers": ScreeningAnswersForm}


@login_required
def profile(request):
    """Three forms on one page: the profile, the apply rules, the screening answers; the posted one is
    named by its button (section=...), the profile when none is. Notification settings post elsewhere."""
    instance = services.get_or_create_profile(request.user)
    posted = request.POST.get("section", "profile") if request.method == "POST" else None
    forms = {name: form_class(request.POST if name == posted else None, instance=instance)
             for name, form_class in PROFILE_SECTIONS.items()}
    if posted in forms and forms[posted].is_valid():
        if posted == "profile":
            services.save_profile(forms[posted])  # recomputes the skill gaps of the user's jobs
        else:
            forms[posted].save()
        messages.success(request, "Profile saved.")
        return redirect("profile")
    return render(request, "accounts/profile.html", {"form": forms["profile"], "rules_form": forms["rules"],
                                                     "answers_form": forms["answers"],
                                                     "notification_form": settings_form(request.user)})


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
