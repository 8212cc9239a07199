// specs/websocket-api.md, "Channel Subscription": "Subscribe on Connection", then "Subscribe After
// Connection", "Unsubscribe from Channel" and "List Subscribed Channels", in that order, and
// "Event Types" > "system.ping" > "Client Response", run with node (>= 22: its global WebSocket
// is the browser's API). The spec's code is below; test_websocket_examples.py substitutes only
// the server (ws://localhost:8000) and appends &token=<token> to the query string.
//
// Glue, not from the spec:
// - the snippets assume an open socket; they run once the server's welcome (system.connected)
//   arrived, through `whenWelcomed`. The socket's onmessage, which these snippets leave to the
//   reader, prints every message as one JSON line (HANDLED <json>);
// - when standard input ends the socket is closed with ws.close().
// - spec deviation: each snippet's "// Server response" part is left out: it is the reply's
//   JSON, not JavaScript (a syntax error as code); the test checks those replies instead.
import { handled, whenDone } from './ws_console.mjs';

const snippets = [];
const whenWelcomed = (snippet) => snippets.push(snippet);
whenDone(() => ws.close());

// ---- the spec: Subscribe on Connection -------------------------------------------------------
const ws = new WebSocket('ws://localhost:8000/api/v1/ws?channels=jobs,applications,interviews');

// ---- glue: print what arrives; run the snippets below after the welcome ------------------------
ws.onmessage = (event) => {
  const message = JSON.parse(event.data);
  handled(message);
  if (message.type === 'system.connected') snippets.forEach((snippet) => snippet());
};
ws.onclose = (event) => console.log(`CLOSED ${event.code}`);

whenWelcomed(() => {
// ---- the spec: Subscribe After Connection -----------------------------------------------------
// Subscribe to channel
ws.send(JSON.stringify({
  action: 'subscribe',
  channel: 'recommendations'
}));
});

whenWelcomed(() => {
// ---- the spec: Unsubscribe from Channel -------------------------------------------------------
// Unsubscribe from channel
ws.send(JSON.stringify({
  action: 'unsubscribe',
  channel: 'recommendations'
}));
});

whenWelcomed(() => {
// ---- the spec: List Subscribed Channels -------------------------------------------------------
ws.send(JSON.stringify({
  action: 'list_channels'
}));
});

whenWelcomed(() => {
// ---- the spec: system.ping, Client Response ---------------------------------------------------
// Respond to ping to confirm connection alive
ws.send(JSON.stringify({
  action: 'pong'
}));
});
