"""`{{ value|safe_url }}`: an outside link fit for `href`, or "" (the template then shows text only).

Links from scraped boards, workers and users are checked where they are stored,
but rows stored by older versions (or written around the services) are not:
every template re-checks the scheme when it renders (core.urls.safe_http_url).
"""
from __future__ import annotations

from django import template

from core.urls import safe_http_url

register = template.Library()


@register.filter(name="safe_url")
def safe_url(value: object) -> str:
    """The cleaned http(s) URL, or "" for anything else. Not marked safe: autoescape still applies."""
    return safe_http_url(value) or ""
