"""Measure the job analysis' extraction quality on labelled postings.

Two sets: devtools/fixtures/labelled_jobs (written for the project, labelled
by reading: see the README there) and tests/fixtures/real_postings (real
public postings in their source's reply shape, read through the scrapers'
parsers: see `real.py`). Shared by the quality tests and bench/analysis.py so
all count the same way: micro precision/recall over (posting, skill) pairs,
for every skill and for the required ones alone.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tracker.analysis import extract_requirements

LABELLED_JOBS = Path(__file__).resolve().parents[1] / "fixtures" / "labelled_jobs"


@dataclass
class LabelledJob:
    name: str
    title: str
    company: str
    location: str
    description: str
    skills: set[str]
    nice_to_have: set[str]
    years: str


@dataclass
class Evaluation:
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0
    nice_agree: int = 0
    nice_total: int = 0
    years_correct: int = 0
    years_total: int = 0
    required_true_positives: int = 0
    required_false_positives: int = 0
    required_false_negatives: int = 0
    errors: dict[str, dict] = field(default_factory=dict)

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        wanted = self.true_positives + self.false_negatives
        return self.true_positives / wanted if wanted else 1.0

    @property
    def required_precision(self) -> float:
        found = self.required_true_positives + self.required_false_positives
        return self.required_true_positives / found if found else 1.0

    @property
    def required_recall(self) -> float:
        wanted = self.required_true_positives + self.required_false_negatives
        return self.required_true_positives / wanted if wanted else 1.0

    @property
    def nice_accuracy(self) -> float:
        return self.nice_agree / self.nice_total if self.nice_total else 1.0

    @property
    def years_accuracy(self) -> float:
        return self.years_correct / self.years_total if self.years_total else 1.0


def _split(value: str) -> set[str]:
    return {part.strip() for part in value.split(";") if part.strip()}


def load_labelled_jobs(directory: str | Path = LABELLED_JOBS) -> list[LabelledJob]:
    jobs = []
    for path in sorted(Path(directory).glob("*.txt")):
        header, _, body = path.read_text(encoding="utf-8").partition("\n---\n")
        fields = {}
        for line in header.splitlines():
            key, _, value = line.partition(":")
            fields[key.strip()] = value.strip()
        jobs.append(LabelledJob(
            name=path.stem, title=fields.get("title", ""), company=fields.get("company", ""),
            location=fields.get("location", ""), description=body, skills=_split(fields.get("skills", "")),
            nice_to_have=_split(fields.get("nice_to_have", "")), years=fields.get("years", "none"),
        ))
    return jobs


def evaluate(jobs: list[LabelledJob]) -> Evaluation:
    result = Evaluation()
    for job in jobs:
        req = extract_requirements(job.description, job.title, job.location)
        found = {s.skill for s in req.skills}
        tp, fp, fn = found & job.skills, found - job.skills, job.skills - found
        result.true_positives += len(tp)
        result.false_positives += len(fp)
        result.false_negatives += len(fn)
        optional = {s.skill for s in req.skills if not s.required}
        for skill in tp:
            result.nice_total += 1
            result.nice_agree += (skill in optional) == (skill in job.nice_to_have)
        required_found = {s.skill for s in req.skills if s.required}
        required_wanted = job.skills - job.nice_to_have
        result.required_true_positives += len(required_found & required_wanted)
        result.required_false_positives += len(required_found - required_wanted)
        result.required_false_negatives += len(required_wanted - required_found)
        result.years_total += 1
        label = req.experience.label.replace(" years", "") if req.experience else "none"
        if label == job.years:
            result.years_correct += 1
        if fp or fn or label != job.years:
            result.errors[job.name] = {"false_positives": sorted(fp), "false_negatives": sorted(fn),
                                       "years": (label, job.years),
                                       "nice_mismatch": sorted(s for s in tp if (s in optional) != (s in job.nice_to_have))}
    return result
