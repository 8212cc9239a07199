"""The one small interface every job board adapter implements.

A board is one module under bot/sites/: a SiteAdapter subclass driving a
Playwright page. The runner only speaks this interface, so adding a board
never touches the run logic.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path

from ..profile import Profile


class SiteError(Exception):
    """A board-level problem (login refused, search page broken); fatal for the run."""


class ApplicationError(Exception):
    """One application could not be completed (form error, timeout); the run goes on."""


@dataclass
class JobRef:
    """A search result: enough to open the job and to recognise it later (url is the identity)."""

    id: str
    url: str
    title: str
    company: str
    location: str = ""


@dataclass
class JobDetails(JobRef):
    description: str = ""
    skills: list[str] = field(default_factory=list)
    salary: str = ""
    employment_type: str = ""


@dataclass
class FormQuestion:
    """One field of an application form, described neutrally so answers.py needs no board knowledge.

    kind: text | number | email | textarea | select | yesno | file
    """

    name: str
    label: str
    kind: str
    options: list[str] = field(default_factory=list)
    required: bool = False


@dataclass
class SubmitResult:
    submitted: bool
    confirmation: str = ""  # the board's reference for the application, when it gives one


class SiteAdapter(ABC):
    """Drives one job board in a Playwright page.

    Raise SiteError for problems that end the run, ApplicationError for a
    problem with one job; let Playwright timeouts through (the runner treats
    them as a failed application).
    """

    name: str = "Job board"  # shown in the status card (details.board)
    source: str = "bot"  # `source` sent to the server when recording a job
    login_required: bool = True  # False for boards whose postings open without an account

    @classmethod
    def job_for_url(cls, url: str) -> tuple[str, JobRef] | None:
        """(base_url, JobRef) when url is one of this board's postings, else None.

        Lets the browser applier (bot/applier.py) route a posting's apply URL to its board;
        title and company may be blank (open_job reads them). Boards that cannot tell say None.
        """
        return None

    def __init__(self, page, base_url: str, timeout_ms: int = 30_000):
        self.page = page
        self.base_url = base_url.rstrip("/")
        self.timeout_ms = timeout_ms
        page.set_default_timeout(timeout_ms)
        page.set_default_navigation_timeout(timeout_ms)

    @abstractmethod
    def login(self, email: str, password: str) -> None:
        """Sign in; raise SiteError when refused."""

    @abstractmethod
    def search(self, profile: Profile) -> list[JobRef]:
        """All postings matching the profile, de-duplicated, in board order."""

    def search_queries(self, profile: Profile) -> list[tuple[str, str]]:
        """The (keywords, location) pairs to search: each desired title in each location.

        Falls back to the first skill when no title is set; a remote preference
        adds "Remote" to the locations.
        """
        keywords = profile.desired_titles or profile.skills[:1] or [""]
        locations = list(profile.locations) or [""]
        if profile.remote_preference == "remote" and not any(loc.lower() == "remote" for loc in locations):
            locations.insert(0, "Remote")
        return [(k, loc) for k in keywords for loc in locations]

    @abstractmethod
    def open_job(self, ref: JobRef) -> JobDetails:
        """Open the posting and read its details."""

    @abstractmethod
    def open_application(self, job: JobDetails) -> list[FormQuestion]:
        """Open the application form and describe its fields."""

    @abstractmethod
    def fill_application(self, questions: list[FormQuestion], answers: dict[str, str], resume: Path) -> None:
        """Fill every answered field and attach the resume to file fields."""

    @abstractmethod
    def submit_application(self) -> SubmitResult:
        """Send the filled form; raise ApplicationError with the board's message when it refuses."""
