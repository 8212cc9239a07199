from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import api, views

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="accounts/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("profile/", views.profile, name="profile"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:token_id>/revoke", views.revoke_token, name="token-revoke"),
    path("api/v1/profile", api.ProfileView.as_view(), name="api-profile"),
    path("api/v1/tokens", api.TokenListView.as_view(), name="api-tokens"),
    path("api/v1/tokens/<int:token_id>", api.TokenDetailView.as_view(), name="api-token-detail"),
]
