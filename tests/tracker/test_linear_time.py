"""Hostile text is read in linear time (issue 12, item 3).

A job description posted with a bot token, or a career page on the internet, is
written by a stranger. Before, `[ \\t]+\\n` rescanned a run of spaces from each of its
characters (100 kB: 12.5 s with the worker stalled), html.parser rescanned the rest of
the page for every tag that never closed, and a page full of "Go" compared every
mention with every other one. For each adversarial input, ten times the input may
take at most MAX_RATIO times as long (linear: about 10x; quadratic: about 100x).

Timing on a busy machine (time.perf_counter): the two sizes are timed alternately,
each measurement repeats the call until it lasts long enough to be measured, the
garbage collector is off while timing, and the ratio is the median of three rounds.
A ratio over the limit is measured once more before the test fails: another
process taking the CPU during one round can push a linear reader past 20x once,
not twice; a quadratic one is 40-100x every time.
Sizes: 10 kB -> 100 kB for nested tags; 20 kB -> 200 kB for the HTML readers whose
work is a few C-level scans (at 10 kB those fit in the CPU cache and 100 kB does not,
which alone moves the ratio); job text goes through the whole analysis, whose skill
matching costs microseconds a character, so it uses 5 kB -> 50 kB (1 kB -> 10 kB for a
page of skill mentions) to keep the file under 10 s.
"""
from __future__ import annotations

import gc
import json
import time
from collections.abc import Callable

import pytest

from scraping.sources import jsonld
from scraping.sources.base import html_to_text
from tracker.analysis import extract_requirements
from tracker.analysis.extraction import detect_work_mode, parse_experience
from tracker.analysis.text import segment, to_plain_text

MAX_RATIO = 20
MEASURE_SECONDS = 0.03  # one measurement repeats the call at least this long


