// specs/worker-progress.md run with node: "Example 1: Job Start" and "Worker Integration"
// (workers/playwright-worker/src/aiWorker.ts), as written, against a real server.
//
//   API_URL=http://127.0.0.1:8000 WORKER_AUTH_TOKEN=jbx_... node worker_ai_worker.mjs example-1
//   API_URL=... WORKER_AUTH_TOKEN=... [FAIL_DIRECTORIES='["Acme — Engineer 2"]'] node worker_ai_worker.mjs <job id>
//
// What differs from the spec's text, and why:
// - the import path of ProgressReporter (the spec's ./progressReporter.ts is not given; ours is
//   worker_progress_reporter.mjs, written from the spec's description of it);
// - `processJob(job: Job)` loses its TypeScript annotation (`: Job`), so plain node runs it;
// - getPendingSubmissions and processSubmission, which the spec calls but does not define, are
//   supplied below: the first reads the job's pending submissions from Jobelix's jobs API, the
//   second stands in for "Process with AI services" (it fails the directories named in
//   FAIL_DIRECTORIES with "captcha shown" and succeeds on the others).
// The last line printed is {"reports": [...]}: every update sent, with the server's answer.

const API_URL = process.env.API_URL || process.env.NETLIFY_FUNCTIONS_URL;
const FAIL_DIRECTORIES = new Set(JSON.parse(process.env.FAIL_DIRECTORIES || '[]'));

async function jobelix(path) {
  const response = await fetch(API_URL.replace(/\/+$/, '') + path, {
    headers: { Authorization: `Bearer ${process.env.WORKER_AUTH_TOKEN}` },
  });
  if (!response.ok) throw new Error(`GET ${path}: HTTP ${response.status}`);
  return response.json();
}

async function getPendingSubmissions(jobId) {
  const { jobs } = await jobelix('/api/v1/submissions/jobs');
  const job = jobs.find((j) => j.external_id === jobId || j.job_id === jobId);
  if (!job) throw new Error(`no job ${jobId} for this token`);
  const detail = await jobelix(`/api/v1/submissions/jobs/${job.job_id}`);
  return detail.submissions
    .filter((s) => s.status === 'pending')
    .map((s) => ({ id: s.submission_id, directory_name: s.directory_name }));
}

async function processSubmission(submission) {
  return FAIL_DIRECTORIES.has(submission.directory_name)
    ? { success: false, error: 'captcha shown' }
    : { success: true };
}

// ---- the spec, "Worker Integration" -------------------------------------------------------
import { ProgressReporter } from './worker_progress_reporter.mjs';

const reporter = new ProgressReporter();

async function processJob(job) {
  const jobId = job.id;
  let completed = 0;
  let failed = 0;
  
  try {
    // Report job started
    await reporter.reportJobStarted(jobId);
    console.log(`📊 Job ${jobId} started - reporting to backend`);
    
    // Get pending submissions
    const submissions = await getPendingSubmissions(jobId);
    
    // Process each submission
    for (const submission of submissions) {
      try {
        // Report submission started
        await reporter.reportSubmissionStarted(
          jobId,
          submission.id,
          submission.directory_name
        );
        
        // Process with AI services
        const result = await processSubmission(submission);
        
        if (result.success) {
          completed++;
          await reporter.reportSubmissionSuccess(jobId, submission.id, completed, failed);
        } else {
          failed++;
          await reporter.reportSubmissionFailed(
            jobId,
            submission.id,
            result.error || 'Unknown error',
            completed,
            failed
          );
        }
        
        // Report overall progress every submission
        await reporter.reportDirectoryProgress(
          jobId,
          completed,
          failed,
          submission.directory_name
        );
        
      } catch (error) {
        failed++;
        await reporter.reportSubmissionFailed(
          jobId,
          submission.id,
          error.message,
          completed,
          failed
        );
      }
    }
    
    // Report job completed
    await reporter.reportJobCompleted(jobId, completed, failed);
    console.log(`✅ Job ${jobId} completed - ${completed} succeeded, ${failed} failed`);
    
  } catch (error) {
    await reporter.reportJobFailed(jobId, error.message, completed, failed);
    console.error(`❌ Job ${jobId} failed:`, error);
  }
}

// ---- which example to run ----------------------------------------------------------------
const which = process.argv[2];
if (which === 'example-1') {
  // "Example 1: Job Start", Worker:
  await reporter.reportJobStarted('job-123');
} else if (which) {
  await processJob({ id: which });
} else {
  throw new Error('usage: node worker_ai_worker.mjs example-1 | <job id>');
}
console.log(JSON.stringify({ reports: reporter.reports }));
