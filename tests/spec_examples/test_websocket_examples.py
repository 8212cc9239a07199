"""The WebSocket spec's example clients (specs/websocket-api.md), run as written against a real daphne.

Each example is kept verbatim in a tests/spec_examples/ws_*.{mjs,py,sh} file (its header says which
section it comes from and which lines are glue). Here it is copied to a scratch directory with
only the server, the user and a token substituted in the spec's URLs (`&token=<token>` appended
to the spec's query string), run with node (>= 22: the browser's WebSocket API) or python, and
fed real events through the real server: jobs and applications created over HTTP, analysed by a
real Celery worker. The test asserts what the example printed and that it exited cleanly.

`user_id`: the spec's placeholders (user123, test, extension) become the test user's numeric id
(user_id_of): the server refuses a user_id other than one's own id with 4403 (a branch that
accepts the username is on its way; then user_id_of may return user.username).

None of these clients answers `system.ping` with a pong; every run here is far shorter than the
server's REALTIME_PING_TIMEOUT (90 s), so none depends on the ping interval.
"""
from __future__ import annotations

import ast
import json
import os
import queue
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from accounts.models import Profile
from tests import support
from tests.conftest import Daphne, child_env
from tests.session_auth import session_headers
from tests.spec_examples.paths import EXAMPLES_PATH
from tests.spec_examples.test_worker_examples import need

HERE = Path(__file__).resolve().parent
SPEC_WS_URL = re.compile(r"ws://localhost:8000/api/v1/ws\?([^'\"`\s]*)")
JOB = {"company": "Globex", "job_title": "Backend Engineer",
       "job_description": "## Requirements\n- Python, Django and PostgreSQL\n## Nice to have\n- Kubernetes",
       "job_url": "https://jobs.example.com/globex/7", "location": "Remote", "source": "linkedin"}
WS_ENV = {"WS_ALLOW_QUERY_TOKEN": "1"}  # query-string tokens on (the spec's clients cannot set headers)

pytestmark = pytest.mark.django_db(transaction=True)


def user_id_of(user: Any) -> str:
    """What replaces the spec's user_id placeholders (see the module docstring)."""
    return str(user.pk)


@pytest.fixture(scope="module")
def ws_server(django_db_setup, django_db_blocker, process_dir) -> Iterator[Daphne]:
    """A daphne of its own with WS_ALLOW_QUERY_TOKEN=1 (the spec's clients pass the token in the URL)."""
    from jobelix.embedded import free_port

    port = free_port()
    cmd = [sys.executable, "-m", "jobelix.serve", "-b", "127.0.0.1", "-p", str(port), "jobelix.asgi:application"]
    with django_db_blocker.unblock():
        server = Daphne("daphne-spec-ws", cmd, child_env(**WS_ENV), process_dir, port=port).start()
    yield server
    server.stop()


def rebase(text: str, server: Daphne, token: str, user_id: str) -> str:
    """The spec's ws://localhost:8000/api/v1/ws?... URLs pointed at `server`, its user_id placeholder
    made the test user's, `&token=` appended; every such URL must be there (no stale copy passes)."""
    def url(match: re.Match[str]) -> str:
        query = re.sub(r"(^|&)user_id=[^&]*", rf"\g<1>user_id={user_id}", match.group(1))
        return f"{server.ws_url}?{query}&token={token}"

    rebased, count = SPEC_WS_URL.subn(url, text)
    assert count, "the example no longer contains the spec's ws://localhost:8000 URL"
    return rebased


def substitute(text: str, replacements: dict[str, str]) -> str:
    for placeholder, value in replacements.items():
        assert placeholder in text, f"the example no longer contains {placeholder!r}"
        text = text.replace(placeholder, value)
    return text


