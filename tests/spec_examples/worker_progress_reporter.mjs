// The ProgressReporter the worker spec (specs/worker-progress.md) uses but does not define
// (its workers/playwright-worker/src/progressReporter.ts is not part of the spec).
// Written from the spec: the method names and arguments of "Worker Progress Reporter" and
// "Worker Integration", the request of "Worker -> Backend" (POST /api/worker/update-progress,
// Authorization: Bearer <WORKER_AUTH_TOKEN>, the fields job_id, submission_id, status,
// directories_completed, directories_failed, current_directory) and the worker's environment
// (NETLIFY_FUNCTIONS_URL, WORKER_AUTH_TOKEN, AUTOBOLT_API_KEY as its fallback), with API_URL
// (Jobelix's name) first. Node >= 18 (global fetch); no dependencies.
//
// Like Jobelix's bot/progress.py, reporting never breaks the work: a refused update is logged
// and the method resolves to false. Every answer is kept in `reports` for the caller to inspect.

export class ProgressReporter {
  constructor(
    baseUrl = process.env.API_URL || process.env.NETLIFY_FUNCTIONS_URL,
    token = process.env.WORKER_AUTH_TOKEN || process.env.AUTOBOLT_API_KEY,
  ) {
    if (!baseUrl || !token) {
      throw new Error('Set API_URL (or NETLIFY_FUNCTIONS_URL) and WORKER_AUTH_TOKEN in the environment');
    }
    this.url = baseUrl.replace(/\/+$/, '') + '/api/worker/update-progress';
    this.token = token;
    this.reports = [];
  }

  async send(payload) {
    let status = 0;
    let body = null;
    try {
      const response = await fetch(this.url, {
        method: 'POST',
        headers: { Authorization: `Bearer ${this.token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(payload),
      });
      status = response.status;
      body = await response.json().catch(() => null);
    } catch (error) {
      body = { error: String(error) };
    }
    this.reports.push({ payload, status, body });
    const accepted = status >= 200 && status < 300;
    if (!accepted) console.error(`progress update not accepted: HTTP ${status} ${JSON.stringify(body)}`);
    return accepted;
  }

  reportJobStarted(jobId) {
    return this.send({ job_id: jobId, status: 'in_progress', directories_completed: 0, directories_failed: 0 });
  }

  reportSubmissionStarted(jobId, submissionId, directoryName) {
    return this.send({ job_id: jobId, submission_id: submissionId, status: 'submitting', current_directory: directoryName });
  }

  reportSubmissionSuccess(jobId, submissionId, completed, failed) {
    return this.send({
      job_id: jobId, submission_id: submissionId, status: 'submitted',
      directories_completed: completed, directories_failed: failed,
    });
  }

  reportSubmissionFailed(jobId, submissionId, errorMessage, completed, failed) {
    return this.send({
      job_id: jobId, submission_id: submissionId, status: 'failed', error_message: errorMessage,
      directories_completed: completed, directories_failed: failed,
    });
  }

  reportDirectoryProgress(jobId, completed, failed, currentDirectory) {
    return this.send({
      job_id: jobId, status: 'in_progress',
      directories_completed: completed, directories_failed: failed, current_directory: currentDirectory,
    });
  }

  reportJobCompleted(jobId, completed, failed) {
    return this.send({ job_id: jobId, status: 'completed', directories_completed: completed, directories_failed: failed });
  }

  reportJobFailed(jobId, errorMessage, completed, failed) {
    return this.send({
      job_id: jobId, status: 'failed', error_message: errorMessage,
      directories_completed: completed, directories_failed: failed,
    });
  }
}
