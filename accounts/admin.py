from django.contrib import admin

from accounts import services
from accounts.models import ApiToken, Profile


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "headline", "years_experience", "remote_preference", "updated_at"]
    search_fields = ["user__username", "user__email", "headline"]
    list_filter = ["remote_preference"]


TOKEN_FIELDS = ("user", "name", "scope", "prefix", "created_at", "last_used_at", "revoked_at")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are created on the Tokens page (shown once there); the hash is never displayed.

    Read-only here: staff revoke through accounts.services.revoke_token (the action), like their owner does.
    """

    list_display = ["name", "user", "scope", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["scope", ("revoked_at", admin.EmptyFieldListFilter)]
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

    @admin.action(description="Revoke selected tokens", permissions=["revoke"])
    def revoke(self, request, queryset):
        revoked = sum(
            services.revoke_token(token.user, token.pk)
            for token in queryset.filter(revoked_at__isnull=True).select_related("user")
        )
        self.message_user(request, f"{revoked} token(s) revoked.")