class Example:
    """One example running in a scratch directory; its stdout is read line by line as it comes.
    Closing its standard input stands for the user closing the page (see each script's glue)."""

    def __init__(self, command: list[str], cwd: Path, env: dict[str, str] | None = None) -> None:
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self.stderr_path = cwd / "stderr.txt"
        self._stderr = open(self.stderr_path, "w")
        self.proc = subprocess.Popen(
            command, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr, text=True,
            env={"PATH": EXAMPLES_PATH, "HOME": str(cwd), "PYTHONUNBUFFERED": "1", "PYTHONIOENCODING": "utf-8",
                 **(env or {})},
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))
            self._queue.put(line)
        self._queue.put(None)

    @property
    def output(self) -> str:
        return "\n".join(self.lines) + "\n--- stderr ---\n" + self.stderr_path.read_text(errors="replace")

    def wait_for(self, predicate: Callable[[str], bool], timeout: float = 30.0, after: int = 0) -> int:
        """Index of the first line (from `after` on) that matches; fails with the output so far."""
        deadline = time.monotonic() + timeout
        seen = after
        while True:
            for index in range(seen, len(self.lines)):
                if predicate(self.lines[index]):
                    return index
            seen = max(seen, len(self.lines))
            remaining = deadline - time.monotonic()
            if remaining <= 0 or (self.proc.poll() is not None and self._queue.empty() and seen == len(self.lines)):
                raise AssertionError(f"no such line within {timeout}s:\n{self.output}")
            try:
                self._queue.get(timeout=min(remaining, 0.2))
            except queue.Empty:
                pass

    def handled(self, type_: str, timeout: float = 30.0, predicate: Callable[[dict], bool] | None = None) -> dict:
        """The first message of this type the example's stand-in handler printed (HANDLED <json>)."""
        def matches(line: str) -> bool:
            if not line.startswith("HANDLED "):
                return False
            message = json.loads(line[len("HANDLED "):])
            return message.get("type") == type_ and (predicate is None or predicate(message))

        return json.loads(self.lines[self.wait_for(matches, timeout)][len("HANDLED "):])

    def type(self, line: str) -> None:
        """A line typed on the example's standard input (wscat sends it)."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def json_lines(self, prefix: str) -> list[dict[str, Any]]:
        return [json.loads(line[len(prefix):]) for line in self.lines if line.startswith(prefix)]

    def finish(self, timeout: float = 30.0) -> int:
        """Close stdin (the user leaves) or just wait; the exit code, once it exited by itself."""
        try:
            if self.proc.stdin and not self.proc.stdin.closed:
                self.proc.stdin.close()
        except BrokenPipeError:
            pass
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            raise AssertionError(f"the example did not exit within {timeout}s:\n{self.output}") from None
        self._read_to_end()
        return code

    def _read_to_end(self) -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self._queue.get() is None:
                return

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._stderr.close()


@pytest.fixture
def run_example(tmp_path: Path) -> Iterator[Callable[..., Example]]:
    """run_example(name, command_prefix, text_transform, env=...) -> a running Example (killed at teardown)."""
    started: list[Example] = []

    def run(name: str, interpreter: list[str], transform: Callable[[str], str], env: dict[str, str] | None = None,
            extra_files: tuple[str, ...] = ("ws_console.mjs",)) -> Example:
        for extra in extra_files:
            (tmp_path / extra).write_text((HERE / extra).read_text(encoding="utf-8"), encoding="utf-8")
        (tmp_path / name).write_text(transform((HERE / name).read_text(encoding="utf-8")), encoding="utf-8")
        example = Example([*interpreter, name], tmp_path, env)
        started.append(example)
        return example

    yield run
    for example in started:
        example.stop()


class Api:
    """The server's HTTP API as the user's bot uses it (a bot token)."""

    def __init__(self, server: Daphne, token: str) -> None:
        self.server, self.headers = server, {"Authorization": f"Bearer {token}"}

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = requests.post(f"{self.server.url}{path}", json=body, headers=self.headers, timeout=30)
        assert response.status_code < 400, response.text
        return response.json()

    def save_job(self, **changes: str) -> int:
        return self.post("/api/v1/jobs", {**JOB, **changes})["id"]


@pytest.fixture
def profile(user) -> Profile:
    """Alice's profile, so the analysis of JOB is a clear "apply_now"."""
    return Profile.objects.create(user=user, skills=["Python", "Django", "Postgres"],
                                  desired_titles=["Backend Engineer"], remote_preference="remote", years_experience=5)


@pytest.fixture
def token(user, make_token) -> str:
    return make_token(user)


def node() -> list[str]:
    return [need("node")]


# --- Connection Setup > Basic Connection --------------------------------------------------------

