// specs/websocket-api.md, "Best Practices" > "5. Implement Heartbeat Monitoring", run with node
// (>= 22: its global WebSocket is the browser's API). The spec's code is below, unchanged.
//
// Glue, not from the spec:
// - the snippet uses a `ws` it does not open: it is opened with the URL of "Basic Connection"
//   (test_websocket_examples.py substitutes only the server, the user (user_id=user123 -> the
//   test user) and appends &token=<token>);
// - handleEvent, which the snippet calls but does not define, prints the message as one JSON
//   line (HANDLED <json>); every frame the client sends is printed as `SENT <frame>`; the
//   close code as `CLOSED <code>`;
// - when standard input ends, the heartbeat check is stopped (clearInterval) and the socket
//   closed with ws.close().
import { handled, whenDone } from './ws_console.mjs';

function handleEvent(message) {
  handled(message);
}

const ws = new WebSocket('ws://localhost:8000/api/v1/ws?user_id=user123&channels=jobs,applications');
const browserSend = ws.send.bind(ws);
ws.send = (data) => {
  console.log(`SENT ${data}`);
  browserSend(data);
};
ws.onclose = (event) => console.log(`CLOSED ${event.code}`);
whenDone(() => {
  clearInterval(heartbeatInterval);
  ws.close();
});

// ---- the spec, verbatim ----------------------------------------------------------------------
let lastPingTime = Date.now();
let heartbeatInterval = null;

ws.onmessage = (event) => {
  const message = JSON.parse(event.data);

  if (message.type === 'system.ping') {
    lastPingTime = Date.now();
    ws.send(JSON.stringify({ action: 'pong' }));
  } else {
    handleEvent(message);
  }
};

// Check heartbeat every 45 seconds
heartbeatInterval = setInterval(() => {
  const timeSinceLastPing = Date.now() - lastPingTime;

  if (timeSinceLastPing > 45000) {
    console.warn('No ping received, reconnecting...');
    ws.close();
  }
}, 45000);
