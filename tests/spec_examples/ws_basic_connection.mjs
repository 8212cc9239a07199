// specs/websocket-api.md, "Connection Setup" > "Basic Connection" > "JavaScript (Browser)", run
// with node (>= 22: its global WebSocket is the browser's API). The spec's code is below,
// unchanged; test_websocket_examples.py substitutes only the server (ws://localhost:8000), the
// user (user_id=user123 -> the test user) and appends &token=<token> to the query string.
//
// Glue, not from the spec:
// - handleEvent, which the spec calls but does not define: it prints the message as one JSON line;
// - when standard input ends (the user closes the page) the socket is closed with ws.close().
import { handled, whenDone } from './ws_console.mjs';

function handleEvent(message) {
  handled(message);
}

whenDone(() => ws.close());

// ---- the spec, verbatim ----------------------------------------------------------------------
const ws = new WebSocket('ws://localhost:8000/api/v1/ws?user_id=user123&channels=jobs,applications');

ws.onopen = () => {
  console.log('WebSocket connected');
};

ws.onmessage = (event) => {
  const message = JSON.parse(event.data);
  console.log('Received:', message);
  handleEvent(message);
};

ws.onerror = (error) => {
  console.error('WebSocket error:', error);
};

ws.onclose = (event) => {
  console.log('WebSocket closed:', event.code, event.reason);
  // Implement reconnection logic
};
