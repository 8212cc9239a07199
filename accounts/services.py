"""Writes for accounts: profiles and API tokens."""
from __future__ import annotations

import secrets
from collections.abc import Collection
from datetime import timedelta
from functools import partial
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import ApiToken, Profile, hash_token
from core.errors import ApplicationError, PermissionDenied

TOKEN_PREFIX = "jbx_"
LAST_USED_RESOLUTION = timedelta(seconds=60)


def get_or_create_profile(user) -> Profile:
    profile, _ = Profile.objects.get_or_create(user=user)
    return profile


def _match_preferences(profile: Profile) -> list[Any]:
    return [getattr(profile, name) for name in Profile.MATCH_PREFERENCE_FIELDS]


def save_profile(writer: Any) -> Profile:
    """Save a validated ProfileForm or ProfileSerializer (page and API alike). When the skills
    change, the tracker recomputes the skills gaps in the same transaction (skill_gap.updated);
    when the match preferences change (pay, workplace, places, hard filters), the user's
    recommendations are recomputed once it commits (recommendations.new / .updated)."""
    from tracker import services as tracker_services

    with transaction.atomic():
        stored = Profile.objects.select_for_update().get(pk=writer.instance.pk)
        before, preferences = list(stored.skills or []), _match_preferences(stored)
        profile = writer.save()
        if list(profile.skills or []) != before:
            tracker_services.recompute_skill_gaps(profile.user)
        if _match_preferences(profile) != preferences:
            tracker_services.request_recommendations_refresh(profile.user_id)
    return profile


def create_token(user, name: str, scope: str = ApiToken.Scope.BOT, **extra) -> tuple[ApiToken, str]:
    """Create a token; the raw value is returned once and never stored.

    Name and scope come validated (TokenForm, ApiTokenSerializer: the model's fields) or from our own code.
    """
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, scope=scope, prefix=raw[:12], token_hash=hash_token(raw), **extra
    )
    return token, raw


def create_service_token(created_by, name: str) -> tuple[ApiToken, str]:
    """Staff make a worker token for an external worker; the raw value is returned once.

    It gets its own service account (no password, no staff powers, no jobs of its own), so
    the token can reach nothing but the jobs it creates or staff assign to it, whatever
    endpoint it is shown to.
    """
    if not (created_by and created_by.is_active and created_by.is_staff):
        raise PermissionDenied("Only staff create service worker tokens.")
    name = (name or "").strip()
    max_length = ApiToken._meta.get_field("name").max_length or 0
    if not name or len(name) > max_length:
        raise ApplicationError(f"A service token needs a name of 1 to {max_length} characters.", field="name")
    with transaction.atomic():
        account = get_user_model().objects.create_user(
            username=f"service-{slugify(name)[:40] or 'worker'}-{secrets.token_hex(4)}",
            first_name=name[:150],
        )  # no password given: an unusable one, so the account never logs in
        return create_token(account, name, ApiToken.Scope.WORKER, is_service=True, created_by=created_by)


def revoke_token(user, token_id: int) -> bool:
    """Revoke one of the user's own tokens; False when it is not theirs or already revoked.

    The one way a token is revoked: the Tokens page, the tokens API and the admin's action.
    """
    with transaction.atomic():
        updated = ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if updated:  # its open WebSockets close (4401) once this commits
            transaction.on_commit(partial(credentials_lost, user.pk, token_ids=[token_id]))
    return bool(updated)


def credentials_lost(user_id: int, **lost: Any) -> None:
    """Close the user's open WebSockets that relied on what was taken away (a token, a session,
    the staff flag, the active flag): realtime.guards, in every web process."""
    from accounts.auth import forget
    from realtime import guards

    forget(lost.get("token_ids"), user_id if lost.get("inactive") else None)  # this process's token cache
    guards.notify(user_id, **lost)


def authenticate_token(raw: str) -> ApiToken | None:
    """Return the active token for a raw value (and mark it used), or None."""
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    key = hash_token(raw)
    return active_tokens([key]).get(key)


def active_tokens(hashes: Collection[str]) -> dict[str, ApiToken]:
    """The active tokens among these hashes, by hash, marked used: one query (and at most one
    UPDATE) however many, so a process re-checks every token it trusts at once (accounts.auth)."""
    found = {token.token_hash: token for token in ApiToken.objects.select_related("user").filter(
        token_hash__in=hashes, revoked_at__isnull=True, user__is_active=True)}
    now = timezone.now()
    stale = [token for token in found.values()
             if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION]
    if stale:  # at most one write per token per LAST_USED_RESOLUTION, not one per request
        ApiToken.objects.filter(pk__in=[token.pk for token in stale]).update(last_used_at=now)
        for token in stale:
            token.last_used_at = now
    return found
