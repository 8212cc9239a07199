# ruff: noqa
# Step 4 "Environment Variables" and Step 6 "Manual Stop Detection" of
# specs/bot-status-integration.md, run against a real server. The blocks between
# "# --- spec: ... ---" and "# --- end ---" are VERBATIM; the lines between them are glue: the
# token (the spec's main.py takes it from its command line; here $JOBELIX_TOKEN), a started
# session with three jobs found, and a pause (one line on stdin) while the test may press Stop.
# The base URL comes from $JOBELIX_API_URL, the spec's own variable.
import os
import sys

from status_reporter import StatusReporter

api_token = os.environ["JOBELIX_TOKEN"]  # glue

# --- spec: Step 4, Environment Variables ---
import os

BASE_URL = os.getenv('JOBELIX_API_URL', 'https://your-app.vercel.app')
reporter = StatusReporter(api_token, BASE_URL)
# --- end ---

# glue: the run so far; then wait while the user may press Stop
reporter.start_session("1.0.0", "linux")
jobs = ["Acme Corp", "Initech", "Globex"]
reporter.increment_jobs_found(len(jobs))
print("READY", flush=True)
sys.stdin.readline()

# --- spec: Step 6, Manual Stop Detection ---
def check_if_stopped(reporter: StatusReporter) -> bool:
    """
    Check if user manually stopped the bot from frontend.
    
    Returns:
        True if session was stopped, False otherwise
    """
    # Heartbeat returns False if session is stopped
    result = reporter.send_heartbeat('applying_jobs', {'checking': True})
    return not result

# In main loop:
for job in jobs:
    if check_if_stopped(reporter):
        print("⚠️ Bot stopped by user - exiting gracefully")
        reporter.complete_session(success=False, error_message="Stopped by user")
        sys.exit(0)
    
    # Continue with application...
# --- end ---

reporter.complete_session(success=True)  # glue: the run was not stopped
