"""Writes for accounts: profiles and API tokens."""
from __future__ import annotations

import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import ApiToken, Profile, hash_token

TOKEN_PREFIX = "jbx_"
LAST_USED_RESOLUTION = timedelta(seconds=60)


def get_or_create_profile(user) -> Profile:
    profile, _ = Profile.objects.get_or_create(user=user)
    return profile


def create_token(user, name: str, scope: str = ApiToken.Scope.BOT) -> tuple[ApiToken, str]:
    """Create a token; the raw value is returned once and never stored.

    Name and scope come validated (TokenForm, ApiTokenSerializer: the model's fields) or from our own code.
    """
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, scope=scope, prefix=raw[:12], token_hash=hash_token(raw))
    return token, raw


def revoke_token(user, token_id: int) -> bool:
    """Revoke one of the user's own tokens; False when it is not theirs or already revoked.

    The one way a token is revoked: the Tokens page, the tokens API and the admin's action.
    """
    with transaction.atomic():
        updated = ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    return bool(updated)


def authenticate_token(raw: str) -> ApiToken | None:
    """Return the active token for a raw value (and mark it used), or None."""
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=hash_token(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        # A conditional UPDATE: no write per heartbeat, no read-modify-write race.
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