def rep(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def read_job_text(text: str) -> None:
    """Every regex on job text: plain text, clauses, years of experience, work mode."""
    plain = to_plain_text(text)
    parse_experience(plain, segment(plain))
    detect_work_mode("", plain)


def analyse(text: str) -> None:
    extract_requirements(text, "Backend Engineer", "Remote")


def career_page(text: str) -> None:
    jsonld.parse(text, "https://careers.example.com/")


def ld_description(text: str) -> None:
    posting = {"@type": "JobPosting", "title": "Engineer", "description": text}
    jsonld.parse(f'<script type="application/ld+json">{json.dumps(posting)}</script>', "https://careers.example.com/")


CASES: list[tuple[str, Callable[[str], None], Callable[[int], str], int]] = [
    # job text (tracker.analysis): the reported case and its relatives
    ("spaces, then a word", read_job_text, lambda n: rep(" ", n) + "x", 5_000),
    ("spaces and tabs, then a word", read_job_text, lambda n: rep(" \t", n) + "Python", 5_000),
    ("whitespace-then-newline runs", read_job_text, lambda n: rep(" " * 200 + "\t\n", n), 5_000),
    ("punctuation runs", read_job_text, lambda n: rep("!?.,;:-*#()", n), 5_000),
    ("one huge word", read_job_text, lambda n: rep("a", n), 5_000),
    ("a number, then spaces", read_job_text, lambda n: "5" + rep(" ", n) + "years", 5_000),
    ("lead-ins, then spaces", read_job_text, lambda n: "- **Nice to have" + rep(" ", n) + "x", 5_000),
    ("optional asides in one clause", read_job_text, lambda n: rep("(a plus)", n), 5_000),
    ("unclosed tags in a description", read_job_text, lambda n: "<p>x</p>" + rep("<p <li ", n), 5_000),
    ("spaces, full analysis", analyse, lambda n: rep(" ", n) + "Python", 5_000),
    ("skill mentions in one clause", analyse, lambda n: rep("Go, R, C ", n), 1_000),
    # scraped HTML (scraping.sources)
    ("deeply nested tags", html_to_text, lambda n: rep("<div><ul><li>", n), 10_000),
    ("tags that never close", html_to_text, lambda n: rep("<ax", n), 20_000),
    ("attributes that never close", html_to_text, lambda n: "<p>x</p>" + rep('<a b="', n), 20_000),
    ("comments that never close", html_to_text, lambda n: "<p>x</p>" + rep("<!--", n), 20_000),
    ("end-tag openers", html_to_text, lambda n: "<p>x</p>" + rep("</", n), 20_000),
    ("escaped markup, then spaces", html_to_text, lambda n: "&lt;" + rep(" ", n) + "&gt;", 20_000),
    ("career page: tags that never close", career_page, lambda n: rep("<ax", n), 20_000),
    ("career page: script openers", career_page, lambda n: rep("<script>", n), 20_000),
    ("career page: deeply nested tags", career_page, lambda n: rep("<div>", n), 10_000),
    ("JSON-LD description: spaces", ld_description, lambda n: rep(" ", n) + "x", 20_000),
]


def seconds_per_call(fn: Callable[[str], None], text: str) -> float:
    calls, start = 0, time.perf_counter()
    while True:
        fn(text)
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= MEASURE_SECONDS:
            return elapsed / calls


def median_ratio(fn: Callable[[str], None], short: str, long: str) -> tuple[float, float, float]:
    """(median of three rounds' large/small ratio, seconds per short call, per long call)."""
    rounds = []
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(3):
            small, large = seconds_per_call(fn, short), seconds_per_call(fn, long)
            rounds.append((large / small, small, large))
    finally:
        if gc_was_enabled:
            gc.enable()
    return sorted(rounds)[1]


@pytest.mark.parametrize("name, fn, make, small", CASES, ids=[case[0] for case in CASES])
def test_ten_times_the_input_takes_at_most_twenty_times_as_long(name, fn, make, small):
    short, long = make(small), make(small * 10)
    fn(short)  # warm up: the taxonomy and regexes are compiled once
    ratio, small_time, large_time = median_ratio(fn, short, long)
    if ratio > MAX_RATIO:  # once more: a linear reader is not over the limit twice
        ratio, small_time, large_time = median_ratio(fn, short, long)
    assert ratio <= MAX_RATIO, (
        f"{name}: {len(long)} chars took {ratio:.0f}x the time of {len(short)} "
        f"({large_time * 1000:.1f} ms vs {small_time * 1000:.2f} ms)"
    )


@pytest.mark.django_db
def test_an_analysis_past_its_time_budget_fails_the_job(user):
    """The soft time limit works in the threads pool too: the analysis checks its own clock."""
    from django.test import override_settings

    from tracker import services, tasks

    job, _ = services.create_job(user, company="Acme", job_title="Backend Engineer",
                                 job_description=rep("Python, Go and SQL. ", 50_000))
    with override_settings(TRACKER_ANALYSIS_SOFT_TIME_LIMIT=1e-9):
        tasks.analyze_job(job.pk)  # the task body, as the worker runs it
    job.refresh_from_db()
    assert (job.analysis_status, job.analysis_error) == ("failed", "The analysis took too long and was stopped.")
    tasks.analyze_job(job.pk)  # with the normal budget it goes through
    job.refresh_from_db()
    assert job.analysis_status == "analyzed"


def test_the_inputs_still_read_as_before():
    """Linear does not mean lossy: the rewritten readers keep their answers on ordinary text."""
    assert to_plain_text("Python  \t\nDjango   \n\n\n\nGo  ") == "Python\nDjango\n\nGo  "
    requirements = extract_requirements(
        "## Requirements\n- 5+ years of Python\n- Go (a plus)\n\nFully remote.", "Backend Engineer")
    assert requirements.experience is not None and requirements.experience.min_years == 5
    assert {s.skill: s.required for s in requirements.skills} == {"Python": True, "Go": False}
    assert requirements.work_mode == "remote"
    text = html_to_text('<div><p>Hello <b>world</b> &amp; <a href="/x?a=1&amp;b=2">you</a></p><ul><li>one</li>'
                        "<li>two<br/>lines</li></ul><script>var x = '<p>';</script><!-- hidden --></div>")
    assert text == "Hello world & you\n\n- one\n- two\nlines"
