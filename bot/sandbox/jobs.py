"""The sandbox board's fixed catalogue: jobs and their screening questions.

Deterministic on purpose: tests and demos count on the same jobs, in the same
order, with the same failures every time.
"""

from __future__ import annotations

from dataclasses import dataclass

DEMO_EMAIL = "demo@sandbox.test"
DEMO_PASSWORD = "sandbox-demo"

# Behaviour flags of a job (see SandboxJob.behaviour).
FAIL_ON_SUBMIT = "fail_on_submit"  # submit always answers with a form error
SLOW_APPLY = "slow_apply"  # the application page is slow to answer


@dataclass(frozen=True)
class Question:
    """One form field of an application; kind is text|number|textarea|select|yesno|file|email."""

    name: str
    label: str
    kind: str
    options: tuple[str, ...] = ()
    required: bool = True


@dataclass(frozen=True)
class SandboxJob:
    id: int
    title: str
    company: str
    location: str
    remote: bool
    salary: str
    skills: tuple[str, ...]
    description: str
    questions: tuple[str, ...] = ()
    behaviour: str = ""
    employment_type: str = "Full-time"

    def search_text(self) -> str:
        return " ".join([self.title, self.company, self.description, " ".join(self.skills)]).lower()

    def matches(self, query: str, location: str) -> bool:
        words = query.lower().split()
        text = self.search_text()
        if any(w not in text for w in words):
            return False
        loc = location.strip().lower()
        if not loc:
            return True
        if loc == "remote":
            return self.remote
        return loc in self.location.lower()

    def form(self) -> list[Question]:
        """The questions of this job's form: contact details, the resume, then its screening questions."""
        base = [QUESTIONS["full_name"], QUESTIONS["email"], QUESTIONS["phone"], QUESTIONS["resume"]]
        return base + [question_for(self, key) for key in self.questions]


QUESTIONS: dict[str, Question] = {
    "full_name": Question("full_name", "Full name", "text"),
    "email": Question("email", "Email address", "email"),
    "phone": Question("phone", "Phone number (optional)", "text", required=False),
    "resume": Question("resume", "Resume (PDF)", "file"),
    "years_experience": Question(
        "years_experience", "How many years of professional software experience do you have?", "number"
    ),
    "work_authorization": Question(
        "work_authorization", "Are you legally authorized to work in the country of this position?", "yesno"
    ),
    "sponsorship": Question(
        "sponsorship", "Will you now or in the future require visa sponsorship?", "yesno"
    ),
    "salary": Question("salary", "What are your annual salary expectations (USD)?", "number"),
    "relocation": Question("relocation", "Are you willing to relocate to {city}?", "yesno"),
    "work_arrangement": Question(
        "work_arrangement",
        "Which work arrangement do you prefer?",
        "select",
        ("Remote", "Hybrid", "On-site"),
    ),
    "start_date": Question(
        "start_date",
        "When could you start?",
        "select",
        ("Immediately", "Within 2 weeks", "Within 1 month", "In 3 months or more"),
    ),
    "motivation": Question("motivation", "Why are you interested in this role at {company}?", "textarea"),
    "project": Question("project", "Tell us about a project you are proud of.", "textarea", required=False),
    "skill_years": Question("skill_years", "How many years of experience do you have with {skill}?", "number"),
}


def question_for(job: SandboxJob, key: str) -> Question:
    """A question template filled in for the job (city, company, main skill)."""
    q = QUESTIONS[key]
    city = job.location.split(",")[0]
    label = q.label.format(city=city, company=job.company, skill=job.skills[0] if job.skills else "")
    return Question(q.name, label, q.kind, q.options, q.required)


STANDARD = ("years_experience", "work_authorization", "salary", "start_date")

