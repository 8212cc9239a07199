from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import path

from accounts import services
from accounts.models import ApiToken, Profile
from core.errors import ApplicationError


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "headline", "years_experience", "remote_preference", "updated_at"]
    search_fields = ["user__username", "user__email", "headline"]
    list_filter = ["remote_preference"]

    def save_model(self, request: HttpRequest, obj: Profile, form: forms.ModelForm, change: bool) -> None:
        """An edited profile is saved by the service, so new skills and match preferences reach the tracker."""
        if change:
            services.save_profile(form)
        else:
            super().save_model(request, obj, form, change)


TOKEN_FIELDS = (
    "user", "name", "scope", "is_service", "created_by", "prefix", "created_at", "last_used_at", "revoked_at",
)


class ServiceTokenForm(forms.ModelForm):
    """The name of a new service token (its limits are the model field's)."""

    class Meta:
        model = ApiToken
        fields = ["name"]
        help_texts = {"name": "Which worker will use it, e.g. “DirectoryBolt worker (Render)”."}


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are created on the Tokens page (shown once there); the hash is never displayed.

    Read-only here: staff revoke through accounts.services.revoke_token (the action), like their owner does,
    and create service worker tokens on their own page (accounts.services.create_service_token).
    """

    list_display = ["name", "user", "scope", "is_service", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["scope", "is_service", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix", "user__username"]
    fields = TOKEN_FIELDS
    readonly_fields = (*TOKEN_FIELDS, "token_hash")
    list_select_related = ["user"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # view only: revoking is the action below

    def get_actions(self, request):
        # Revoke, not bulk delete: a revoked token keeps its history (last use, the sessions it started).
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_revoke_permission(self, request):
        return request.user.has_perm("accounts.change_apitoken")

    def has_service_token_permission(self, request: HttpRequest) -> bool:
        return request.user.is_staff and request.user.has_perm("accounts.add_apitoken")

    @admin.action(description="Revoke selected tokens", permissions=["revoke"])
    def revoke(self, request, queryset):
        revoked = sum(
            services.revoke_token(token.user, token.pk)
            for token in queryset.filter(revoked_at__isnull=True).select_related("user")
        )
        self.message_user(request, f"{revoked} token(s) revoked.")

    def get_urls(self):
        extra = [
            path(
                "service-token/",
                self.admin_site.admin_view(self.service_token_view),
                name="accounts_apitoken_service_token",
            )
        ]
        return extra + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_make_service_tokens": self.has_service_token_permission(request)}
        return super().changelist_view(request, extra_context)

    def service_token_view(self, request: HttpRequest) -> TemplateResponse:
        """Make a service worker token; its raw value is in this response only (shown once)."""
        if not self.has_service_token_permission(request):
            raise PermissionDenied
        form = ServiceTokenForm(request.POST or None)
        created = None
        if request.method == "POST" and form.is_valid():
            try:
                token, raw = services.create_service_token(request.user, form.cleaned_data["name"])
            except ApplicationError as exc:
                form.add_error("name", exc.message)
            else:
                created = {"token": token, "raw": raw}
                form = ServiceTokenForm()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Create a service worker token",
            "form": form,
            "created": created,
        }
        return TemplateResponse(request, "admin/accounts/apitoken/service_token.html", context)
