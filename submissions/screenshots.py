"""Screenshots of filled and sent application forms: private files, one folder per user.

They live under settings.SUBMISSIONS_SCREENSHOT_DIR, which is not a static or media root: the only
way to them is ``response_for`` behind a view that checked the row belongs to the asker. Rows keep
the path relative to that folder.
"""
from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404


def root() -> Path:
    return Path(settings.SUBMISSIONS_SCREENSHOT_DIR)


def path_for(owner_id: int, submission_id: object, attempt: int, kind: str) -> Path:
    """Where the applier writes this attempt's screenshot (kind: review | sent)."""
    return root() / str(int(owner_id)) / f"{submission_id}-{int(attempt)}-{kind}.png"


def relative(path: str | Path | None) -> str:
    """The path as stored on a row ("" when there is none, or it is not under the folder)."""
    if not path:
        return ""
    try:
        return str(Path(path).resolve().relative_to(root().resolve()))
    except ValueError:
        return ""


def response_for(stored: str) -> FileResponse:
    """The stored screenshot as a private PNG response; 404 when missing (or outside the folder)."""
    base = root().resolve()
    path = (base / stored).resolve() if stored else base
    if not stored or base not in path.parents or not path.is_file():
        raise Http404("No screenshot.")
    response = FileResponse(path.open("rb"), content_type="image/png")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
