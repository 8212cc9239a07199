"""Serve every ATS form replica on loopback, for the demo and for trying the bot by hand.

    python -m devtools.ats.server [--port 8811] [--demo]

Greenhouse, Lever, Ashby and the unseen form listen on four consecutive ports; the printed
JOBELIX_GREENHOUSE_URL / JOBELIX_LEVER_URL / JOBELIX_ASHBY_URL lines make the bot's
job_for_url treat those hosts as the real boards. Applications received are printed as they arrive.

With --demo (what `make run` starts), each ATS port serves several postings of the demo companies
(SharedPort), and a fifth port serves their career pages with schema.org JobPostings pointing at
those postings: devtools/demo.py adds the companies, Scraping finds the postings, the apply pipeline
fills the forms here (docs/bot.md, README's five-minute tour).
"""

from __future__ import annotations

import argparse
import copy
import html
import json
import signal
import sys
import threading
from typing import Any

from devtools.loopback import LoopbackServer, Reply, Request

from .ashby import DEFAULT_POSTING as ASHBY_POSTING
from .ashby import AshbyReplica
from .common import Replica, Submission, esc, page
from .generic_unseen import UnseenFormReplica
from .greenhouse import DEFAULT_JOB, GreenhouseReplica
from .lever import DEFAULT_POSTING as LEVER_POSTING
from .lever import LeverReplica


class SharedPort:
    """Several replicas of one ATS (one posting each) behind one port, as one board serves all its postings:
    a request goes to the first replica that knows its path. Greenhouse and Lever paths carry the posting
    id; Ashby's GraphQL calls do not, so an Ashby port holds one posting."""

    def __init__(self, replicas: list[Replica]):
        self.replicas = replicas
        self.name = replicas[0].name
        self.server: LoopbackServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None, "start() the port first"
        return self.server.url

    @property
    def received(self) -> list[Submission]:
        return [s for r in self.replicas for s in r.received]

    @property
    def rejected(self) -> list[Submission]:
        return [s for r in self.replicas for s in r.rejected]

    def posts(self) -> list[Request]:
        return [r for r in (self.server.requests if self.server else []) if r.method != "GET"]

    def start(self, port: int = 0, host: str = "127.0.0.1") -> SharedPort:
        self.server = LoopbackServer(self.handle, host=host, port=port).start()
        for replica in self.replicas:
            replica.server = self.server  # each builds its URLs from the shared server
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()

    def handle(self, request: Request) -> Reply:
        reply = Reply(404)
        for replica in self.replicas:
            reply = replica.handle(request)
            if reply.status != 404:
                return reply
        return reply

    def posting_url(self) -> str:
        return self.replicas[0].posting_url()  # type: ignore[attr-defined]

    def posting_urls(self) -> list[str]:
        return [r.posting_url() for r in self.replicas]  # type: ignore[attr-defined]


def start_all(port: int = 0, host: str = "127.0.0.1") -> dict[str, Replica]:
    """The four replicas, started (on port, port+1, ... when port is given; else free ports)."""
    replicas: dict[str, Replica] = {"greenhouse": GreenhouseReplica(), "lever": LeverReplica(),
                                    "ashby": AshbyReplica(), "generic": UnseenFormReplica()}
    for i, replica in enumerate(replicas.values()):
        replica.start(port + i if port else 0, host)
    return replicas


def postings(replicas: dict[str, Replica]) -> dict[str, str]:
    """Each replica's posting URL (what a scraped posting would point at)."""
    return {name: replica.posting_url() for name, replica in replicas.items()}  # type: ignore[attr-defined]


# -- the demo ---------------------------------------------------------------------------------------------

BACKEND = ("<p>{company} builds its platform on Python, Django, PostgreSQL, Redis and Celery.</p>"
           "<h3>What you will do</h3><ul><li>Design Django REST APIs on PostgreSQL</li>"
           "<li>Run Celery pipelines and Redis caches, shipped with Docker</li></ul>"
           "<h3>What you bring</h3><ul><li>4+ years of backend engineering in Python</li>"
           "<li>Experience with REST APIs, PostgreSQL and Celery</li></ul>")
