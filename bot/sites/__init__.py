"""Job board adapters, one module each. Add a board: write a SiteAdapter subclass and list it here."""

from __future__ import annotations

from importlib import import_module

from .base import ApplicationError, FormQuestion, JobDetails, JobRef, SiteAdapter, SiteError, SubmitResult

ADAPTERS = {
    "sandbox": "bot.sites.sandbox:SandboxAdapter",
}


def get_adapter(name: str) -> type[SiteAdapter]:
    """The adapter class registered under name (ValueError lists the known ones)."""
    try:
        module_name, class_name = ADAPTERS[name].split(":")
    except KeyError:
        raise ValueError(f"unknown board {name!r}; known: {', '.join(sorted(ADAPTERS))}") from None
    return getattr(import_module(module_name), class_name)


__all__ = ["ADAPTERS", "ApplicationError", "FormQuestion", "JobDetails", "JobRef", "SiteAdapter", "SiteError",
           "SubmitResult", "get_adapter"]
