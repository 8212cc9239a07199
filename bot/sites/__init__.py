"""Job board adapters, one module each. Add a board: write a SiteAdapter subclass and list it here."""

from __future__ import annotations

from importlib import import_module

from .base import ApplicationError, FormQuestion, JobDetails, JobRef, SiteAdapter, SiteError, SubmitResult
from .forms import FormRejected, FormResult, NeedsAnswer, NeedsHuman

# Boards the bot signs in to and searches (python -m bot --site NAME).
ADAPTERS = {
    "sandbox": "bot.sites.sandbox:SandboxAdapter",
}

# Application forms reached from a posting's URL (the scraped postings' ATS forms), and the generic
# label-based form filler (chosen by name, never by URL).
FORM_ADAPTERS = {
    "greenhouse": "bot.sites.greenhouse:GreenhouseAdapter",
    "lever": "bot.sites.lever:LeverAdapter",
    "ashby": "bot.sites.ashby:AshbyAdapter",
    "generic": "bot.sites.generic:GenericFormAdapter",
}


def get_adapter(name: str) -> type[SiteAdapter]:
    """The adapter class registered under name (ValueError lists the known ones)."""
    registry = {**ADAPTERS, **FORM_ADAPTERS}
    try:
        module_name, class_name = registry[name].split(":")
    except KeyError:
        raise ValueError(f"unknown board {name!r}; known: {', '.join(sorted(registry))}") from None
    return getattr(import_module(module_name), class_name)


def adapter_for_url(url: str) -> tuple[type[SiteAdapter], str, JobRef] | None:
    """The registered board that owns this posting URL: (adapter class, base_url, JobRef), or None."""
    for name in [*ADAPTERS, *FORM_ADAPTERS]:
        adapter_class = get_adapter(name)
        found = adapter_class.job_for_url(url)
        if found is not None:
            return adapter_class, found[0], found[1]
    return None


__all__ = ["ADAPTERS", "FORM_ADAPTERS", "ApplicationError", "FormQuestion", "FormRejected", "FormResult", "JobDetails",
           "JobRef", "NeedsAnswer", "NeedsHuman", "SiteAdapter", "SiteError", "SubmitResult", "adapter_for_url",
           "get_adapter"]
