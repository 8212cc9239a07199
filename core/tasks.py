"""Celery tasks of core: thin wrappers, named "core.<function>"."""
from core import dispatch
from jobelix.celery import app


@app.task(name="core.redispatch_pending")
def redispatch_pending() -> int:
    """Beat task (every minute): send work whose dispatch after commit failed (core.dispatch)."""
    return dispatch.redispatch_pending()
