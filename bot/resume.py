"""A tailored resume per job: the profile's skills and experience ordered by
relevance to the posting, written as a PDF with reportlab and kept locally.

Tailoring only reorders and highlights what the user wrote; it never invents
skills or experience.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from .profile import Profile
from .sites.base import JobDetails

EDUCATION_HEADINGS = ("education", "certifications", "languages", "interests")


def _mentions(text: str, term: str) -> int:
    """How often term appears in text as a whole word (case-insensitive; handles C++, Node.js)."""
    if not term:
        return 0
    pattern = r"(?<![\w+#.])" + re.escape(term.lower()) + r"(?![\w+#])"
    return len(re.findall(pattern, text.lower()))


def skill_relevance(skill: str, job: JobDetails) -> int:
    """3 when the posting lists the skill, plus one per mention in its title and description."""
    listed = any(skill.lower() == s.lower() for s in job.skills)
    return (3 if listed else 0) + _mentions(f"{job.title} {job.description}", skill)


def rank_skills(skills: list[str], job: JobDetails) -> list[str]:
    """Skills by relevance to the job, most relevant first; ties keep the user's order."""
    scored = [(-skill_relevance(s, job), i, s) for i, s in enumerate(skills)]
    return [s for _, _, s in sorted(scored)]


def split_sections(resume_text: str) -> list[str]:
    """The resume's blocks (separated by blank lines), whitespace tidied."""
    blocks = re.split(r"\n\s*\n", resume_text.strip()) if resume_text.strip() else []
    return [block.strip() for block in blocks if block.strip()]


def section_relevance(section: str, job: JobDetails) -> int:
    terms = list(job.skills) + [w for w in re.findall(r"[A-Za-z][\w+#.]*", job.title) if len(w) > 2]
    return sum(3 if term in job.skills else 1 for term in terms if _mentions(section, term))


def rank_sections(sections: list[str], job: JobDetails) -> list[str]:
    """Experience blocks by relevance (job skills and title words they mention); education-like blocks last."""
    def key(item):
        index, section = item
        trailing = section.lower().startswith(EDUCATION_HEADINGS)
        return (trailing, -section_relevance(section, job), index)

    return [section for _, section in sorted(enumerate(sections), key=key)]


@dataclass
class TailoredResume:
    name: str
    email: str
    phone: str
    headline: str
    summary: str
    skills: list[str]
    matched_skills: list[str]
    sections: list[str] = field(default_factory=list)


def tailor(profile: Profile, job: JobDetails) -> TailoredResume:
    skills = rank_skills(profile.skills, job)
    matched = [s for s in skills if skill_relevance(s, job) > 0]
    years = profile.years_experience
    years_text = f"{years:g} years of experience" if years else "Experience"
    focus = ", ".join(matched[:4]) if matched else ", ".join(skills[:3])
    summary = f"{years_text} relevant to the {job.title} role at {job.company}"
    summary += f", with hands-on work in {focus}." if focus else "."
    headline = profile.headline or (profile.desired_titles[0] if profile.desired_titles else job.title)
    return TailoredResume(
        name=profile.name or "Candidate", email=profile.email, phone=profile.phone, headline=headline,
        summary=summary, skills=skills, matched_skills=matched,
        sections=rank_sections(split_sections(profile.resume_text), job),
    )


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "job"


def resume_filename(profile: Profile, job: JobDetails) -> str:
    who = slug(profile.name or "resume")
    return f"{who}-{slug(job.company)}-{slug(job.title)}-{slug(str(job.id))}.pdf"


def write_pdf(resume: TailoredResume, path: Path) -> Path:
    """Render the resume (uncompressed, invariant: the same input gives the same bytes)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    path.parent.mkdir(parents=True, exist_ok=True)
    styles = getSampleStyleSheet()
    para = lambda text, style="BodyText": Paragraph(escape(text).replace("\n", "<br/>"), styles[style])  # noqa: E731
    story = [para(resume.name, "Title"), para(resume.headline, "Heading3")]
    contact = " · ".join(p for p in (resume.email, resume.phone) if p)
    if contact:
        story.append(para(contact))
    story += [Spacer(1, 4 * mm), para("Summary", "Heading2"), para(resume.summary)]
    if resume.skills:
        story += [para("Skills", "Heading2"), para(", ".join(resume.skills))]
    if resume.sections:
        story.append(para("Experience", "Heading2"))
        for section in resume.sections:
            story += [para(section), Spacer(1, 2 * mm)]
    doc = SimpleDocTemplate(
        str(path), pagesize=A4, title=f"{resume.name} - resume", author=resume.name,
        leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm, bottomMargin=16 * mm,
        invariant=1, pageCompression=0,
    )
    doc.build(story)
    return path


def build_resume(profile: Profile, job: JobDetails, out_dir: Path) -> Path:
    """Tailor the profile to the job and write the PDF under out_dir; returns its path."""
    return write_pdf(tailor(profile, job), Path(out_dir) / resume_filename(profile, job))
