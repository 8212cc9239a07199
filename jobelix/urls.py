"""Every app owns its routes (pages and API, full paths) in its own urls.py."""
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from jobelix import views

urlpatterns = [
    path("", views.home, name="home"),
    path("health", views.health, name="health"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include("accounts.urls")),
    path("", include("realtime.urls")),
    path("", include("sessions_app.urls")),
    path("", include("scraping.urls")),
    path("", include("submissions.urls")),
    path("", include("tracker.urls")),
    path("", include("notifications.urls")),
]

handler404 = "jobelix.views.not_found"
handler500 = "jobelix.views.server_error"
