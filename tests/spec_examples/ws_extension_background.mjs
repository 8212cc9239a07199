// specs/websocket-api.md, "Client Implementation Examples" > "Chrome Extension Background Script"
// (background.js), run with node (>= 22: its global WebSocket is the browser's API). The spec's
// code is below, unchanged; test_websocket_examples.py substitutes only the server
// (ws://localhost:8000), the user (user_id=extension -> the test user) and appends
// &token=<token> to the query string.
//
// Glue, not from the spec:
// - `chrome`, the extension APIs node lacks (chrome.action, chrome.notifications,
//   chrome.runtime): a stand-in that prints each call as `CHROME <api>.<method> <JSON args>`;
// - when standard input ends (the extension is unloaded) the socket is closed; the spec's
//   onclose runs (badge '!', a reconnect scheduled in 5 s), then the glue cancels that
//   reconnect (clearTimeout(reconnectTimeout)) so node exits.
import { whenDone } from './ws_console.mjs';

const recorder = (api) => new Proxy({}, {
  get: (_, method) => (...args) => console.log(`CHROME ${api}.${String(method)} ${JSON.stringify(args)}`),
});
globalThis.chrome = { action: recorder('action'), notifications: recorder('notifications'), runtime: recorder('runtime') };

whenDone(() => {
  const specOnClose = ws.onclose;
  ws.onclose = (event) => {
    specOnClose(event);
    clearTimeout(reconnectTimeout);
  };
  ws.close();
});

// ---- the spec, verbatim ----------------------------------------------------------------------
// background.js
let ws = null;
let reconnectTimeout = null;

function connectWebSocket() {
  ws = new WebSocket('ws://localhost:8000/api/v1/ws?user_id=extension&channels=jobs,applications');

  ws.onopen = () => {
    console.log('Extension WebSocket connected');
    chrome.action.setBadgeText({ text: '' });
    chrome.action.setBadgeBackgroundColor({ color: '#00FF00' });

    if (reconnectTimeout) {
      clearTimeout(reconnectTimeout);
      reconnectTimeout = null;
    }
  };

  ws.onmessage = (event) => {
    const message = JSON.parse(event.data);
    handleWebSocketMessage(message);
  };

  ws.onerror = (error) => {
    console.error('WebSocket error:', error);
  };

  ws.onclose = () => {
    console.log('WebSocket closed, reconnecting...');
    chrome.action.setBadgeText({ text: '!' });
    chrome.action.setBadgeBackgroundColor({ color: '#FF0000' });

    // Reconnect after 5 seconds
    reconnectTimeout = setTimeout(connectWebSocket, 5000);
  };
}

function handleWebSocketMessage(message) {
  switch (message.type) {
    case 'job.analyzed':
      // Show notification
      chrome.notifications.create({
        type: 'basic',
        iconUrl: 'icon.png',
        title: 'Job Analyzed',
        message: `Match score: ${message.data.match_score}%`
      });

      // Update badge
      chrome.action.setBadgeText({ text: 'NEW' });
      break;

    case 'interview.scheduled':
      chrome.notifications.create({
        type: 'basic',
        iconUrl: 'icon.png',
        title: 'Interview Scheduled',
        message: `${message.data.company} - ${message.data.interview_type}`
      });
      break;

    case 'followup.due':
      chrome.notifications.create({
        type: 'basic',
        iconUrl: 'icon.png',
        title: 'Follow-up Due',
        message: `Follow up with ${message.data.company}`
      });
      break;
  }

  // Broadcast to popup/content scripts
  chrome.runtime.sendMessage({
    type: 'websocket_event',
    data: message
  });
}

// Start connection
connectWebSocket();
