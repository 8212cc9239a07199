# ruff: noqa
# VERBATIM from specs/bot-status-integration.md, Step 3 "Main Bot Integration" (`main.py`).
# Run as `python main.py --playwright <API_TOKEN>` (its documented command) through
# bot_status_main_stand_ins.py, which supplies the functions the spec marks "Your existing
# function" / "Your function" (and `config`); only BASE_URL's value is replaced.
# Do not edit below this header.
import sys
import platform
import time
from status_reporter import StatusReporter

# Configuration
BOT_VERSION = "1.0.0"  # Update with each release
HEARTBEAT_INTERVAL = 45  # Send heartbeat every 45 seconds
BASE_URL = "https://your-production-url.vercel.app"  # Change for production!

def main():
    """
    Main bot entry point.
    
    Expected command: python main.py --playwright <API_TOKEN>
    """
    # Parse command-line arguments
    if len(sys.argv) < 3 or sys.argv[1] != '--playwright':
        print("Usage: main --playwright <API_TOKEN>")
        sys.exit(1)
    
    api_token = sys.argv[2]
    
    # Initialize status reporter
    reporter = StatusReporter(
        api_token=api_token,
        base_url=BASE_URL
    )
    
    # Start session (non-critical - continue even if fails)
    if not reporter.start_session(BOT_VERSION, platform.system().lower()):
        print("Warning: Failed to start status session. Continuing anyway...")
    
    last_heartbeat = time.time()
    
    try:
        # === PHASE 1: Browser Initialization ===
        reporter.send_heartbeat('browser_opening')
        browser = launch_chromium()  # Your existing function
        reporter.send_heartbeat('browser_opened')
        
        # === PHASE 2: LinkedIn Login ===
        reporter.send_heartbeat('linkedin_login')
        login_to_linkedin(browser)  # Your existing function
        reporter.send_heartbeat('linkedin_login_done')
        
        # === PHASE 3: Job Search ===
        reporter.send_heartbeat('searching_jobs', {
            'query': config['position'],
            'location': config['location']
        })
        
        jobs = search_jobs(browser, config)  # Your existing function
        reporter.increment_jobs_found(len(jobs))
        reporter.send_heartbeat('jobs_found', {'count': len(jobs)})
        
        # === PHASE 4: Application Loop ===
        for i, job in enumerate(jobs):
            # Periodic heartbeat (every 45 seconds)
            if time.time() - last_heartbeat > HEARTBEAT_INTERVAL:
                reporter.send_heartbeat('applying_jobs', {
                    'progress': f"{i}/{len(jobs)}",
                    'current_company': job.company
                })
                last_heartbeat = time.time()
            
            try:
                # Step 4a: Generate tailored resume
                reporter.send_heartbeat('creating_resume', {
                    'job_title': job.title,
                    'company': job.company
                })
                resume = generate_tailored_resume(job)  # Your function
                
                # Step 4b: Answer screening questions with GPT
                if job.has_questions:
                    reporter.send_heartbeat('answering_questions', {
                        'job_title': job.title,
                        'company': job.company
                    })
                    answers = generate_answers_with_gpt(job.questions)  # Your function
                    reporter.increment_credits_used(1)
                else:
                    answers = None
                
                # Step 4c: Submit application
                reporter.send_heartbeat('submitting_application', {
                    'job_title': job.title,
                    'company': job.company
                })
                
                apply_to_job(browser, job, resume, answers)  # Your function
                
                # Success!
                reporter.increment_jobs_applied()
                reporter.send_heartbeat('application_submitted', {
                    'job_title': job.title,
                    'company': job.company
                })
                
            except Exception as e:
                # Application failed
                print(f"Failed to apply to {job.title} at {job.company}: {e}")
                reporter.increment_jobs_failed()
                reporter.send_heartbeat('application_failed', {
                    'job_title': job.title,
                    'company': job.company,
                    'error': str(e)[:100]  # Truncate long errors
                })
        
        # === PHASE 5: Completion ===
        reporter.send_heartbeat('finalizing')
        cleanup_browser(browser)  # Your cleanup function
        
        reporter.complete_session(success=True)
        print(f"✅ Bot completed: {reporter.stats['jobs_applied']} applications submitted")
        
    except Exception as e:
        # Fatal error - report and exit
        print(f"❌ Bot failed with error: {e}")
        reporter.complete_session(
            success=False,
            error_message=str(e)[:200]  # Truncate long errors
        )
        sys.exit(1)
        
    finally:
        # Always cleanup (even if exception)
        try:
            cleanup_browser(browser)
        except:
            pass

if __name__ == "__main__":
    main()
