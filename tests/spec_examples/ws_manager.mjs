// specs/websocket-api.md, "Best Practices" > "1. Implement Reconnection Logic": the
// WebSocketManager class and its usage, run with node (>= 22: its global WebSocket is the
// browser's API). The spec's code is below, unchanged; test_websocket_examples.py substitutes
// only the server (ws://localhost:8000), the user (user_id=user123 -> the test user) and appends
// &token=<token> to the query string.
//
// Glue, not from the spec: when standard input ends (the user closes the page) the manager is
// stopped the way the class allows: no reconnection attempts left (maxReconnectAttempts = 0),
// then its socket is closed; its onclose then logs 'Disconnected' and reconnect() gives up
// with 'Max reconnection attempts reached' (on stderr) and node exits.
import { whenDone } from './ws_console.mjs';

whenDone(() => {
  wsManager.maxReconnectAttempts = 0;
  wsManager.ws.close();
});

// ---- the spec, verbatim ----------------------------------------------------------------------
class WebSocketManager {
  constructor(url, options = {}) {
    this.url = url;
    this.reconnectDelay = options.reconnectDelay || 3000;
    this.maxReconnectAttempts = options.maxReconnectAttempts || 10;
    this.reconnectAttempts = 0;
    this.ws = null;
    this.eventHandlers = {};
  }

  connect() {
    this.ws = new WebSocket(this.url);

    this.ws.onopen = () => {
      console.log('Connected');
      this.reconnectAttempts = 0;
      this.onConnected();
    };

    this.ws.onmessage = (event) => {
      const message = JSON.parse(event.data);
      this.handleMessage(message);
    };

    this.ws.onclose = () => {
      console.log('Disconnected');
      this.reconnect();
    };

    this.ws.onerror = (error) => {
      console.error('Error:', error);
    };
  }

  reconnect() {
    if (this.reconnectAttempts >= this.maxReconnectAttempts) {
      console.error('Max reconnection attempts reached');
      return;
    }

    this.reconnectAttempts++;
    console.log(`Reconnecting... (attempt ${this.reconnectAttempts})`);

    setTimeout(() => {
      this.connect();
    }, this.reconnectDelay * this.reconnectAttempts);
  }

  on(eventType, handler) {
    this.eventHandlers[eventType] = handler;
  }

  handleMessage(message) {
    const handler = this.eventHandlers[message.type];
    if (handler) {
      handler(message.data);
    }
  }

  onConnected() {
    // Override in subclass
  }
}

// Usage
const wsManager = new WebSocketManager('ws://localhost:8000/api/v1/ws?user_id=user123&channels=jobs');
wsManager.on('job.analyzed', (data) => {
  console.log('Job analyzed:', data);
});
wsManager.connect();
