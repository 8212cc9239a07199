// specs/websocket-api.md, "Testing WebSocket Connection" > "Using Browser Console", run with node
// (>= 22: its global WebSocket and fetch are the browser's APIs). The spec's code is below,
// unchanged; test_websocket_examples.py substitutes only the server (ws://localhost:8000 and
// http://localhost:8000), the user (user_id=test -> the test user) and appends &token=<token>
// to the socket's query string.
//
// Glue, not from the spec:
// - when standard input ends (the user closes the console) the socket is closed with ws.close().
// - spec deviation: the spec's fetch is given the token (Authorization: Bearer $SPEC_TOKEN): a
//   console on another origin (localhost:3000) sends no credentials, and the API wants a user.
// - spec deviation: the spec's fetch is sent once the socket has been welcomed
//   (system.connected). Typed into a console line by line, it comes after the socket is up; run
//   as one script, it would race the connection and job.created could be published before the
//   socket joined its channels.
import { whenDone } from './ws_console.mjs';

whenDone(() => ws.close());

const browserFetch = globalThis.fetch;
globalThis.fetch = async (url, init = {}) => {
  await new Promise((welcomed) => ws.addEventListener('message', welcomed, { once: true }));
  const headers = { ...init.headers, Authorization: `Bearer ${process.env.SPEC_TOKEN}` };
  const response = await browserFetch(url, { ...init, headers });
  console.log(`FETCH ${response.status} ${await response.clone().text()}`);
  return response;
};

// ---- the spec, verbatim ----------------------------------------------------------------------
// Open browser console on http://localhost:3000 (your frontend)
const ws = new WebSocket('ws://localhost:8000/api/v1/ws?user_id=test&channels=jobs,applications');

ws.onopen = () => console.log('Connected');
ws.onmessage = (e) => console.log('Message:', JSON.parse(e.data));
ws.onerror = (e) => console.error('Error:', e);
ws.onclose = () => console.log('Closed');

// Trigger test event by creating a job via API
fetch('http://localhost:8000/api/v1/jobs', {
  method: 'POST',
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify({
    company: 'Test Corp',
    job_title: 'Test Engineer',
    job_description: 'Test job',
    job_url: 'https://test.com/job/123',
    location: 'Test City',
    source: 'test'
  })
});

// Watch console for job.created and job.analyzed events