ELSEWHERE = ("<p>{company} is hiring for its {team} team.</p><ul><li>5+ years of {skills}</li>"
             "<li>Fluent in {skills}</li></ul>")


def greenhouse_job(job_id: int, title: str, location: str, content: str) -> dict[str, Any]:
    job = copy.deepcopy(DEFAULT_JOB)
    job.update(id=job_id, internal_job_id=job_id - 1_000_000, title=title, location={"name": location},
               content=html.escape(content))
    return job


def lever_posting(posting_id: str, title: str, location: str, text: str) -> dict[str, Any]:
    posting = copy.deepcopy(LEVER_POSTING)
    posting.update(id=posting_id, text=title, description=f"<div>{text}</div>", descriptionPlain=text,
                   descriptionBody=f"<div>{text}</div>", descriptionBodyPlain=text)
    posting["categories"] = {**posting["categories"], "location": location, "allLocations": [location]}
    return posting


def demo_ports() -> dict[str, SharedPort | Replica]:
    """The demo's postings: good matches (90%+) for the demo user's profile on each ATS, the same title at the
    same company in another city (the rule skips it), a 69% match (recommended, below the 70% threshold) and
    a poor one (not recommended)."""
    acme, northwind, lumen = "Acme Analytics", "Northwind Freight", "Lumen Health"
    greenhouse = SharedPort([
        GreenhouseReplica(greenhouse_job(4012345, "Backend Engineer", "Berlin, Germany",
                                         BACKEND.format(company=acme))),
        GreenhouseReplica(greenhouse_job(4012346, "Backend Engineer", "Munich, Germany",
                                         BACKEND.format(company=acme))),
        GreenhouseReplica(greenhouse_job(4012347, "Data Scientist", "Berlin, Germany", ELSEWHERE.format(
            company=acme, team="research", skills="R, Spark, statistics and machine learning"))),
    ])
    lever = SharedPort([
        LeverReplica(lever_posting("5ac21346-8e0c-4494-8e7a-3eb92ff77902", "Senior Backend Engineer", "Berlin",
                                   "Build the services behind our tracking APIs in Python, Django, PostgreSQL, "
                                   "Celery and Redis. 4+ years of Python backend work and REST APIs."),
                     company_name=northwind),
        LeverReplica(lever_posting("6bd32457-9f1d-45a5-9f8b-4fc03aa88a13", "Software Engineer", "Berlin",
                                   "Build integrations in Java and Spring Boot with PostgreSQL and Docker; some Python "
                                   "scripting. 4+ years of Java."),  # a 69% match for the demo user: not auto-applied
                     company_name=northwind),
    ])
    ashby_posting = {**copy.deepcopy(ASHBY_POSTING), "title": "Python Developer",
                     "descriptionHtml": BACKEND.format(company=lumen),
                     "descriptionPlain": "Python, Django, PostgreSQL, Redis, Celery, REST APIs."}
    ashby = AshbyReplica(ashby_posting, company=lumen)
    return {"greenhouse": greenhouse, "lever": lever, "ashby": ashby, "generic": UnseenFormReplica()}


