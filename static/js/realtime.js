/*
 * Jobelix realtime client — the one WebSocket client every page uses.
 *
 *   Jobelix.realtime.on('bot.session_updated', function (data, event) { ... });
 *   Jobelix.realtime.onAny(function (event) { ... });      // every logged event (id != null), once
 *   Jobelix.realtime.onStatus(function (state) { ... });   // 'connecting' | 'live' | 'reconnecting' | 'polling' | 'signed-out' | 'forbidden'
 *
 * Pages render their state server-side and put the newest event id in
 * <body data-last-event-id> and their channels in <body data-channels>; the client
 * connects with ?last_event_id= so nothing between render and connect is lost,
 * reconnects with backoff, resumes from the last id it saw, dedupes by id, and
 * polls GET /api/v1/events every 10 s while the socket is down. It answers pings.
 * The one id is a cursor over every stream the page follows (its user's events, the
 * global ones): ids grow in commit order only within a stream, so the server's
 * "after N" also returns other streams' events that were still in flight when N was
 * numbered (docs/realtime.md "Resume"); some may arrive twice, which the dedupe by
 * id absorbs (seen ids are kept across reconnects).
 * The socket counts as live from the server's welcome (system.connected), not from
 * its opening: a server that accepts then closes (Redis down: 4503) keeps backing off
 * and the page keeps polling. Protocol messages (system.connected, system.error, …)
 * have no id and reach only on(type) handlers, never onAny.
 * Handlers get event data as parsed JSON: render it with textContent, never innerHTML.
 */
(function () {
  'use strict';
  var POLL_MS = 10000, FIRST_POLL_MS = 1000, MAX_BACKOFF_MS = 15000, SEEN_KEPT = 2000;

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
    this.pollChain = null;
    this.polling = false;
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
    ws.onmessage = function (message) {
      var event;
      try { event = JSON.parse(message.data); } catch (e) { return; }
      if (self.ws !== ws) return;
      if (event.type === 'system.connected') { self.attempt = 0; self.stopPolling(); self.setState('live'); }
      self.handle(event);
    };
    ws.onclose = function (closeEvent) {
      if (self.ws !== ws) return;
      self.ws = null;
      // Credentials gone (signed out, token revoked) or a staff power lost: reconnecting cannot help.
      if (closeEvent.code === 4401) { self.setState('signed-out'); return; }
      if (closeEvent.code === 4403) { self.setState('forbidden'); return; }
      if (self.state !== 'polling') self.setState('reconnecting');  // polling works: keep saying so
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

  /* While the socket is down: poll soon, then every POLL_MS, until the welcome comes back. */
  RealtimeClient.prototype.startPolling = function () {
    var self = this;
    if (this.pollChain) return;
    var chain = this.pollChain = {};
    var tick = function () {
      self.poll().then(function () { if (self.pollChain === chain) self.pollTimer = setTimeout(tick, POLL_MS); });
    };
    this.pollTimer = setTimeout(tick, FIRST_POLL_MS);
  };
  RealtimeClient.prototype.stopPolling = function () {
    this.pollChain = null;
    if (this.pollTimer) { clearTimeout(this.pollTimer); this.pollTimer = null; }
  };

  /* One round of the HTTP fallback: every page of events after the last id seen. */
  RealtimeClient.prototype.poll = function () {
    var self = this;
    if (this.polling) return Promise.resolve();
    this.polling = true;
    var fetchPage = function () {
      var url = '/api/v1/events?after=' + self.lastEventId + '&channels=' + encodeURIComponent(self.channels.join(','));
      return fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
        .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); })
        .then(function (page) {
          if (self.ws === null) self.setState('polling');
          if (page.resync_required) { location.reload(); return; }
          page.events.forEach(function (event) { self.handle(event); });
          if (page.has_more && page.events.length) return fetchPage();
        });
    };
    return fetchPage()
      .catch(function () { if (self.ws === null || self.state === 'polling') self.setState('reconnecting'); })
      .then(function () { self.polling = false; });
  };

  RealtimeClient.prototype.handle = function (event) {
    if (event.type === 'system.ping') {
      if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ action: 'pong' }));
      return;
    }
    if (event.type === 'system.resync_required') { location.reload(); return; }
    var logged = event.id !== null && event.id !== undefined;
    if (logged) {
      if (this.seen.has(event.id)) return;
      this.seen.add(event.id);
      this.seenOrder.push(event.id);
      if (this.seenOrder.length > SEEN_KEPT) this.seen.delete(this.seenOrder.shift());
      if (event.id > this.lastEventId) this.lastEventId = event.id;
    }
    (this.handlers[event.type] || []).forEach(function (h) { try { h(event.data, event); } catch (e) { console.error(e); } });
    if (!logged) return;
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

  /* A one-line, human description of an event, for feeds and toasts (plain text: use textContent). */
  function describe(event) {
    var d = event.data || {};
    var at = function (title, company) { return (title || 'A job') + ' at ' + (company || '?'); };
    switch (event.type) {
      case 'job.created': return at(d.job_title, d.company);
      case 'posting.created': return 'New posting: ' + at(d.job_title, d.company);
      case 'job.analyzing': return 'Analysing ' + at(d.job_title, d.company);
      case 'job.analyzed': return 'Job ' + d.job_id + ' analysed: ' + d.match_score + '% (' + d.recommendation + ')';
      case 'application.status_changed': return (d.company || '') + ' ' + (d.job_title || '') + ': ' + d.old_status + ' → ' + d.new_status;
      case 'application.updated': return 'Application ' + at(d.job_title, d.company) + ' updated';
      case 'recommendations.new': return d.count + ' new recommendations';
      case 'recommendations.updated': return 'Recommendations updated (' + d.count + ')';
      case 'skill_gap.completed': case 'skill_gap.updated': return 'Skills match for job ' + d.job_id + ': ' + d.overall_match + '% (' + d.missing_skills + ' missing)';
      case 'interview.scheduled': return 'Interview with ' + d.company + ' on ' + d.scheduled_date;
      case 'interview.updated': return 'Interview with ' + d.company + ' updated';
      case 'interview.reminder': return 'Interview with ' + d.company + ' in ' + d.time_until;
      case 'followup.due': return 'Follow-up with ' + d.company + ' due in ' + d.hours_until_due + ' h';
      case 'followup.sent': return 'Follow-up with ' + d.company + ' sent';
      case 'system.notification': case 'system.maintenance': return d.message;
      case 'bot.session_updated': return 'Bot ' + (d.status || '') + ' — ' + (d.activity_message || d.current_activity || '');
      case 'scraping.run_updated': return 'Scraping run ' + d.run_id + ': ' + d.status + ' (' + d.progress + '%)';
      case 'scraping.company_updated': return 'Scraping ' + d.company + ': ' + d.status + ' (' + d.jobs_found + ' jobs)';
      case 'submission_job.updated': return 'Submission job ' + (d.job_id || d.id) + ': ' + d.status + ' (' + d.progress_percentage + '%)';
      case 'submission.updated': return 'Submission to ' + d.directory_name + ': ' + d.status;
      default: return '';
    }
  }

  var body = document.body;
  var channels = (body.dataset.channels || 'system').split(',').map(function (c) { return c.trim(); }).filter(Boolean);
  var client = new RealtimeClient({ channels: channels, lastEventId: parseInt(body.dataset.lastEventId || '0', 10) });
  var labels = { live: 'Live', reconnecting: 'Reconnecting…', polling: 'Reconnecting… (polling)', connecting: 'Connecting…', 'signed-out': 'Signed out', forbidden: 'No access' };
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
