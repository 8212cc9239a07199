"""Routes of this app (pages and API, full paths); included from jobelix/urls.py."""
from django.urls import path

from sessions_app import api, views

urlpatterns = [
    path("autoapply/", views.autoapply, name="autoapply"),
    path("api/autoapply/bot/start", api.StartView.as_view(), name="bot-start"),
    path("api/autoapply/bot/heartbeat", api.HeartbeatView.as_view(), name="bot-heartbeat"),
    path("api/autoapply/bot/complete", api.CompleteView.as_view(), name="bot-complete"),
    path("api/autoapply/bot/stop", api.StopView.as_view(), name="bot-stop"),
    path("api/autoapply/bot/status", api.StatusView.as_view(), name="bot-status"),
    path("api/autoapply/bot/launch", api.LaunchView.as_view(), name="bot-launch"),
]
