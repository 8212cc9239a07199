"""Small write helpers every tracker concern shares."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models

from core.errors import NotFound


def set_changed_fields(obj: models.Model, editable: Iterable[str], changes: dict[str, Any]) -> list[str]:
    """Set the editable fields whose value really changes; return their names (saving is the caller's)."""
    changed = [f for f in editable if f in changes and getattr(obj, f) != changes[f]]
    for field in changed:
        setattr(obj, field, changes[field])
    return changed


def delete_owned(model: type[models.Model], user, pk: int, what: str) -> None:
    """Delete one of the user's rows: a missing id and another user's id are the same 404."""
    deleted, _ = model._default_manager.filter(user=user, pk=pk).delete()
    if not deleted:
        raise NotFound(f"No such {what}.")