def test_basic_connection_javascript(ws_server, celery_worker, run_example, user, profile, token):
    example = run_example("ws_basic_connection.mjs", node(),
                          lambda text: rebase(text, ws_server, token, user_id_of(user)))
    example.wait_for(lambda line: line == "WebSocket connected")
    welcome = example.handled("system.connected")  # the channels are joined: events reach it from now on
    assert welcome["data"]["user_id"] == str(user.pk) and welcome["data"]["channels"] == ["jobs", "applications"]

    api = Api(ws_server, token)
    job_id = api.save_job()
    created = example.handled("job.created")
    assert created["data"] == {"job_id": job_id, "company": "Globex", "job_title": "Backend Engineer",
                               "location": "Remote", "source": "linkedin"}
    analyzed = example.handled("job.analyzed")["data"]
    assert analyzed["job_id"] == job_id and analyzed["recommendation"] == "apply_now"
    application = api.post("/api/v1/applications", {"job_id": job_id})
    api.post(f"/api/v1/applications/{application['id']}/status", {"status": "applied"})
    changed = example.handled("application.status_changed")["data"]
    assert (changed["job_id"], changed["old_status"], changed["new_status"]) == (job_id, "saved", "applied")
    # The spec's onmessage logs each message before handing it on.
    logged = [line for line in example.lines if line.startswith("Received: { id: ")]
    assert any(f"type: 'job.created', channel: 'jobs', data: {{ job_id: {job_id}," in line for line in logged)
    assert any("type: 'application.status_changed'" in line for line in logged)

    assert example.finish() == 0, example.output
    assert example.lines[-1] == "WebSocket closed: 1000 ", example.output  # a normal close, by ws.close()
    assert "WebSocket error" not in example.output
    support.wait_until_idle(celery_worker)


def test_python_client(ws_server, celery_worker, run_example, user, profile, token):
    example = run_example("ws_python_client.py", [sys.executable],
                          lambda text: rebase(text, ws_server, token, user_id_of(user)),
                          env={"SPEC_LAST_EVENT": "application.status_changed"}, extra_files=())
    example.wait_for(lambda line: line == "Connected to WebSocket")
    welcome = example.handled("system.connected")
    assert welcome["data"]["user_id"] == str(user.pk) and welcome["data"]["channels"] == ["jobs", "applications"]

    api = Api(ws_server, token)
    job_id = api.save_job()
    analyzed = example.handled("job.analyzed")["data"]
    assert analyzed["job_id"] == job_id and analyzed["match_score"] >= 80
    application = api.post("/api/v1/applications", {"job_id": job_id})
    api.post(f"/api/v1/applications/{application['id']}/status", {"status": "applied"})

    assert example.finish() == 0, example.output  # its handler ends the run after status_changed
    received = [ast.literal_eval(line[len("Received: "):]) for line in example.lines if line.startswith("Received: ")]
    types = [message["type"] for message in received]
    assert types[0] == "system.connected"
    assert types.index("job.created") < types.index("job.analyzing") < types.index("job.analyzed")
    assert types[-1] == "application.status_changed" and "application.updated" in types
    assert received[-1]["data"]["new_status"] == "applied"
    assert example.stderr_path.read_text() == ""
    support.wait_until_idle(celery_worker)


# --- Best Practices > 1. Implement Reconnection Logic -------------------------------------------

def test_websocket_manager_reconnects_after_a_server_restart(start_daphne, celery_worker, run_example, user,
                                                             profile, token):
    server = start_daphne(**WS_ENV)
    example = run_example("ws_manager.mjs", node(), lambda text: rebase(text, server, token, user_id_of(user)))
    example.wait_for(lambda line: line == "Connected")

    api = Api(server, token)
    first = api.save_job()
    example.wait_for(lambda line: line.startswith(f"Job analyzed: {{ job_id: {first}, match_score: "))

    server.restart()  # the connection drops; the manager reconnects after reconnectDelay (3 s)
    down = example.wait_for(lambda line: line == "Disconnected")
    assert example.lines[down + 1] == "Reconnecting... (attempt 1)", example.output
    again = example.wait_for(lambda line: line == "Connected", after=down, timeout=60)  # 3 s, then 6 s more...
    # Connected again: a job saved now is analysed and its event reaches the new socket.
    second = api.save_job(job_url="https://jobs.example.com/globex/8")
    example.wait_for(lambda line: line.startswith(f"Job analyzed: {{ job_id: {second}, match_score: "), after=again)

    assert example.finish() == 0, example.output
    assert example.lines[-1] == "Disconnected", example.output
    assert "Max reconnection attempts reached" in example.stderr_path.read_text()  # how the glue stops it
    analyzed = [line for line in example.lines if line.startswith("Job analyzed:")]
    assert len(analyzed) == 2, example.output  # only job.analyzed has a handler: nothing else is printed
    support.wait_until_idle(celery_worker)


# --- Client Implementation Examples > Chrome Extension Background Script ------------------------

