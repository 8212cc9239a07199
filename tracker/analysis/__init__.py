"""Job analysis engine: pure Python (no Django, no network), deterministic.

    from tracker.analysis import CandidateProfile, analyze_job
    result = analyze_job(description, title, location, CandidateProfile(skills=["python"]))
    result.match_score, result.recommendation, result.strengths, result.concerns

`extract_requirements` reads a posting once (store it); `score_job` matches
those requirements against any number of candidates cheaply.
"""
from .budget import AnalysisTimeout, time_budget
from .extraction import (
                         HIGH,
                         LOW,
                         MEDIUM,
                         ExperienceRequirement,
                         JobRequirements,
                         SkillMention,
                         detect_work_mode,
                         extract_requirements,
                         extract_skills,
                         parse_experience,
)
from .preferences import PostingFacts, office_days
from .scoring import (
                         ANALYSIS_VERSION,
                         APPLY_NOW,
                         CONSIDER,
                         SKIP,
                         CandidateProfile,
                         JobAnalysis,
                         ScoreComponent,
                         SkillGap,
                         analyze_job,
                         percent,
                         recommendation_for,
                         score_job,
                         title_fit,
)
from .taxonomy import Taxonomy, load_taxonomy

__all__ = [
    "HIGH", "LOW", "MEDIUM", "ANALYSIS_VERSION", "APPLY_NOW", "CONSIDER", "SKIP", "AnalysisTimeout",
    "CandidateProfile", "ExperienceRequirement", "JobAnalysis", "JobRequirements", "ScoreComponent",
    "SkillGap", "SkillMention", "Taxonomy", "analyze_job", "detect_work_mode", "extract_requirements",
    "extract_skills", "load_taxonomy", "office_days", "parse_experience", "percent", "PostingFacts",
    "recommendation_for", "score_job", "time_budget", "title_fit",
]
