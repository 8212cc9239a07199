"""Extraction quality on the labelled postings in devtools/fixtures/labelled_jobs.

The labels are what a reader finds in each posting (see the README there);
this test keeps the extractor honest against them.
"""
from devtools.analysis_eval import LABELLED_JOBS as FIXTURES
from devtools.analysis_eval import evaluate, load_labelled_jobs


def test_labelled_set_is_big_and_varied():
    jobs = load_labelled_jobs(FIXTURES)
    assert len(jobs) >= 30
    assert all(job.skills for job in jobs)
    titles = " ".join(job.title.lower() for job in jobs)
    for role in ("backend", "frontend", "data", "devops", "ios", "android", "machine learning", "qa",
                 "security", "product manager", "designer", "embedded"):
        assert role in titles, role


def test_skill_extraction_precision_and_recall():
    result = evaluate(load_labelled_jobs(FIXTURES))
    report = {name: err for name, err in result.errors.items() if err["false_positives"] or err["false_negatives"]}
    assert result.precision >= 0.9, report
    assert result.recall >= 0.8, report


def test_required_vs_nice_to_have_split_agrees_with_labels():
    result = evaluate(load_labelled_jobs(FIXTURES))
    assert result.nice_accuracy >= 0.9, {n: e["nice_mismatch"] for n, e in result.errors.items() if e["nice_mismatch"]}


def test_years_of_experience_read_from_every_posting():
    result = evaluate(load_labelled_jobs(FIXTURES))
    assert result.years_accuracy >= 0.9, {n: e["years"] for n, e in result.errors.items()}
