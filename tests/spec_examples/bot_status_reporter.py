# ruff: noqa
# VERBATIM from specs/bot-status-integration.md, Step 1 "StatusReporter Class" (the code block
# after "Create `status_reporter.py`"). test_bot_status_examples.py copies it, unchanged, as
# `status_reporter.py` next to the examples that import it. Do not edit below this header.
import requests
import time
from typing import Optional, Dict, Any
from datetime import datetime

class StatusReporter:
    """
    Manages real-time status reporting to Jobelix backend.
    
    All HTTP calls have 10-second timeouts and fail silently to prevent
    bot crashes if backend is temporarily unavailable.
    
    Attributes:
        token (str): User's API token for authentication
        base_url (str): Backend API base URL
        session_id (str | None): Current session ID from backend
        stats (dict): Local statistics cache
    """
    
    def __init__(self, api_token: str, base_url: str = "https://your-app.vercel.app"):
        """
        Initialize the status reporter.
        
        Args:
            api_token: User's API authentication token (from command line)
            base_url: Backend URL (use localhost for dev, production URL for release)
        
        Example:
            reporter = StatusReporter(
                api_token="user_token_xyz",
                base_url="https://jobelix.vercel.app"
            )
        """
        self.token = api_token
        self.base_url = base_url.rstrip('/')
        self.session_id: Optional[str] = None
        self.stats = {
            'jobs_found': 0,
            'jobs_applied': 0,
            'jobs_failed': 0,
            'credits_used': 0
        }
        
    def start_session(self, bot_version: str, platform: str) -> bool:
        """
        Create initial session record in backend database.
        
        This MUST be called before any heartbeats or complete() calls.
        Creates a row in bot_sessions table with status='starting'.
        
        Args:
            bot_version: Bot version string (e.g., "1.0.0", "1.2.3-beta")
            platform: Operating system (e.g., "win32", "darwin", "linux")
        
        Returns:
            True if session created successfully, False otherwise
            
        Side Effects:
            - Sets self.session_id if successful
            - Logs success/failure to console
            
        Backend Behavior:
            - Validates API token
            - Checks for existing running sessions (prevents duplicates)
            - Creates new bot_sessions row
            - Returns session_id for subsequent calls
            
        Example:
            import platform
            
            success = reporter.start_session(
                bot_version="1.0.0",
                platform=platform.system().lower()
            )
            
            if not success:
                print("Warning: Status reporting unavailable")
                # Continue bot execution anyway
        """
        try:
            response = requests.post(
                f"{self.base_url}/api/autoapply/bot/start",
                json={
                    'token': self.token,
                    'bot_version': bot_version,
                    'platform': platform
                },
                timeout=10
            )
            
            if response.status_code == 200:
                data = response.json()
                self.session_id = data.get('session_id')
                print(f"[Status] Session started: {self.session_id}")
                return True
            else:
                print(f"[Status] Failed to start session: {response.status_code}")
                return False
                
        except Exception as e:
            print(f"[Status] Error starting session: {e}")
            return False
    
    def send_heartbeat(
        self, 
        current_activity: str, 
        details: Optional[Dict[str, Any]] = None
    ) -> bool:
        """
        Update session with current activity and statistics.
        
        This is the core status update method. Call periodically (every 30-60s)
        during bot execution to keep frontend informed.
        
        Args:
            current_activity: Standardized activity identifier (see Activity Codes below)
            details: Optional context-specific data (e.g., company name, job title)
        
        Returns:
            True if heartbeat sent successfully, False otherwise
            
        Backend Behavior:
            - Validates token and session ownership
            - Updates bot_sessions row (triggers Supabase Realtime event)
            - Changes status from 'starting' → 'running' on first heartbeat
            - Checks if user manually stopped session (returns error if stopped)
            - Updates last_heartbeat_at timestamp (used for stale session detection)
            
        Frontend Effect:
            - Realtime subscription receives UPDATE event instantly
            - UI refreshes with new activity message and stats
            - Progress indicators update in <1 second
            
        Important: Always wrap in try-except to prevent bot crashes!
        
        Example:
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
        """
        if not self.session_id:
            print("[Status] No session_id, skipping heartbeat")
            return False
            
        try:
            payload = {
                'token': self.token,
                'session_id': self.session_id,
                'activity': current_activity,
                'stats': self.stats.copy()
            }
            
            if details:
                payload['details'] = details
            
            response = requests.post(
                f"{self.base_url}/api/autoapply/bot/heartbeat",
                json=payload,
                timeout=10
            )
            
            if response.status_code == 200:
                print(f"[Status] Heartbeat sent: {current_activity}")
                return True
            elif response.status_code == 409:
                # Session was stopped by user
                data = response.json()
                if data.get('stopped'):
                    print("[Status] Session stopped by user - bot should terminate")
                    # Bot should check this and exit gracefully
                return False
            else:
                print(f"[Status] Heartbeat failed: {response.status_code}")
                return False
                
        except Exception as e:
            print(f"[Status] Error sending heartbeat: {e}")
            return False
    
    def complete_session(
        self, 
        success: bool, 
        error_message: Optional[str] = None
    ):
        """
        Mark session as completed or failed.
        
        This MUST be called when bot finishes execution (success or failure).
        Sets final session state and prevents further heartbeats.
        
        Args:
            success: True if bot completed normally, False if error occurred
            error_message: Error description if success=False (shown to user)
        
        Backend Behavior:
            - Updates status to 'completed' or 'failed'
            - Sets completed_at timestamp
            - Saves final statistics
            - Stores error_message if provided
            
        Frontend Effect:
            - Status card shows final summary
            - "Launch Again" button appears
            - Stats are frozen at final values
            
        Best Practice:
            Always call in try-finally block to ensure completion even if bot crashes.
            
        Example:
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
        """
        if not self.session_id:
            return
            
        try:
            response = requests.post(
                f"{self.base_url}/api/autoapply/bot/complete",
                json={
                    'token': self.token,
                    'session_id': self.session_id,
                    'success': success,
                    'error_message': error_message,
                    'final_stats': self.stats.copy()
                },
                timeout=10
            )
            
            if response.status_code == 200:
                print(f"[Status] Session completed: {'success' if success else 'failed'}")
            else:
                print(f"[Status] Failed to complete session: {response.status_code}")
                
        except Exception as e:
            print(f"[Status] Error completing session: {e}")
    
    # Statistics increment methods
    
    def increment_jobs_found(self, count: int = 1):
        """
        Increment the count of jobs found during search.
        
        Call after retrieving job listings from LinkedIn search results.
        
        Args:
            count: Number of jobs to add (default: 1)
            
        Example:
            jobs = search_linkedin('Software Engineer', 'Remote')
            reporter.increment_jobs_found(len(jobs))
        """
        self.stats['jobs_found'] += count
        
    def increment_jobs_applied(self, count: int = 1):
        """
        Increment the count of successful applications.
        
        Call after successfully submitting a job application.
        
        Args:
            count: Number of applications to add (default: 1)
            
        Example:
            if apply_to_job(job):
                reporter.increment_jobs_applied()
                reporter.send_heartbeat('application_submitted', {
                    'company': job.company,
                    'job_title': job.title
                })
        """
        self.stats['jobs_applied'] += count
        
    def increment_jobs_failed(self, count: int = 1):
        """
        Increment the count of failed applications.
        
        Call when application fails (timeout, form error, etc).
        
        Args:
            count: Number of failures to add (default: 1)
            
        Example:
            try:
                apply_to_job(job)
            except ApplicationError as e:
                reporter.increment_jobs_failed()
                reporter.send_heartbeat('application_failed', {
                    'job_title': job.title,
                    'error': str(e)
                })
        """
        self.stats['jobs_failed'] += count
        
    def increment_credits_used(self, count: int = 1):
        """
        Increment the count of credits consumed.
        
        Call after each GPT API call (resume generation, question answering).
        
        Args:
            count: Number of credits to add (default: 1)
            
        Note:
            Credits are also deducted server-side by /api/autoapply/gpt4 endpoint.
            This counter is for frontend display only (shows user how many calls made).
            
        Example:
            # After generating resume with GPT
            resume_text = call_gpt_api(prompt)
            reporter.increment_credits_used(1)
            
            # After answering questions
            answers = generate_answers_with_gpt(questions)
            reporter.increment_credits_used(1)
        """
        self.stats['credits_used'] += count
