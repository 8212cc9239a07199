# ruff: noqa
# The usage examples of specs/bot-status-integration.md's StatusReporter (the "Example:" blocks of
# its docstrings, in the class's order) and Step 5, run as one script against a real server.
# Each block between "# --- spec: ... ---" and "# --- end ---" is VERBATIM (dedented out of its
# docstring); the few lines between blocks are glue giving the spec's placeholders (last_heartbeat,
# search_linkedin, job, ApplicationError, ...) small stand-in values. test_bot_status_examples.py
# replaces only the token ("user_token_xyz") and the base URL ("https://jobelix.vercel.app").
import time
from types import SimpleNamespace

from status_reporter import StatusReporter

# --- spec: StatusReporter.__init__, Example ---
reporter = StatusReporter(
    api_token="user_token_xyz",
    base_url="https://jobelix.vercel.app"
)
# --- end ---

# --- spec: StatusReporter.start_session, Example ---
import platform

success = reporter.start_session(
    bot_version="1.0.0",
    platform=platform.system().lower()
)

if not success:
    print("Warning: Status reporting unavailable")
    # Continue bot execution anyway
# --- end ---

# glue: the main loop's state the next example reads
last_heartbeat = 0.0
applied, total = 0, 2

# --- spec: StatusReporter.send_heartbeat, Example ---
# During job search
reporter.send_heartbeat('searching_jobs', {
    'query': 'Software Engineer',
    'location': 'Remote'
})

# During application
reporter.send_heartbeat('creating_resume', {
    'job_title': 'Backend Developer',
    'company': 'Acme Corp'
})

# In main loop (every 45 seconds)
if time.time() - last_heartbeat > 45:
    reporter.send_heartbeat('applying_jobs', {
        'progress': f"{applied}/{total}"
    })
    last_heartbeat = time.time()
# --- end ---


# glue: a search finding two jobs; the first application goes through, the second times out.
class ApplicationError(Exception):
    pass


def search_linkedin(query, location):
    return [SimpleNamespace(title="Backend Developer", company="Acme Corp", fails=False),
            SimpleNamespace(title="Platform Engineer", company="Initech", fails=True)]


def apply_to_job(job):
    if job.fails:
        raise ApplicationError("Timeout")
    return True


def call_gpt_api(prompt):
    return "A resume tailored to " + prompt


def generate_answers_with_gpt(questions):
    return ["Yes" for _ in questions]


# --- spec: StatusReporter.increment_jobs_found, Example ---
jobs = search_linkedin('Software Engineer', 'Remote')
reporter.increment_jobs_found(len(jobs))
# --- end ---

job = jobs[0]  # glue

# --- spec: StatusReporter.increment_jobs_applied, Example ---
if apply_to_job(job):
    reporter.increment_jobs_applied()
    reporter.send_heartbeat('application_submitted', {
        'company': job.company,
        'job_title': job.title
    })
# --- end ---

job = jobs[1]  # glue

# --- spec: StatusReporter.increment_jobs_failed, Example ---
try:
    apply_to_job(job)
except ApplicationError as e:
    reporter.increment_jobs_failed()
    reporter.send_heartbeat('application_failed', {
        'job_title': job.title,
        'error': str(e)
    })
# --- end ---

prompt, questions = "Backend Developer at Acme Corp", ["Can you work remotely?"]  # glue

# --- spec: StatusReporter.increment_credits_used, Example ---
# After generating resume with GPT
resume_text = call_gpt_api(prompt)
reporter.increment_credits_used(1)

# After answering questions
answers = generate_answers_with_gpt(questions)
reporter.increment_credits_used(1)
# --- end ---

# --- spec: Step 5, Never Let Status Reporting Crash the Bot ---
# ✅ GOOD: Wrapped in try-except
try:
    reporter.send_heartbeat('searching_jobs')
except Exception as e:
    print(f"Status reporting error (non-critical): {e}")
    # Bot continues execution

# ❌ BAD: Unhandled exception can crash bot
reporter.send_heartbeat('searching_jobs')  # If this fails, bot stops
# --- end ---

# --- spec: StatusReporter.complete_session, Example ---
# Normal completion
reporter.complete_session(success=True)

# Error completion
try:
    # Bot logic
    pass
except Exception as e:
    reporter.complete_session(
        success=False,
        error_message=f"LinkedIn login failed: {str(e)}"
    )
    raise
# --- end ---

# --- spec: Step 5, Always Complete Session on Exit ---
try:
    # Main bot logic
    pass
except Exception as e:
    reporter.complete_session(success=False, error_message=str(e))
    raise  # Re-raise to exit with error code
finally:
    # Cleanup code here
    pass
# --- end ---
