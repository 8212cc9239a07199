"""The notification settings (shown on the profile page, saved here)."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from notifications import services
from notifications.forms import NotificationSettingsForm


def settings_form(user) -> NotificationSettingsForm:
    """The unbound form the profile page includes (templates/notifications/_settings.html)."""
    return NotificationSettingsForm(instance=services.settings_for(user), user=user)


@login_required
@require_POST
def save_settings(request: HttpRequest) -> HttpResponse:
    form = NotificationSettingsForm(request.POST, instance=services.settings_for(request.user), user=request.user)
    if form.is_valid():
        services.save_settings(request.user, {name: form.cleaned_data[name] for name in form.fields})
        messages.success(request, "Notification settings saved.")
    else:
        errors = " ".join(f"{form.fields[name].label if name in form.fields else ''}: {' '.join(str(m) for m in msgs)}"
                          for name, msgs in form.errors.items())
        messages.error(request, f"Notification settings not saved: {errors}")
    return HttpResponseRedirect(reverse("profile") + "#notifications")
