"""Analysis engine benchmark: extraction quality on both labelled sets and
throughput (full analysis: extraction + scoring for one profile).

- synthetic: devtools/fixtures/labelled_jobs (written for the project)
- real: tests/fixtures/real_postings (public postings in their source's reply
  shape, read through scraping.sources' parsers; see docs/tracker.md)

    python bench/analysis.py [--seconds 5]
"""
import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from devtools.analysis_eval import Evaluation, evaluate, load_labelled_jobs  # noqa: E402
from devtools.analysis_eval.real import load_real_postings  # noqa: E402
from tracker.analysis import CandidateProfile, analyze_job, load_taxonomy  # noqa: E402


def report(label: str, count: int, result: Evaluation) -> None:
    print(f"{label}: {count} postings")
    print(f"  skills precision:   {result.precision:.3f}  ({result.true_positives} tp, {result.false_positives} fp)")
    print(f"  skills recall:      {result.recall:.3f}  ({result.false_negatives} fn)")
    print(f"  required precision: {result.required_precision:.3f}  ({result.required_true_positives} tp, "
          f"{result.required_false_positives} fp)")
    print(f"  required recall:    {result.required_recall:.3f}  ({result.required_false_negatives} fn)")
    print(f"  nice-to-have split: {result.nice_accuracy:.3f}")
    print(f"  years parsed:       {result.years_accuracy:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    load_taxonomy()
    jobs = load_labelled_jobs()
    real = load_real_postings()
    report("synthetic set", len(jobs), evaluate(jobs))
    report("real set", len(real), evaluate(real))
    report("real set, plain text (no headings from the markup)", len(real), evaluate(load_real_postings(html=False)))
    profile = CandidateProfile(skills=["Python", "Django", "PostgreSQL", "AWS", "Docker", "React", "Kubernetes"],
                               desired_titles=["Backend Engineer", "Software Engineer"], locations=["Berlin"],
                               years_experience=5, remote_preference="remote")
    everything = jobs + real
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < args.seconds:
        for job in everything:
            analyze_job(job.description, job.title, job.location, profile)
        done += len(everything)
    elapsed = time.perf_counter() - start
    print(f"throughput:           {done / elapsed:.0f} jobs analysed/s ({done} in {elapsed:.1f}s, one core, both sets)")


if __name__ == "__main__":
    main()
