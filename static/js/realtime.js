/*
 * Jobelix realtime client — the one WebSocket client every page uses.
 *
 *   Jobelix.realtime.on('bot.session_updated', function (data, event) { ... });
 *   Jobelix.realtime.onAny(function (event) { ... });
 *   Jobelix.realtime.onStatus(function (state) { ... });   // 'live' | 'reconnecting' | 'polling'
 *
 * Pages render their state server-side and put the newest event id in
 * <body data-last-event-id> and their channels in <body data-channels>; the client
 * connects with ?last_event_id= so nothing between render and connect is lost,
 * reconnects with backoff, resumes from the last id it saw, dedupes by id, and
 * polls GET /api/v1/events every 10 s while the socket is down. It answers pings.
 * Handlers get event data as parsed JSON: render it with textContent, never innerHTML.
 */
(function () {
  'use strict';
  var POLL_MS = 10000, MAX_BACKOFF_MS = 15000, SEEN_KEPT = 2000;

  function RealtimeClient(options) {
    this.channels = options.channels;
    this.lastEventId = options.lastEventId || 0;
    this.handlers = {};
    this.anyHandlers = [];
    this.statusHandlers = [];
    this.seen = new Set();
    this.seenOrder = [];
    this.attempt = 0;
    this.ws = null;
    this.pollTimer = null;
    this.state = 'connecting';
  }

  RealtimeClient.prototype.on = function (type, handler) {
    (this.handlers[type] = this.handlers[type] || []).push(handler);
    return this;
  };
  RealtimeClient.prototype.onAny = function (handler) { this.anyHandlers.push(handler); return this; };
  RealtimeClient.prototype.onStatus = function (handler) { this.statusHandlers.push(handler); handler(this.state); return this; };

  RealtimeClient.prototype.setState = function (state) {
    if (this.state === state) return;
    this.state = state;
    this.statusHandlers.forEach(function (h) { h(state); });
  };

  RealtimeClient.prototype.url = function () {
    var scheme = location.protocol === 'https:' ? 'wss://' : 'ws://';
    return scheme + location.host + '/api/v1/ws?channels=' + encodeURIComponent(this.channels.join(',')) +
      '&last_event_id=' + this.lastEventId;
  };

  RealtimeClient.prototype.connect = function () {
    var self = this;
    var ws;
    try { ws = new WebSocket(this.url()); } catch (e) { this.scheduleReconnect(); return; }
    this.ws = ws;
    ws.onopen = function () { self.attempt = 0; self.stopPolling(); self.setState('live'); };
    ws.onmessage = function (message) {
      var event;
      try { event = JSON.parse(message.data); } catch (e) { return; }
      self.handle(event);
    };
    ws.onclose = function (closeEvent) {
      if (self.ws !== ws) return;
      self.ws = null;
      if (closeEvent.code === 4401) { self.setState('signed-out'); return; }
      self.setState('reconnecting');
      self.startPolling();
      self.scheduleReconnect();
    };
  };

  RealtimeClient.prototype.scheduleReconnect = function () {
    var self = this;
    this.attempt += 1;
    var delay = Math.min(MAX_BACKOFF_MS, 500 * Math.pow(2, this.attempt - 1)) * (0.75 + Math.random() * 0.5);
    setTimeout(function () { if (!self.ws) self.connect(); }, delay);
  };

  RealtimeClient.prototype.startPolling = function () {
    var self = this;
    if (this.pollTimer) return;
    this.pollTimer = setInterval(function () { self.poll(); }, POLL_MS);
  };
  RealtimeClient.prototype.stopPolling = function () {
    if (this.pollTimer) { clearInterval(this.pollTimer); this.pollTimer = null; }
  };

  RealtimeClient.prototype.poll = function () {
    var self = this;
    var url = '/api/v1/events?after=' + this.lastEventId + '&channels=' + encodeURIComponent(this.channels.join(','));
    return fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); })
      .then(function (page) {
        if (self.ws === null) self.setState('polling');
        if (page.resync_required) { location.reload(); return; }
        page.events.forEach(function (event) { self.handle(event); });
      })
      .catch(function () { /* server down too: keep trying */ });
  };

  RealtimeClient.prototype.handle = function (event) {
    if (event.type === 'system.ping') {
      if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ action: 'pong' }));
      return;
    }
    if (event.type === 'system.resync_required') { location.reload(); return; }
    if (event.id !== null && event.id !== undefined) {
      if (this.seen.has(event.id)) return;
      this.seen.add(event.id);
      this.seenOrder.push(event.id);
      if (this.seenOrder.length > SEEN_KEPT) this.seen.delete(this.seenOrder.shift());
      if (event.id > this.lastEventId) this.lastEventId = event.id;
    }
    (this.handlers[event.type] || []).forEach(function (h) { try { h(event.data, event); } catch (e) { console.error(e); } });
    this.anyHandlers.forEach(function (h) { try { h(event); } catch (e) { console.error(e); } });
  };

  RealtimeClient.prototype.send = function (message) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  };

  function toast(text, kind) {
    var box = document.getElementById('toasts');
    if (!box) return;
    var item = document.createElement('div');
    item.className = 'toast ' + (kind || 'info');
    item.setAttribute('role', 'status');
    item.textContent = text;
    box.appendChild(item);
    setTimeout(function () { item.remove(); }, 6000);
  }

  /* A one-line, human description of an event, for feeds and toasts. */
  function describe(event) {
    var d = event.data || {};
    switch (event.type) {
      case 'job.created': return (d.job_title || 'A job') + ' at ' + (d.company || '?');
      case 'job.analyzed': return 'Job ' + d.job_id + ' analysed: ' + d.match_score + '% (' + d.recommendation + ')';
      case 'application.status_changed': return (d.company || '') + ' ' + (d.job_title || '') + ': ' + d.old_status + ' → ' + d.new_status;
      case 'interview.reminder': return 'Interview with ' + d.company + ' in ' + d.time_until;
      case 'followup.due': return 'Follow-up with ' + d.company + ' due in ' + d.hours_until_due + ' h';
      case 'recommendations.new': return d.count + ' new recommendations';
      case 'system.notification': case 'system.maintenance': return d.message;
      case 'bot.session_updated': return 'Bot ' + (d.status || '') + ' — ' + (d.current_activity || d.activity || '');
      case 'submission_job.updated': return 'Submission job ' + (d.job_id || d.id) + ': ' + d.status + ' (' + d.progress_percentage + '%)';
      default: return '';
    }
  }

  var body = document.body;
  var channels = (body.dataset.channels || 'system').split(',').map(function (c) { return c.trim(); }).filter(Boolean);
  var client = new RealtimeClient({ channels: channels, lastEventId: parseInt(body.dataset.lastEventId || '0', 10) });
  var labels = { live: 'Live', reconnecting: 'Reconnecting…', polling: 'Reconnecting… (polling)', connecting: 'Connecting…', 'signed-out': 'Signed out' };
  client.onStatus(function (state) {
    var badge = document.getElementById('live-status');
    if (badge) { badge.dataset.state = state; badge.textContent = labels[state] || state; }
  });
  client.on('system.notification', function (d) { toast(d.message, d.severity); });
  client.on('system.maintenance', function (d) { toast('Maintenance: ' + d.message, 'warning'); });

  window.Jobelix = window.Jobelix || {};
  window.Jobelix.realtime = client;
  window.Jobelix.toast = toast;
  window.Jobelix.describe = describe;
  window.Jobelix.csrfToken = function () {
    var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : '';
  };
  /* Start after the page's own scripts have registered their handlers. */
  if (document.readyState === 'complete') client.connect();
  else window.addEventListener('load', function () { client.connect(); });
})();
