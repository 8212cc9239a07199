"""Routes of notifications (full paths); included from jobelix/urls.py."""
from django.urls import path

from notifications import views

urlpatterns = [
    path("notifications/settings", views.save_settings, name="notifications-settings"),
]
