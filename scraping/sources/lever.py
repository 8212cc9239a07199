"""Lever postings API: GET {LEVER_API_BASE}/v0/postings/{site}?mode=json.

Answer: a bare JSON array of postings with id, text (the title), categories
{location, commitment, team, department, allLocations}, workplaceType,
description (HTML) / descriptionPlain, lists [{text, content}], additional,
hostedUrl, applyUrl and createdAt (epoch ms).
"""
from __future__ import annotations

import html
from urllib.parse import quote

from django.conf import settings

from .base import NormalizedJob, SourceError, clean_inline, html_to_text, looks_remote, parse_datetime

SOURCE = "lever"


def board_url(site: str) -> str:
    base = str(settings.LEVER_API_BASE).rstrip("/")
    return f"{base}/v0/postings/{quote(site.strip(), safe='')}"


def parse(payload) -> list[NormalizedJob]:
    if not isinstance(payload, list):
        raise SourceError("Lever answer is not a list of postings")
    return [_posting(raw) for raw in payload if isinstance(raw, dict) and raw.get("id")]


def _description_html(raw: dict) -> str:
    """The whole posting body: description, each titled list, then the closing text."""
    parts = [raw.get("description") or ""]
    if not parts[0] and raw.get("descriptionPlain"):
        parts[0] = "<p>" + html.escape(raw["descriptionPlain"]) + "</p>"
    for item in raw.get("lists") or []:
        if not isinstance(item, dict):
            continue
        if item.get("text"):
            parts.append(f"<h3>{html.escape(item['text'])}</h3>")
        content = item.get("content") or ""
        parts.append(f"<ul>{content}</ul>" if "<li" in content and "<ul" not in content else content)
    parts.append(raw.get("additional") or "")
    return "\n".join(p for p in parts if p)


def _posting(raw: dict) -> NormalizedJob:
    categories = raw.get("categories") or {}
    location = clean_inline(categories.get("location"))
    workplace = (raw.get("workplaceType") or "").lower()
    remote = workplace == "remote" if workplace in ("remote", "on-site", "hybrid") else looks_remote(location)
    hosted = raw.get("hostedUrl") or ""
    return NormalizedJob(
        external_id=str(raw["id"]),
        title=clean_inline(raw.get("text")),
        location=location,
        remote=remote,
        department=clean_inline(categories.get("department") or categories.get("team")),
        url=hosted,
        apply_url=raw.get("applyUrl") or hosted,
        description=html_to_text(_description_html(raw)),
        posted_at=parse_datetime(raw.get("createdAt")),
    )


async def fetch(fetcher, site: str) -> list[NormalizedJob]:
    return parse(await fetcher.get_json(board_url(site), params={"mode": "json"}))