def test_chrome_extension_background_script(ws_server, celery_worker, run_example, user, profile, token):
    example = run_example("ws_extension_background.mjs", node(),
                          lambda text: rebase(text, ws_server, token, user_id_of(user)))
    example.wait_for(lambda line: line == "Extension WebSocket connected")
    example.wait_for(lambda line: line.startswith("CHROME runtime.sendMessage") and "system.connected" in line)
    api = Api(ws_server, token)
    job_id = api.save_job()
    application = api.post("/api/v1/applications", {"job_id": job_id})
    api.post(f"/api/v1/applications/{application['id']}/status", {"status": "applied"})
    for type_ in ("application.status_changed", "job.analyzed"):
        example.wait_for(lambda line, t=type_: line.startswith("CHROME runtime.sendMessage") and f'"type":"{t}"' in line)
    analyzed = next(m["data"] for (m,) in example.json_lines("CHROME runtime.sendMessage ")
                    if m["data"]["type"] == "job.analyzed")["data"]
    assert analyzed["job_id"] == job_id

    assert example.finish() == 0, example.output
    calls = [line.split(" ", 2)[1:] for line in example.lines if line.startswith("CHROME ")]
    calls = [(api_call, json.loads(args)) for api_call, args in calls]
    assert calls[:2] == [("action.setBadgeText", [{"text": ""}]),
                         ("action.setBadgeBackgroundColor", [{"color": "#00FF00"}])]
    notified = calls.index(("notifications.create", [{
        "type": "basic", "iconUrl": "icon.png", "title": "Job Analyzed",
        "message": f"Match score: {analyzed['match_score']}%"}]))
    assert calls[notified + 1] == ("action.setBadgeText", [{"text": "NEW"}])
    assert [c for c in calls if c[0] == "notifications.create"] == [calls[notified]]  # one job analysed
    broadcast = [args[0]["data"]["type"] for name, args in calls if name == "runtime.sendMessage"]
    assert broadcast[0] == "system.connected"
    assert {"job.created", "job.analyzed", "application.updated", "application.status_changed"} <= set(broadcast)
    assert all(args[0]["type"] == "websocket_event" for name, args in calls if name == "runtime.sendMessage")
    # The extension is unloaded: the spec's onclose ran (badge "!") and its reconnect was cancelled.
    assert example.lines[-3:] == ["WebSocket closed, reconnecting...",
                                  'CHROME action.setBadgeText [{"text":"!"}]',
                                  'CHROME action.setBadgeBackgroundColor [{"color":"#FF0000"}]'], example.output
    support.wait_until_idle(celery_worker)


# --- Testing WebSocket Connection ---------------------------------------------------------------

def test_wscat(ws_server, celery_worker, run_example, user, profile, token):
    example = run_example("ws_wscat.sh", [need("sh")], lambda text: rebase(text, ws_server, token, user_id_of(user)),
                          env={"PATH": EXAMPLES_PATH + os.pathsep + str(HERE / "shims")})
    example.wait_for(lambda line: line.startswith("< ") and "system.connected" in line)
    welcome = example.json_lines("< ")[0]
    assert welcome["type"] == "system.connected" and welcome["data"]["channels"] == ["jobs"]
    assert welcome["data"]["connection_id"].startswith("conn_")

    example.type('{"action":"subscribe","channel":"applications"}')
    example.wait_for(lambda line: line.startswith("< ") and "system.subscribed" in line)
    api = Api(ws_server, token)
    job_id = api.save_job()
    application = api.post("/api/v1/applications", {"job_id": job_id})
    api.post(f"/api/v1/applications/{application['id']}/status", {"status": "applied"})
    example.wait_for(lambda line: line.startswith("< ") and "application.status_changed" in line)
    example.wait_for(lambda line: line.startswith("< ") and "job.analyzed" in line)

    assert example.finish() == 0, example.output
    received = example.json_lines("< ")
    subscribed = next(m for m in received if m["type"] == "system.subscribed")
    assert subscribed["data"]["channel"] == "applications" and subscribed["data"]["subscriber_count"] >= 1
    analyzed = next(m for m in received if m["type"] == "job.analyzed")
    assert analyzed["channel"] == "jobs" and analyzed["data"]["job_id"] == job_id
    assert not [m for m in received if m["type"] == "system.error"]
    assert example.lines[-1].startswith("Disconnected (code: 1000"), example.output
    support.wait_until_idle(celery_worker)


