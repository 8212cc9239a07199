"""A time budget for one analysis, checked between steps.

Celery's soft time limit only works in the prefork pool; `make run` and the tests
run workers with threads, where nothing interrupts a task. So the analysis checks
the clock itself, between lines, clauses and skill mentions (parsing is linear
time, so no single step is long), and gives up with AnalysisTimeout once the
budget the caller set is spent. No budget set (the default): no check.

    with time_budget(60):
        requirements = extract_requirements(description)
"""
from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_deadline: ContextVar[float | None] = ContextVar("analysis_deadline", default=None)


class AnalysisTimeout(Exception):
    """The analysis used up its time budget (the posting is too big or too hostile)."""


@contextmanager
def time_budget(seconds: float | None) -> Iterator[None]:
    """Analyses run inside give up after `seconds` (None or <= 0: no limit). Per thread."""
    deadline = time.monotonic() + seconds if seconds and seconds > 0 else None
    token = _deadline.set(deadline)
    try:
        yield
    finally:
        _deadline.reset(token)


def check_budget() -> None:
    """Raise AnalysisTimeout if the current budget is spent."""
    deadline = _deadline.get()
    if deadline is not None and time.monotonic() > deadline:
        raise AnalysisTimeout("The analysis took too long and was stopped.")