JOBS: tuple[SandboxJob, ...] = (
    SandboxJob(
        1001, "Backend Engineer", "Acme Analytics", "Remote", True, "$110k-$140k",
        ("Python", "Django", "PostgreSQL", "Celery"),
        "Acme Analytics builds dashboards for retailers. As a backend engineer you will design REST APIs "
        "in Python and Django, tune PostgreSQL queries and run background jobs with Celery.",
        STANDARD + ("motivation",),
    ),
    SandboxJob(
        1002, "Senior Backend Engineer", "Northwind Labs", "Berlin, Germany", False, "EUR 85k-105k",
        ("Python", "FastAPI", "Kafka", "Kubernetes"),
        "Northwind Labs moves freight data in real time. You will build event-driven services with "
        "Python, FastAPI and Kafka, deployed on Kubernetes, from our Berlin office.",
        ("years_experience", "work_authorization", "sponsorship", "relocation", "salary", "skill_years"),
    ),
    SandboxJob(
        1003, "Backend Engineer (Go)", "Globex Cloud", "Remote", True, "$120k-$150k",
        ("Go", "gRPC", "PostgreSQL", "Kubernetes"),
        "Globex Cloud runs a multi-tenant storage platform. You will write Go services talking gRPC, "
        "own PostgreSQL schemas and operate them on Kubernetes.",
        STANDARD + ("skill_years",),
    ),
    SandboxJob(
        1004, "Python Developer", "Initech Payments", "Remote", True, "$100k-$125k",
        ("Python", "Django", "REST APIs", "Redis"),
        "Initech Payments processes card payments for small businesses. You will extend our Python and "
        "Django REST APIs and the Redis-backed rate limiter. This backend engineer role is remote.",
        STANDARD + ("work_arrangement",),
        behaviour=FAIL_ON_SUBMIT,
    ),
    SandboxJob(
        1005, "Backend Engineer", "Umbrella Health", "Remote", True, "$115k-$135k",
        ("Python", "Flask", "AWS", "Terraform"),
        "Umbrella Health connects clinics and labs. You will build Python and Flask services on AWS, "
        "managed with Terraform, with strict privacy requirements.",
        STANDARD + ("motivation", "project"),
        behaviour=SLOW_APPLY,
    ),
    SandboxJob(
        1006, "Frontend Engineer", "Stark Mobility", "Remote", True, "$105k-$130k",
        ("TypeScript", "React", "CSS"),
        "Stark Mobility designs booking apps for e-scooters. You will craft React interfaces in "
        "TypeScript with accessible CSS.",
        STANDARD,
    ),
    SandboxJob(
        1007, "Data Engineer", "Wayne Data", "New York, NY", False, "$130k-$160k",
        ("Python", "Airflow", "Spark", "SQL"),
        "Wayne Data curates city datasets. You will write Python pipelines in Airflow and Spark and "
        "model warehouses in SQL.",
        STANDARD + ("relocation",),
    ),
    SandboxJob(
        1008, "Backend Engineer", "Hooli Search", "Remote", True, "$140k-$170k",
        ("Java", "Spring Boot", "Elasticsearch", "AWS"),
        "Hooli Search indexes the world's recipes. You will build Java and Spring Boot services over "
        "Elasticsearch clusters on AWS.",
        STANDARD + ("skill_years",),
    ),
    SandboxJob(
        1009, "Python Developer", "Pied Piper", "Berlin, Germany", False, "EUR 70k-90k",
        ("Python", "Django", "Celery", "Docker"),
        "Pied Piper compresses everything. You will write Python and Django code, Celery workers and "
        "Docker images in our Berlin team.",
        ("years_experience", "work_authorization", "relocation", "start_date", "motivation"),
    ),
    SandboxJob(
        1010, "DevOps Engineer", "Soylent Foods", "Remote", True, "$110k-$135k",
        ("Docker", "Kubernetes", "Terraform", "AWS"),
        "Soylent Foods ships nutrition at scale. You will run Docker and Kubernetes on AWS with "
        "Terraform and keep deploys boring.",
        STANDARD,
    ),
    SandboxJob(
        1011, "Backend Engineer", "Vandelay Imports", "London, UK", False, "GBP 70k-85k",
        ("Ruby", "Rails", "PostgreSQL"),
        "Vandelay Imports trades latex worldwide. You will maintain Ruby on Rails services backed by "
        "PostgreSQL in London.",
        STANDARD + ("relocation", "sponsorship"),
    ),
    SandboxJob(
        1012, "Machine Learning Engineer", "Massive Dynamic", "Remote", True, "$150k-$180k",
        ("Python", "PyTorch", "SQL"),
        "Massive Dynamic trains models on lab data. You will ship PyTorch models with Python and SQL "
        "feature pipelines.",
        STANDARD + ("project",),
    ),
    SandboxJob(
        1013, "Backend Engineer", "Cyberdyne Systems", "Remote", True, "$120k-$145k",
        ("Python", "Django", "PostgreSQL", "Redis", "Docker"),
        "Cyberdyne Systems schedules factory robots. You will build Python and Django services with "
        "PostgreSQL and Redis, packaged with Docker.",
        STANDARD + ("work_arrangement", "motivation"),
    ),
    SandboxJob(
        1014, "Embedded Engineer", "Tyrell Robotics", "Paris, France", False, "EUR 65k-80k",
        ("C", "C++", "RTOS"),
        "Tyrell Robotics builds prosthetic hands. You will write C and C++ firmware on an RTOS.",
        STANDARD + ("relocation",),
    ),
    SandboxJob(
        1015, "Full Stack Engineer", "Oscorp Energy", "Remote", True, "$115k-$140k",
        ("Python", "Django", "React", "PostgreSQL"),
        "Oscorp Energy balances power grids. Half backend, half frontend: Python and Django APIs, "
        "React screens, PostgreSQL storage.",
        STANDARD + ("motivation",),
    ),
    SandboxJob(
        1016, "Backend Engineer", "Aperture Science", "Remote", True, "$125k-$150k",
        ("Python", "Django", "GraphQL"),
        "Aperture Science tests portals. You will build GraphQL APIs in Python and Django for our "
        "testing chambers.",
        STANDARD + ("project",),
    ),
)

JOBS_BY_ID = {job.id: job for job in JOBS}


def search(query: str, location: str) -> list[SandboxJob]:
    """All jobs matching every word of query and the location, in catalogue order."""
    return [job for job in JOBS if job.matches(query, location)]