def test_browser_console(ws_server, celery_worker, run_example, user, token):
    example = run_example("ws_browser_console.mjs", node(),
                          lambda text: substitute(rebase(text, ws_server, token, user_id_of(user)),
                                                  {"http://localhost:8000": ws_server.url}),
                          env={"SPEC_TOKEN": token})
    fetched = example.wait_for(lambda line: line.startswith("FETCH "))
    status, body = example.lines[fetched].split(" ", 2)[1:]
    assert status == "201", example.output
    job_id = json.loads(body)["id"]
    # "Watch console for job.created and job.analyzed events"
    example.wait_for(lambda line: line.startswith("Message: ") and "type: 'job.analyzed'" in line)

    assert example.finish() == 0, example.output
    assert example.lines[0] == "Connected" and example.lines[-1] == "Closed", example.output
    messages = [line for line in example.lines if line.startswith("Message: ")]
    assert "type: 'system.connected'" in messages[0]
    created = next(line for line in messages if "type: 'job.created'" in line)
    assert (f"data: {{ job_id: {job_id}, company: 'Test Corp', job_title: 'Test Engineer', "
            "location: 'Test City', source: 'test' }") in created
    assert any(f"type: 'job.analyzed', channel: 'jobs', data: {{ job_id: {job_id}, match_score: " in line
               for line in messages)
    assert "Error:" not in example.output
    support.wait_until_idle(celery_worker)


# --- Channel Subscription -----------------------------------------------------------------------

def test_channel_subscription_snippets(ws_server, celery_worker, run_example, user, token):
    example = run_example("ws_channel_subscription.mjs", node(),
                          lambda text: rebase(text, ws_server, token, user_id_of(user)))
    example.handled("system.channels")  # the last of the snippets' replies
    welcome = example.handled("system.connected")
    assert welcome["data"]["channels"] == ["jobs", "applications", "interviews"]
    subscribed = example.handled("system.subscribed")["data"]
    assert subscribed["channel"] == "recommendations" and subscribed["subscriber_count"] >= 1
    assert example.handled("system.unsubscribed")["data"] == {"channel": "recommendations"}
    assert example.handled("system.channels")["data"] == {"channels": ["jobs", "applications", "interviews"]}

    # Subscribed on connection to interviews: an interview scheduled now reaches it.
    api = Api(ws_server, token)
    application = api.post("/api/v1/applications", {"job_id": api.save_job()})
    response = requests.post(f"{ws_server.url}/api/v1/interviews", headers=session_headers(user), timeout=30, json={
        "application_id": application["id"], "interview_type": "technical", "scheduled_date": "2031-05-01T15:00:00Z"})
    assert response.status_code == 201, response.text
    scheduled = example.handled("interview.scheduled")
    assert scheduled["channel"] == "interviews" and scheduled["data"]["interview_id"] == response.json()["id"]

    assert example.finish() == 0, example.output
    assert example.lines[-1] == "CLOSED 1000", example.output
    handled = [json.loads(line[len("HANDLED "):]) for line in example.lines if line.startswith("HANDLED ")]
    assert not [m for m in handled if m["type"] == "system.error"]  # the pong was accepted too
    assert not [m for m in handled if m["channel"] == "recommendations"]
    support.wait_until_idle(celery_worker)


# --- Best Practices > 5. Implement Heartbeat Monitoring -----------------------------------------

def test_heartbeat_monitoring_answers_every_ping(start_daphne, celery_worker, run_example, user, token):
    """The one example that answers system.ping: on a server pinging every second that wants a pong
    within 3 s, it stays connected well past 3 s and still gets events."""
    server = start_daphne(**WS_ENV, REALTIME_PING_INTERVAL=1, REALTIME_PING_TIMEOUT=3)
    example = run_example("ws_heartbeat.mjs", node(), lambda text: rebase(text, server, token, user_id_of(user)))
    example.handled("system.connected")
    pong = 'SENT {"action":"pong"}'
    fifth = -1
    for _ in range(5):  # five pings answered: five seconds, past the 3 s the server waits for a pong
        fifth = example.wait_for(lambda line: line == pong, after=fifth + 1)
    assert not any(line.startswith("CLOSED") for line in example.lines[:fifth]), example.output

    job_id = Api(server, token).save_job()
    assert example.handled("job.created")["data"]["job_id"] == job_id

    assert example.finish() == 0, example.output
    assert example.lines[-1] == "CLOSED 1000", example.output
    handled = example.json_lines("HANDLED ")
    assert not [m for m in handled if m["type"] in ("system.ping", "system.error")]  # pings are answered, not handled
    support.wait_until_idle(celery_worker)
