# ruff: noqa
# VERBATIM from specs/bot-status-overview.md, Testing Instructions, "2. Test Python Bot (Without
# Full Implementation)" (`test_status.py`). Run with only the token ("your_token") and the base
# URL ("http://localhost:3000") replaced. Do not edit below this header.
from status_reporter import StatusReporter
import time

reporter = StatusReporter("your_token", "http://localhost:3000")
reporter.start_session("1.0.0-test", "win32")
time.sleep(2)
reporter.send_heartbeat('browser_opening')
time.sleep(2)
reporter.increment_jobs_found(5)
reporter.send_heartbeat('jobs_found', {'count': 5})
time.sleep(2)
reporter.complete_session(success=True)
