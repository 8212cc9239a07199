# ruff: noqa
# VERBATIM from specs/bot-status-integration.md, Step 7 "Test Status Reporter Independently"
# (`test_status.py`). test_bot_status_examples.py runs it as `python test_status.py` with only the
# token ("your_test_token_here") and the base URL ("http://localhost:3000") replaced.
# Not named test_*.py so pytest does not collect it. Do not edit below this header.
# test_status.py
from status_reporter import StatusReporter
import time

def test_status():
    """Test status reporting without running full bot."""
    token = "your_test_token_here"  # Get from /api/student/token
    reporter = StatusReporter(token, "http://localhost:3000")
    
    print("1. Starting session...")
    reporter.start_session("1.0.0-test", "darwin")
    time.sleep(2)
    
    print("2. Sending browser_opening...")
    reporter.send_heartbeat('browser_opening')
    time.sleep(2)
    
    print("3. Simulating job search...")
    reporter.increment_jobs_found(5)
    reporter.send_heartbeat('jobs_found', {'count': 5})
    time.sleep(2)
    
    print("4. Simulating application...")
    reporter.increment_jobs_applied(3)
    reporter.send_heartbeat('application_submitted', {
        'company': 'Test Corp',
        'job_title': 'Test Engineer'
    })
    time.sleep(2)
    
    print("5. Completing session...")
    reporter.complete_session(success=True)
    
    print(f"✅ Test complete. Final stats: {reporter.stats}")

if __name__ == "__main__":
    test_status()
