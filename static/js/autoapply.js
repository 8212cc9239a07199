/*
 * The auto-apply page: the bot's status card and its last 24 hours.
 *
 * State comes from the server-rendered page (#bot-status-data: the same JSON as
 * GET /api/autoapply/bot/status) and the activity registry from #bot-activities
 * (sessions_app/activities.py: this file keeps no copy). Updates arrive as
 * `bot.session_updated` events through Jobelix.realtime (WebSocket, or its
 * polling fallback). Everything the bot sent is rendered with textContent.
 */
(function () {
  'use strict';
  var STAT_FIELDS = ['jobs_found', 'jobs_applied', 'jobs_failed', 'credits_used'];
  var HISTORY_MS = 24 * 3600 * 1000;

  function readJson(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }
  function $(id) { return document.getElementById(id); }

  var initial = readJson('bot-status-data') || {};
  var registry = readJson('bot-activities') || {};
  var card = $('bot-card');
  var launchEnabled = card.dataset.launchEnabled === 'true';
  // BOT_SESSION_STALE_AFTER_SECONDS: a stop the bot has not acknowledged by then is over
  // (the reaper settles it as `stopped` on the server; the card does not wait for it).
  var staleAfterMs = Number(card.dataset.staleAfterSeconds) * 1000;
  // Server clock minus browser clock, so elapsed time ticks from the server's clock.
  var clockOffset = initial.server_time ? Date.parse(initial.server_time) - Date.now() : 0;
  var current = initial.current_session || null;
  var sessions = {};
  (initial.sessions || []).forEach(function (s) { sessions[s.id] = s; });
  if (current) sessions[current.id] = current;
  var launching = false;

  function serverNow() { return Date.now() + clockOffset; }
  function isActive(s) { return s.status === 'starting' || s.status === 'running'; }
  // Stop requested, the bot has not acknowledged it yet, and the stale window has not passed.
  function isStopping(s) {
    return s.status === 'stopped' && !s.completed_at &&
      !(s.stopped_at && serverNow() >= Date.parse(s.stopped_at) + staleAfterMs);
  }
  function isFinished(s) { return !isActive(s) && !isStopping(s); }
  function endOf(s) {
    if (isActive(s)) return null;
    return s.completed_at || s.stopped_at || s.updated_at;
  }
  function elapsedSeconds(s) {
    var end = endOf(s);
    var endMs = end ? Date.parse(end) : serverNow();
    return Math.max(0, Math.floor((endMs - Date.parse(s.started_at)) / 1000));
  }
  function formatDuration(total) {
    var h = Math.floor(total / 3600), m = Math.floor((total % 3600) / 60), sec = total % 60;
    var mm = h ? String(m).padStart(2, '0') : String(m);
    return (h ? h + ':' : '') + mm + ':' + String(sec).padStart(2, '0');
  }
  function describeActivity(code) {
    if (!code) return { emoji: '⏳', message: 'Waiting for the bot…' };
    return registry[code] || { emoji: '🤖', message: code };  // unknown: shown as sent
  }
  function describeDetails(details) {
    if (!details || typeof details !== 'object') return '';
    return Object.keys(details).slice(0, 8).map(function (key) {
      var value = details[key];
      if (value !== null && typeof value === 'object') value = JSON.stringify(value);
      return key.replace(/_/g, ' ') + ': ' + String(value).slice(0, 200);
    }).join(' · ');
  }
  function statusLabel(s) { return isStopping(s) ? 'stopping' : s.status; }
  function stoppingIds() {
    return Object.keys(sessions).filter(function (id) { return isStopping(sessions[id]); }).sort().join(',');
  }
  var shownStopping = '';

  function renderCard() {
    var has = !!current;
    $('bot-empty').hidden = has;
    $('bot-session').hidden = !has;
    var stop = $('bot-stop');
    var launch = $('bot-launch');
    var hint = $('bot-launch-hint');
    if (!has) {
      stop.hidden = true;
      if (launch) { launch.hidden = false; launch.textContent = 'Launch bot'; launch.disabled = launching; }
      return;
    }
    var s = current;
    var badge = $('bot-status');
    badge.className = 'badge ' + s.status;
    badge.textContent = statusLabel(s);
    $('bot-platform').textContent = [s.platform, s.bot_version && 'v' + s.bot_version].filter(Boolean).join(' · ');
    var activity = describeActivity(s.current_activity);
    $('bot-activity-emoji').textContent = activity.emoji;
    $('bot-activity-message').textContent = activity.message;
    $('bot-activity-details').textContent = describeDetails(s.activity_details);
    STAT_FIELDS.forEach(function (field) { $('stat-' + field).textContent = String(s[field] || 0); });
    $('bot-stopping').hidden = !isStopping(s);
    var error = $('bot-error');
    error.hidden = !s.error_message;
    error.textContent = s.error_message || '';
    var finished = isFinished(s);
    var summary = $('bot-summary');
    summary.hidden = !finished;
    if (finished) {
      summary.textContent = 'Finished (' + s.status + ') after ' + formatDuration(elapsedSeconds(s)) + ': applied to ' +
        s.jobs_applied + ' of ' + s.jobs_found + ' jobs found, ' + s.jobs_failed + ' failed, ' +
        s.credits_used + ' credits used.';
    }
    stop.hidden = !isActive(s);
    stop.disabled = false;
    if (launch) {
      launch.hidden = !finished;
      launch.textContent = 'Launch again';
      launch.disabled = launching;
    }
    if (hint) hint.hidden = !finished;
    tick();
  }

  function tick() {
    if (current) $('bot-elapsed').textContent = formatDuration(elapsedSeconds(current));
  }

  function renderHistory() {
    shownStopping = stoppingIds();
    var cutoff = serverNow() - HISTORY_MS;
    var rows = Object.keys(sessions).map(function (id) { return sessions[id]; })
      .filter(function (s) { return Date.parse(s.started_at) >= cutoff; })
      .sort(function (a, b) { return Date.parse(b.started_at) - Date.parse(a.started_at); });
    var body = $('bot-history').querySelector('tbody');
    body.textContent = '';
    rows.forEach(function (s) {
      var tr = document.createElement('tr');
      tr.dataset.sessionId = s.id;
      var activity = describeActivity(s.current_activity);
      var badge = document.createElement('span');
      badge.className = 'badge ' + s.status;
      badge.textContent = statusLabel(s);
      var cells = [
        new Date(Date.parse(s.started_at)).toLocaleTimeString(), badge,
        activity.emoji + ' ' + activity.message,
        s.jobs_found, s.jobs_applied, s.jobs_failed, s.credits_used,
        isActive(s) ? '…' : formatDuration(elapsedSeconds(s)),
      ];
      cells.forEach(function (value) {
        var td = document.createElement('td');
        if (value instanceof Node) td.appendChild(value); else td.textContent = String(value);
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    $('bot-history-empty').hidden = rows.length > 0;
  }

  function accept(session) {
    if (!session || !session.id) return;
    var known = sessions[session.id];
    // Events arrive in order; a payload older than what we hold (a late HTTP answer) is ignored.
    if (known && known.updated_at && session.updated_at && Date.parse(session.updated_at) < Date.parse(known.updated_at)) return;
    sessions[session.id] = session;
    var switchTo = !current || session.id === current.id ||
      (isActive(session) && !isActive(current)) ||
      Date.parse(session.started_at) > Date.parse(current.started_at);
    if (switchTo) current = session;
    if (isActive(session) || session.id === (current && current.id)) setLaunchState('');
    launching = false;
    renderCard();
    renderHistory();
  }

  function setLaunchState(text) { $('bot-launch-state').textContent = text; }

  function post(url, body) {
    return fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRFToken': Jobelix.csrfToken() },
      body: JSON.stringify(body || {}),
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) throw new Error(data.error || ('HTTP ' + response.status));
        return data;
      });
    });
  }

  $('bot-stop').addEventListener('click', function () {
    if (!current) return;
    var button = this;
    button.disabled = true;
    post('/api/autoapply/bot/stop', { session_id: current.id })
      .then(function (data) { accept(data.session); })
      .catch(function (err) { button.disabled = false; Jobelix.toast('Could not stop the bot: ' + err.message, 'error'); });
  });

  var launchButton = $('bot-launch');
  if (launchButton && launchEnabled) {
    launchButton.addEventListener('click', function () {
      launching = true;
      launchButton.disabled = true;
      setLaunchState('Launching… waiting for the bot to report.');
      post('/api/autoapply/bot/launch', {})
        .catch(function (err) {
          launching = false;
          launchButton.disabled = false;
          setLaunchState('');
          Jobelix.toast('Could not launch the bot: ' + err.message, 'error');
        });
    });
  }

  Jobelix.realtime.on('bot.session_updated', accept);
  renderCard();
  renderHistory();
  setInterval(function () {
    if (current && isActive(current)) tick();
    // A stop whose window passed while the page is open: show it settled without waiting for the reaper.
    if (stoppingIds() !== shownStopping) { renderCard(); renderHistory(); }
  }, 1000);
})();
