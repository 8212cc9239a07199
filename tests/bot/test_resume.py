"""Tailored resumes: the user's own skills and experience, most relevant to the job first, as a PDF."""

import re

from bot.profile import Profile
from bot.resume import build_resume, rank_sections, rank_skills, split_sections, tailor
from bot.sandbox.jobs import JOBS_BY_ID
from bot.sites.base import JobDetails


def job_details(job_id: int) -> JobDetails:
    job = JOBS_BY_ID[job_id]
    return JobDetails(id=str(job.id), url=f"http://board/jobs/{job.id}", title=job.title, company=job.company,
                      location=job.location, description=job.description, skills=list(job.skills))


def test_skills_are_ordered_by_relevance_to_the_job(profile_data):
    skills = profile_data["skills"]  # Python, Django, PostgreSQL, Redis, Docker, Celery, React
    assert rank_skills(skills, job_details(1013)) == ["Python", "Django", "PostgreSQL", "Redis", "Docker",
                                                      "Celery", "React"]
    assert rank_skills(skills, job_details(1015))[:4] == ["Python", "Django", "PostgreSQL", "React"]
    assert rank_skills(skills, job_details(1006))[0] == "React"  # the frontend job
    assert rank_skills(["C", "C++", "Python"], job_details(1014))[:2] == ["C", "C++"]


def test_experience_is_ordered_by_relevance_and_education_stays_last(profile_data):
    sections = split_sections(profile_data["resume_text"])
    assert len(sections) == 3
    backend = rank_sections(sections, job_details(1001))
    assert backend[0].startswith("Backend engineer at Foo") and backend[-1].startswith("Education")
    frontend = rank_sections(sections, job_details(1006))
    assert frontend[0].startswith("Frontend developer at Bar") and frontend[-1].startswith("Education")


def test_tailoring_never_invents_skills(profile_data):
    resume = tailor(Profile.from_dict(profile_data), job_details(1003))  # a Go job
    assert set(resume.skills) == set(profile_data["skills"])
    assert "Go" not in resume.skills and resume.matched_skills == ["PostgreSQL"]


def test_pdf_is_written_per_job_with_the_ranked_content(profile_data, tmp_path):
    profile = Profile.from_dict(profile_data)
    path = build_resume(profile, job_details(1006), tmp_path)
    assert path.parent == tmp_path and path.name == "ada-lovelace-stark-mobility-frontend-engineer-1006.pdf"
    data = path.read_bytes()
    assert data.startswith(b"%PDF")
    text = data.decode("latin-1")
    assert "Ada Lovelace" in text and "Stark Mobility" in text
    skills_line = re.search(r"\((React, [^)]*)\)", text).group(1)
    assert skills_line.startswith("React, ")
    assert text.index("Frontend developer at Bar") < text.index("Backend engineer at Foo")
    # Same input, same bytes: reruns do not churn the folder.
    assert build_resume(profile, job_details(1006), tmp_path).read_bytes() == data
    other = build_resume(profile, job_details(1013), tmp_path)
    assert other != path and other.exists()
