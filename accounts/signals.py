"""What takes a credential away outside accounts.services: a logout (Django's view), an edit of
the user in the admin (staff or active flag removed). Their open WebSockets close
(accounts.services.credentials_lost -> realtime.guards), once the change commits."""
from functools import partial
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_out
from django.db import transaction
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from accounts.services import credentials_lost

POWER_FIELDS = ("is_staff", "is_active")


@receiver(user_logged_out, dispatch_uid="accounts.close_sockets_on_logout")
def close_sockets_on_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """The session is flushed right after this signal: the sockets opened with it close (4401)."""
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if user is not None and session_key:
        transaction.on_commit(partial(credentials_lost, user.pk, session_key=session_key))


@receiver(pre_save, sender=get_user_model(), dispatch_uid="accounts.remember_powers")
def remember_powers(sender: Any, instance: Any, update_fields: Any = None, **kwargs: Any) -> None:
    """Note the flags before the save (skipped for saves that cannot change them, e.g. last_login)."""
    instance._powers_before = None
    if instance.pk is None or (update_fields is not None and not set(update_fields) & set(POWER_FIELDS)):
        return
    instance._powers_before = sender.objects.filter(pk=instance.pk).values_list(*POWER_FIELDS).first()


@receiver(post_save, sender=get_user_model(), dispatch_uid="accounts.close_sockets_on_lost_powers")
def close_sockets_on_lost_powers(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    before = getattr(instance, "_powers_before", None)
    if created or before is None:
        return
    was_staff, was_active = before
    lost = {}
    if was_staff and not instance.is_staff:
        lost["staff_lost"] = True
    if was_active and not instance.is_active:
        lost["inactive"] = True
    if lost:
        transaction.on_commit(partial(credentials_lost, instance.pk, **lost))