class CareerPages:
    """The demo companies' own career pages: schema.org JobPostings (JSON-LD) whose url is the posting on
    the ATS port, as companies embed their Greenhouse/Lever/Ashby jobs. /careers/<slug>."""

    def __init__(self, ports: dict[str, SharedPort | Replica]):
        self.ports = ports
        self.server: LoopbackServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return self.server.url

    def start(self, port: int = 0, host: str = "127.0.0.1") -> CareerPages:
        self.server = LoopbackServer(self.handle, host=host, port=port).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()

    def companies(self) -> dict[str, tuple[str, list[dict[str, Any]]]]:
        """slug -> (company name, its JobPostings)."""
        out: dict[str, tuple[str, list[dict[str, Any]]]] = {}
        for port in self.ports.values():
            for replica in port.replicas if isinstance(port, SharedPort) else [port]:
                if isinstance(replica, UnseenFormReplica):
                    continue  # the generic adapter is never chosen by URL: not a scraped posting
                name, title, location, text = _describe(replica)
                slug = name.split()[0].lower()
                out.setdefault(slug, (name, []))[1].append({
                    "@context": "https://schema.org", "@type": "JobPosting", "title": title,
                    "identifier": {"@type": "PropertyValue", "value": replica.posting_url()},  # type: ignore[attr-defined]
                    "url": replica.posting_url(), "description": text,  # type: ignore[attr-defined]
                    "hiringOrganization": {"@type": "Organization", "name": name},
                    "jobLocation": {"@type": "Place", "address": {"@type": "PostalAddress",
                                                                  "addressLocality": location}},
                    "datePosted": "2026-09-01", "employmentType": "FULL_TIME"})
        return out

    def handle(self, request: Request) -> Reply:
        slug = request.path.rstrip("/").removeprefix("/careers/")
        found = self.companies().get(slug)
        if request.path == "/robots.txt":
            return Reply.text("User-agent: *\nAllow: /\n")
        if found is None:
            return Reply.html(page("Not found", "<h1>Not found</h1>"), 404)
        name, jobs = found
        ld = "".join('<script type="application/ld+json">' + json.dumps(job).replace("</", "<\\/") + "</script>"
                     for job in jobs)
        items = "".join(f'<li><a href="{esc(job["url"])}">{esc(job["title"])}</a></li>' for job in jobs)
        return Reply.html(page(f"Careers at {name}", f"<h1>Careers at {esc(name)}</h1><ul>{items}</ul>{ld}"))


def _describe(replica: Replica) -> tuple[str, str, str, str]:
    """(company, title, location, description text) of a replica's posting."""
    if isinstance(replica, GreenhouseReplica):
        return (replica.company, replica.job["title"], replica.job["location"]["name"],
                html.unescape(replica.job.get("content", "")))
    if isinstance(replica, LeverReplica):
        p = replica.posting
        return replica.company_name, p["text"], p["categories"]["location"], p["descriptionPlain"]
    if isinstance(replica, AshbyReplica):
        p = replica.posting
        return replica.company, p["title"], p["location"], p["descriptionHtml"]
    raise TypeError(type(replica).__name__)


def start_demo(port: int, host: str = "127.0.0.1") -> tuple[dict[str, SharedPort | Replica], CareerPages]:
    """The demo's ATS ports (port .. port+3, as start_all) and the career pages (port+4)."""
    ports = demo_ports()
    for i, served in enumerate(ports.values()):
        served.start(port + i if port else 0, host)
    return ports, CareerPages(ports).start(port + len(ports) if port else 0, host)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.ats.server", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8811, help="first of four ports (default 8811)")
    parser.add_argument("--demo", action="store_true",
                        help="several postings per ATS and the demo companies' career pages on a fifth port")
    args = parser.parse_args(argv)
    careers = None
    if args.demo:
        served, careers = start_demo(args.port, args.host)
    else:
        served = dict(start_all(args.port, args.host))
    for name, replica in served.items():
        urls = replica.posting_urls() if isinstance(replica, SharedPort) else [replica.posting_url()]  # type: ignore[attr-defined]
        for url in urls:
            print(f"{name:10} {url}", flush=True)
    if careers is not None:
        for slug, (company, _) in careers.companies().items():
            print(f"careers    {careers.url}/careers/{slug}  ({company})", flush=True)
    for name in ("greenhouse", "lever", "ashby"):
        print(f"JOBELIX_{name.upper()}_URL={served[name].url}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    seen = dict.fromkeys(served, 0)
    try:
        while not stop.wait(0.5):
            for name, replica in served.items():
                for submission in replica.received[seen[name]:]:
                    print(f"[{name}] application received: {submission.answers}", flush=True)
                seen[name] = len(replica.received)
    except KeyboardInterrupt:
        pass
    finally:
        for replica in served.values():
            replica.stop()
        if careers is not None:
            careers.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
