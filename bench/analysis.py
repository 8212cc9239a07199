"""Analysis engine benchmark: extraction quality on the labelled postings and
throughput (full analysis: extraction + scoring for one profile).

    python bench/analysis.py [--seconds 5]
"""
import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from devtools.analysis_eval import evaluate, load_labelled_jobs  # noqa: E402
from tracker.analysis import CandidateProfile, analyze_job, load_taxonomy  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    jobs = load_labelled_jobs()
    load_taxonomy()
    result = evaluate(jobs)
    print(f"labelled jobs:      {len(jobs)}")
    print(f"precision:          {result.precision:.3f}  ({result.true_positives} tp, {result.false_positives} fp)")
    print(f"recall:             {result.recall:.3f}  ({result.false_negatives} fn)")
    print(f"nice-to-have split: {result.nice_accuracy:.3f}")
    print(f"years parsed:       {result.years_accuracy:.3f}")
    profile = CandidateProfile(skills=["Python", "Django", "PostgreSQL", "AWS", "Docker", "React", "Kubernetes"],
                               desired_titles=["Backend Engineer", "Software Engineer"], locations=["Berlin"],
                               years_experience=5, remote_preference="remote")
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < args.seconds:
        for job in jobs:
            analyze_job(job.description, job.title, job.location, profile)
        done += len(jobs)
    elapsed = time.perf_counter() - start
    print(f"throughput:         {done / elapsed:.0f} jobs analysed/s ({done} in {elapsed:.1f}s, one core)")


if __name__ == "__main__":
    main()
