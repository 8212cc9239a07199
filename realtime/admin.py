"""Event log in the admin (read-only) and the staff broadcast form."""
from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect, render
from django.urls import path

from realtime import events, services
from realtime.models import Event


class BroadcastForm(forms.Form):
    type = forms.ChoiceField(
        choices=[(events.SYSTEM_NOTIFICATION, "Notification"), (events.SYSTEM_MAINTENANCE, "Maintenance notice")]
    )
    message = forms.CharField(max_length=500, widget=forms.Textarea(attrs={"rows": 3}))
    severity = forms.ChoiceField(choices=[(severity, severity) for severity in events.SEVERITIES])
    action_required = forms.BooleanField(required=False)


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["id", "type", "channel", "user", "created_at"]
    list_filter = ["channel", "type"]
    search_fields = ["type", "user__username"]
    readonly_fields = ["id", "user", "channel", "type", "data", "created_at"]
    change_list_template = "admin/realtime/event/change_list.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_urls(self):
        extra = [path("broadcast/", self.admin_site.admin_view(self.broadcast_view), name="realtime_broadcast")]
        return extra + super().get_urls()

    def broadcast_view(self, request):
        """Send a system.notification / system.maintenance to every connected user."""
        if not request.user.is_staff:
            return redirect("admin:login")
        form = BroadcastForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            event = services.broadcast(**form.cleaned_data)
            messages.success(request, f"Broadcast sent as event #{event.id}.")
            # Back to the form: every staff member may broadcast, not all may view the event log.
            return redirect("admin:realtime_broadcast")
        context = {**self.admin_site.each_context(request), "form": form, "title": "Broadcast to everyone",
                   "opts": self.model._meta}
        return render(request, "admin/realtime/broadcast.html", context)
