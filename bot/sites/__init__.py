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


def adapter_for_url(url: str) -> tuple[type[SiteAdapter], str, JobRef] | None:
    """The registered board that owns this posting URL: (adapter class, base_url, JobRef), or None."""
    for name in ADAPTERS:
        adapter_class = get_adapter(name)
        found = adapter_class.job_for_url(url)
        if found is not None:
            return adapter_class, found[0], found[1]
    return None


__all__ = ["ADAPTERS", "ApplicationError", "FormQuestion", "JobDetails", "JobRef", "SiteAdapter", "SiteError",
           "SubmitResult", "adapter_for_url", "get_adapter"]
