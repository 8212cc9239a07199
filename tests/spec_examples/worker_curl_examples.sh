#!/bin/sh
# specs/worker-progress.md, "Testing Real-Time Updates" > "Test 1: Worker Progress", as written.
# Only two things are substituted, from the environment the spec gives its worker:
#   https://directorybolt.com -> $API_URL            (the server's base URL)
#   YOUR_TOKEN                -> $WORKER_AUTH_TOKEN  (a worker token)
# The job "test-job-123" is a job whose owner gave it that external_id.
set -eu

# In worker logs (Render)
curl -X POST $API_URL/api/worker/update-progress \
  -H "Authorization: Bearer $WORKER_AUTH_TOKEN" \
  -H "Content-Type: application/json" \
  -d '{
    "job_id": "test-job-123",
    "status": "in_progress",
    "directories_completed": 10,
    "current_directory": "LinkedIn"
  }'
