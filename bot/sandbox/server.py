"""A sandbox job board on loopback, so the bot can be run and tested end to end
without touching a real board (no account bans, no network).

Server-rendered HTML from the standard library's ThreadingHTTPServer. It has a
demo login, keyword/location search with paging, job pages, application forms
(text, number, select, yes/no and a PDF upload), deterministic failures, and a
JSON endpoint `/api/applications` that tells tests exactly what was received.
"""

from __future__ import annotations

import html
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.parser import BytesParser
from email.policy import HTTP
from http import HTTPStatus
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

from ..http_client import iso
from .jobs import DEMO_EMAIL, DEMO_PASSWORD, FAIL_ON_SUBMIT, JOBS, JOBS_BY_ID, SLOW_APPLY, SandboxJob, search

COOKIE = "sandbox_session"
MAX_BODY = 5 * 1024 * 1024
MAX_RESUME = 2 * 1024 * 1024
CLOSED_MESSAGE = "This position is no longer accepting applications (requisition closed)."

STYLE = """
body{font-family:system-ui,sans-serif;max-width:60rem;margin:0 auto;padding:1rem;color:#1d2330}
header{display:flex;gap:1rem;align-items:center;border-bottom:1px solid #ddd;margin-bottom:1rem}
header h1{font-size:1.2rem;margin-right:auto}
.job-card{border:1px solid #ddd;border-radius:6px;padding:.6rem;margin:.4rem 0;list-style:none}
.company{font-weight:600}.location{color:#555}
.question{margin:.8rem 0;border:0;padding:0}.question label,.question legend{display:block;font-weight:600}
.form-error{background:#fdecea;border:1px solid #e0b4b4;padding:.6rem;border-radius:6px}
#confirmation{background:#e8f5e9;border:1px solid #a5d6a7;padding:.8rem;border-radius:6px}
input[type=text],input[type=email],input[type=number],input[type=password],select,textarea{width:100%;max-width:32rem;padding:.3rem}
textarea{height:6rem}
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


@dataclass
class BoardState:
    """Everything the board remembers, in memory, shared by the request threads."""

    slow_seconds: float = 2.0
    page_size: int = 5
    page_delay: float = 0.0  # added to every job and form page (demos you can watch, stop tests)
    sessions: dict[str, str] = field(default_factory=dict)
    applications: list[dict] = field(default_factory=list)
    rejected: list[dict] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        with self.lock:
            self.applications.clear()
            self.rejected.clear()

    def snapshot(self) -> dict:
        with self.lock:
            return {
                "applications": [dict(a) for a in self.applications],
                "rejected": [dict(r) for r in self.rejected],
            }


class BoardHandler(BaseHTTPRequestHandler):
    server_version = "SandboxBoard/1.0"
    state: BoardState  # set on the subclass made by make_server

    # -- plumbing -----------------------------------------------------------
    def log_message(self, format: str, *args) -> None:  # quiet: tests and the bot print enough
        pass

    def _send(self, status: int, body: str | bytes, content_type: str = "text/html; charset=utf-8",
              headers: dict[str, str] | None = None) -> None:
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _json(self, status: int, payload: object) -> None:
        self._send(status, json.dumps(payload, indent=1), "application/json")

    def _redirect(self, location: str, headers: dict[str, str] | None = None) -> None:
        self._send(HTTPStatus.SEE_OTHER, "", headers={"Location": location, **(headers or {})})

    def _page(self, title: str, body: str, status: int = 200) -> None:
        account = self._account()
        nav = (f'<span id="account">{_e(account)}</span> <a href="/logout" id="logout">Log out</a>'
               if account else '<a href="/login" id="login-link">Log in</a>')
        self._send(status, f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{_e(title)} · Sandbox Jobs</title>
<style>{STYLE}</style></head>
<body><header><h1><a href="/">Sandbox Jobs</a></h1><a href="/jobs">Search jobs</a> {nav}</header>
<main>{body}</main></body></html>""")

    def _account(self) -> str | None:
        cookie = SimpleCookie(self.headers.get("Cookie", ""))
        morsel = cookie.get(COOKIE)
        if not morsel:
            return None
        with self.state.lock:
            return self.state.sessions.get(morsel.value)

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise ValueError("request body too large")
        return self.rfile.read(length) if length else b""

    # -- routing ------------------------------------------------------------
    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        parts = [p for p in url.path.split("/") if p]
        if url.path == "/":
            return self._home()
        if url.path == "/healthz":
            return self._json(200, {"ok": True})
        if url.path == "/login":
            return self._login_form(query.get("next", "/jobs"))
        if url.path == "/logout":
            return self._logout()
        if url.path == "/api/applications":
            return self._json(200, self.state.snapshot())
        if url.path == "/api/jobs":
            return self._json(200, {"jobs": [job_json(j) for j in JOBS]})
        if parts[:1] == ["jobs"]:
            if not self._account():
                return self._redirect("/login?" + urlencode({"next": self.path}))
            if self.state.page_delay > 0:
                time.sleep(self.state.page_delay)
            if len(parts) == 1:
                return self._search(query)
            job = _job_from(parts[1])
            if job is None:
                return self._page("Not found", "<p>No such job.</p>", 404)
            if len(parts) == 2:
                return self._job_page(job)
            if len(parts) == 3 and parts[2] == "apply":
                if job.behaviour == SLOW_APPLY:
                    time.sleep(self.state.slow_seconds)
                return self._apply_form(job)
        self._page("Not found", "<p>Page not found.</p>", 404)

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        parts = [p for p in url.path.split("/") if p]
        try:
            body = self._read_body()
        except ValueError as exc:
            return self._page("Too large", f'<div class="form-error">{_e(exc)}</div>', 413)
        if url.path == "/login":
            return self._login(body)
        if url.path == "/api/reset":
            self.state.reset()
            return self._json(200, {"ok": True})
        if len(parts) == 3 and parts[0] == "jobs" and parts[2] == "apply":
            account = self._account()
            if not account:
                return self._redirect("/login")
            job = _job_from(parts[1])
            if job is None:
                return self._page("Not found", "<p>No such job.</p>", 404)
            return self._submit(job, account, body)
        self._page("Not found", "<p>Page not found.</p>", 404)

    # -- pages --------------------------------------------------------------
    def _home(self) -> None:
        self._page("Home", f"""<h2>Welcome to the sandbox job board</h2>
<p>A practice board for the Jobelix bot. Demo account: <code>{_e(DEMO_EMAIL)}</code> /
<code>{_e(DEMO_PASSWORD)}</code>.</p><p><a href="/jobs">Search {len(JOBS)} jobs</a></p>""")

    def _login_form(self, next_url: str, error: str = "", status: int = 200) -> None:
        err = f'<div class="form-error" role="alert">{_e(error)}</div>' if error else ""
        self._page("Log in", f"""<h2>Log in</h2>{err}
<form id="login-form" method="post" action="/login">
<input type="hidden" name="next" value="{_e(next_url)}">
<p><label for="email">Email</label><input id="email" name="email" type="email" autocomplete="username"></p>
<p><label for="password">Password</label><input id="password" name="password" type="password"></p>
<button id="login-button" type="submit">Log in</button></form>""", status)

    def _login(self, body: bytes) -> None:
        form = {k: v[-1] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        email = form.get("email", "").strip().lower()
        next_url = form.get("next", "/jobs")
        if not next_url.startswith("/") or next_url.startswith("//"):
            next_url = "/jobs"
        if email != DEMO_EMAIL or form.get("password", "") != DEMO_PASSWORD:
            return self._login_form(next_url, "Invalid email or password.", 401)
        token = secrets.token_urlsafe(16)
        with self.state.lock:
            self.state.sessions[token] = email
        self._redirect(next_url, {"Set-Cookie": f"{COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax"})

    def _logout(self) -> None:
        self._redirect("/", {"Set-Cookie": f"{COOKIE}=; Path=/; Max-Age=0"})

    def _search(self, query: dict[str, str]) -> None:
        q, location = query.get("q", ""), query.get("location", "")
        try:
            page = max(1, int(query.get("page", "1")))
        except ValueError:
            page = 1
        found = search(q, location)
        size = self.state.page_size
        shown = found[(page - 1) * size: page * size]
        cards = "".join(
            f'<li class="job-card" data-job-id="{j.id}"><a class="job-link" href="/jobs/{j.id}">{_e(j.title)}</a>'
            f' · <span class="company">{_e(j.company)}</span> · <span class="location">{_e(j.location)}</span></li>'
            for j in shown
        )
        pager = ""
        if page > 1:
            pager += f'<a class="prev-page" rel="prev" href="/jobs?{urlencode({"q": q, "location": location, "page": page - 1})}">Previous</a> '
        if page * size < len(found):
            pager += f'<a class="next-page" rel="next" href="/jobs?{urlencode({"q": q, "location": location, "page": page + 1})}">Next</a>'
        self._page("Search", f"""<h2>Search jobs</h2>
<form id="search-form" method="get" action="/jobs">
<input name="q" id="search-q" placeholder="Keywords" value="{_e(q)}">
<input name="location" id="search-location" placeholder="Location or Remote" value="{_e(location)}">
<button id="search-button" type="submit">Search</button></form>
<p id="result-count" data-count="{len(found)}">{len(found)} jobs · page {page}</p>
<ul id="results">{cards}</ul><nav class="pager">{pager}</nav>""")

    def _job_page(self, job: SandboxJob) -> None:
        skills = "".join(f'<li class="skill">{_e(s)}</li>' for s in job.skills)
        self._page(job.title, f"""<article id="job" data-job-id="{job.id}">
<h2 class="job-title">{_e(job.title)}</h2>
<p class="company">{_e(job.company)}</p><p class="location">{_e(job.location)}</p>
<p class="salary">{_e(job.salary)}</p><p class="employment-type">{_e(job.employment_type)}</p>
<section class="description"><p>{_e(job.description)}</p></section>
<h3>Skills</h3><ul class="skills">{skills}</ul>
<a id="apply-button" href="/jobs/{job.id}/apply">Apply now</a></article>""")

    def _apply_form(self, job: SandboxJob, errors: list[str] | None = None,
                    values: dict[str, str] | None = None, status: int = 200) -> None:
        values = values or {}
        fields = "".join(_render_question(q, values.get(q.name, "")) for q in job.form())
        err = ""
        if errors:
            items = "".join(f"<li>{_e(e)}</li>" for e in errors)
            err = f'<div class="form-error" role="alert"><ul>{items}</ul></div>'
        self._page(f"Apply: {job.title}", f"""<h2>Apply to {_e(job.title)} at {_e(job.company)}</h2>{err}
<form id="application-form" method="post" action="/jobs/{job.id}/apply" enctype="multipart/form-data">
<input type="hidden" name="job_id" value="{job.id}">{fields}
<button id="submit-application" type="submit">Submit application</button></form>""", status)

    def _submit(self, job: SandboxJob, account: str, body: bytes) -> None:
        values, files = _parse_multipart(self.headers.get("Content-Type", ""), body)
        errors = _validate(job, values, files)
        if not errors and job.behaviour == FAIL_ON_SUBMIT:
            errors = [CLOSED_MESSAGE]
            status = HTTPStatus.UNPROCESSABLE_ENTITY
        else:
            status = HTTPStatus.BAD_REQUEST
        resume = files.get("resume")
        resume_info = ({"filename": resume[0], "size": len(resume[1]), "content_type": resume[2],
                        "is_pdf": resume[1].startswith(b"%PDF")} if resume else None)
        record = {
            "job_id": job.id, "job_title": job.title, "company": job.company, "account": account,
            "answers": {k: v for k, v in values.items() if k != "job_id"}, "resume": resume_info,
            "at": iso(datetime.now(UTC)),
        }
        with self.state.lock:
            if errors:
                self.state.rejected.append({**record, "errors": errors})
            else:
                record["id"] = f"A-{len(self.state.applications) + 1:04d}"
                self.state.applications.append(record)
        if errors:
            return self._apply_form(job, errors, values, status)
        self._page("Application received", f"""<div id="confirmation" data-application-id="{record['id']}">
<h2>Application received</h2><p>Thanks! {_e(job.company)} received your application for {_e(job.title)}.
Reference <strong class="application-id">{record['id']}</strong>.</p></div>
<p><a href="/jobs">Back to search</a></p>""")


def _job_from(raw: str) -> SandboxJob | None:
    try:
        return JOBS_BY_ID.get(int(raw))
    except ValueError:
        return None


def job_json(job: SandboxJob) -> dict:
    return {"id": job.id, "title": job.title, "company": job.company, "location": job.location,
            "remote": job.remote, "skills": list(job.skills), "behaviour": job.behaviour}


def _render_question(q, value: str) -> str:
    star = " *" if q.required else ""
    attrs = f'class="question" data-name="{_e(q.name)}" data-kind="{_e(q.kind)}" data-required="{str(q.required).lower()}"'
    qid = f"q-{q.name}"
    if q.kind == "yesno":
        radios = "".join(
            f'<label><input type="radio" name="{_e(q.name)}" value="{v}"{" checked" if value == v else ""}> {v.title()}</label>'
            for v in ("yes", "no")
        )
        return f'<fieldset {attrs}><legend class="question-label">{_e(q.label)}{star}</legend>{radios}</fieldset>'
    label = f'<label class="question-label" for="{qid}">{_e(q.label)}{star}</label>'
    if q.kind == "select":
        options = '<option value="">Choose…</option>' + "".join(
            f'<option value="{_e(o)}"{" selected" if value == o else ""}>{_e(o)}</option>' for o in q.options
        )
        control = f'<select id="{qid}" name="{_e(q.name)}">{options}</select>'
    elif q.kind == "textarea":
        control = f'<textarea id="{qid}" name="{_e(q.name)}">{_e(value)}</textarea>'
    elif q.kind == "file":
        control = f'<input id="{qid}" name="{_e(q.name)}" type="file" accept="application/pdf,.pdf">'
    else:
        input_type = {"number": "number", "email": "email"}.get(q.kind, "text")
        control = f'<input id="{qid}" name="{_e(q.name)}" type="{input_type}" value="{_e(value)}">'
    return f"<div {attrs}>{label}{control}</div>"


def _parse_multipart(content_type: str, body: bytes) -> tuple[dict[str, str], dict[str, tuple[str, bytes, str]]]:
    """Fields and files of a multipart/form-data body (the cgi module is gone from newer Pythons)."""
    values: dict[str, str] = {}
    files: dict[str, tuple[str, bytes, str]] = {}
    if "multipart/form-data" not in content_type:
        for key, vals in parse_qs(body.decode("utf-8", "replace")).items():
            values[key] = vals[-1]
        return values, files
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\nMIME-Version: 1.0\r\n\r\n" + body
    )
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        payload = part.get_payload(decode=True) or b""
        assert isinstance(payload, bytes)  # decode=True gives bytes for a non-multipart part
        name = str(name)
        filename = part.get_filename()
        if filename is not None:
            if filename or payload:
                files[name] = (filename, payload, part.get_content_type())
        else:
            values[name] = payload.decode(part.get_content_charset() or "utf-8", "replace")
    return values, files


