"""The sandbox board behaves like a small real board: login, search with paging, forms, failures, records."""

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from bot.sandbox import DEMO_EMAIL, DEMO_PASSWORD

REPO = Path(__file__).resolve().parents[2]
PDF = b"%PDF-1.4\n% tiny test pdf\n" + b"0" * 500 + b"\n%%EOF\n"


def login(board) -> requests.Session:
    s = requests.Session()
    r = s.post(f"{board.url}/login", data={"email": DEMO_EMAIL, "password": DEMO_PASSWORD, "next": "/jobs"})
    assert r.status_code == 200 and "Search jobs" in r.text
    return s


def valid_answers() -> dict:
    return {"job_id": "1001", "full_name": "Ada Lovelace", "email": "ada@example.com", "years_experience": "6",
            "work_authorization": "yes", "salary": "120000", "start_date": "Within 2 weeks",
            "motivation": "I like dashboards."}


def test_pages_need_login_and_wrong_password_is_refused(sandbox_board):
    r = requests.get(f"{sandbox_board.url}/jobs/1001", allow_redirects=False)
    assert r.status_code == 303 and r.headers["Location"].startswith("/login?next=")
    r = requests.post(f"{sandbox_board.url}/login", data={"email": DEMO_EMAIL, "password": "nope"})
    assert r.status_code == 401 and "Invalid email or password." in r.text


def test_search_filters_by_keywords_and_location_and_pages(sandbox_board):
    s = login(sandbox_board)
    page1 = s.get(f"{sandbox_board.url}/jobs", params={"q": "backend engineer", "location": "Remote"}).text
    assert 'data-count="8"' in page1
    assert re.findall(r'data-job-id="(\d+)"', page1) == ["1001", "1003", "1004", "1005", "1008"]
    next_href = re.search(r'class="next-page" rel="next" href="([^"]+)"', page1).group(1)
    page2 = s.get(sandbox_board.url + next_href.replace("&amp;", "&")).text
    assert re.findall(r'data-job-id="(\d+)"', page2) == ["1013", "1015", "1016"]
    assert "next-page" not in page2
    berlin = s.get(f"{sandbox_board.url}/jobs", params={"q": "python", "location": "Berlin"}).text
    assert re.findall(r'data-job-id="(\d+)"', berlin) == ["1002", "1009"]


def test_job_page_shows_description_and_skills(sandbox_board):
    page = login(sandbox_board).get(f"{sandbox_board.url}/jobs/1013").text
    assert "Cyberdyne Systems" in page and "Backend Engineer" in page
    assert re.findall(r'<li class="skill">([^<]+)</li>', page) == ["Python", "Django", "PostgreSQL", "Redis", "Docker"]


def test_form_has_every_question_kind(sandbox_board):
    form = login(sandbox_board).get(f"{sandbox_board.url}/jobs/1002/apply").text
    kinds = set(re.findall(r'data-kind="(\w+)"', form))
    assert {"text", "email", "number", "yesno", "file"} <= kinds
    assert "Are you willing to relocate to Berlin?" in form
    assert "How many years of experience do you have with Python?" in form
    select_form = login(sandbox_board).get(f"{sandbox_board.url}/jobs/1013/apply").text
    assert 'data-kind="select"' in select_form and 'data-kind="textarea"' in select_form


def test_incomplete_application_is_refused_with_the_reasons(sandbox_board):
    s = login(sandbox_board)
    r = s.post(f"{sandbox_board.url}/jobs/1001/apply", data={"full_name": "Ada"},
               files={"resume": ("cv.txt", b"plain text", "text/plain")})
    assert r.status_code == 400
    assert "Resume (PDF): the file must be a PDF." in r.text
    assert "Email address: this field is required." in r.text
    state = requests.get(f"{sandbox_board.url}/api/applications").json()
    assert state["applications"] == [] and len(state["rejected"]) == 1


def test_valid_application_is_recorded_with_the_uploaded_file(sandbox_board):
    s = login(sandbox_board)
    r = s.post(f"{sandbox_board.url}/jobs/1001/apply", data=valid_answers(),
               files={"resume": ("ada-acme.pdf", PDF, "application/pdf")})
    assert r.status_code == 200 and 'id="confirmation"' in r.text and "A-0001" in r.text
    [app] = requests.get(f"{sandbox_board.url}/api/applications").json()["applications"]
    assert app["job_id"] == 1001 and app["account"] == DEMO_EMAIL
    assert app["resume"] == {"filename": "ada-acme.pdf", "size": len(PDF), "content_type": "application/pdf",
                             "is_pdf": True}
    assert app["answers"]["start_date"] == "Within 2 weeks"


def test_closed_requisition_always_fails_on_submit(sandbox_board):
    s = login(sandbox_board)
    answers = {**valid_answers(), "job_id": "1004", "work_arrangement": "Remote"}
    answers.pop("motivation")
    r = s.post(f"{sandbox_board.url}/jobs/1004/apply", data=answers,
               files={"resume": ("cv.pdf", PDF, "application/pdf")})
    assert r.status_code == 422 and "no longer accepting applications" in r.text
    assert requests.get(f"{sandbox_board.url}/api/applications").json()["applications"] == []


def test_reset_clears_the_records(sandbox_board):
    s = login(sandbox_board)
    s.post(f"{sandbox_board.url}/jobs/1001/apply", data=valid_answers(),
           files={"resume": ("cv.pdf", PDF, "application/pdf")})
    assert len(sandbox_board.applications()) == 1
    requests.post(f"{sandbox_board.url}/api/reset")
    assert sandbox_board.applications() == []


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_python_m_bot_sandbox_serves_the_board():
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "bot.sandbox", "--port", str(port)], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert f"http://127.0.0.1:{port}" in proc.stdout.readline()
        deadline = time.monotonic() + 10
        while True:
            try:
                r = requests.get(f"http://127.0.0.1:{port}/api/jobs", timeout=2)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "sandbox did not start"
                time.sleep(0.1)
        assert len(r.json()["jobs"]) == 16
    finally:
        proc.terminate()
        proc.wait(timeout=10)
