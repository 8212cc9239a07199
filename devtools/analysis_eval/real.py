"""The real labelled set: public postings stored in their source's reply shape
(tests/fixtures/real_postings/<source>/<name>.json, or .html for JSON-LD pages),
read through the same parsers the scraper runs on an API reply or a page
(scraping.sources.*), so the analysis sees what it sees in production: the
sanitised description HTML (headings kept) with the plain text as fallback.

`manifest.json` says where each posting comes from; `labels.json` holds the
labels, made by reading each posting (skills, which are nice-to-have, years).
"""
from __future__ import annotations

import json
from pathlib import Path

from scraping.sources import ashby, greenhouse, jsonld, lever
from scraping.sources.base import NormalizedJob

from . import LabelledJob

REAL_POSTINGS = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "real_postings"


def parse_fixture(path: Path, source: str, page_url: str = "") -> list[NormalizedJob]:
    """Run one stored reply (or page) through its source's parser."""
    text = path.read_text(encoding="utf-8")
    if source == "jsonld":
        return jsonld.parse(text, page_url)
    parser = {"greenhouse": greenhouse.parse, "lever": lever.parse, "ashby": ashby.parse}[source]
    return parser(json.loads(text))


def load_real_postings(directory: str | Path = REAL_POSTINGS, html: bool = True) -> list[LabelledJob]:
    """Every labelled real posting, parsed; a fixture that parses to no posting is an error.

    `html=False` feeds the plain-text description instead (what the analysis read
    before it was given the sanitised HTML), to show what the headings are worth.
    """
    root = Path(directory)
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    labels = json.loads((root / "labels.json").read_text(encoding="utf-8"))
    jobs: list[LabelledJob] = []
    for entry in manifest["postings"]:
        name = entry["name"]
        label = labels[name]
        parsed = parse_fixture(root / entry["file"], entry["source"], entry.get("page_url", ""))
        if len(parsed) != 1:
            raise ValueError(f"{entry['file']}: expected one posting, parsed {len(parsed)}")
        job = parsed[0]
        jobs.append(LabelledJob(
            name=name, title=job.title, company=entry.get("company", ""), location=job.location,
            description=(job.description_html if html else "") or job.description, skills=set(label["skills"]),
            nice_to_have=set(label.get("nice_to_have", [])), years=label.get("years", "none"),
        ))
    return jobs