def _validate(job: SandboxJob, values: dict[str, str], files: dict) -> list[str]:
    errors = []
    for q in job.form():
        if q.kind == "file":
            upload = files.get(q.name)
            if not upload or not upload[1]:
                if q.required:
                    errors.append(f"{q.label}: please attach a file.")
                continue
            if not upload[1].startswith(b"%PDF"):
                errors.append(f"{q.label}: the file must be a PDF.")
            elif len(upload[1]) > MAX_RESUME:
                errors.append(f"{q.label}: the file is larger than 2 MB.")
            continue
        value = values.get(q.name, "").strip()
        if not value:
            if q.required:
                errors.append(f"{q.label}: this field is required.")
            continue
        if q.kind == "number":
            try:
                if float(value) < 0:
                    raise ValueError
            except ValueError:
                errors.append(f"{q.label}: enter a number.")
        elif q.kind == "email" and "@" not in value:
            errors.append(f"{q.label}: enter a valid email address.")
        elif q.kind == "yesno" and value not in ("yes", "no"):
            errors.append(f"{q.label}: answer yes or no.")
        elif q.kind == "select" and value not in q.options:
            errors.append(f"{q.label}: choose one of the options.")
    return errors


class SandboxBoard:
    """A running board: `url`, `state`, `applications()`, `close()`. Serves from a daemon thread."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, slow_seconds: float = 2.0, page_size: int = 5,
                 page_delay: float = 0.0):
        self.state = BoardState(slow_seconds=slow_seconds, page_size=page_size, page_delay=page_delay)
        handler = type("BoundBoardHandler", (BoardHandler,), {"state": self.state})
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self.host, self.port = str(self.httpd.server_address[0]), int(self.httpd.server_address[1])
        self.url = f"http://{self.host}:{self.port}"
        self._thread: threading.Thread | None = None

    def start(self) -> SandboxBoard:
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="sandbox-board", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.httpd.serve_forever()

    def applications(self) -> list[dict]:
        return self.state.snapshot()["applications"]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> SandboxBoard:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()
