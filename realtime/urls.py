from django.urls import path

from realtime import api

urlpatterns = [path("api/v1/events", api.EventsView.as_view(), name="api-events")]
