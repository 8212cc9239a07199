/*
 * The scraping page, live: scraping.run_updated moves the bar and stage,
 * scraping.company_updated fills the company grid, a run's end refreshes the
 * history table and the jobs-per-run chart. Staff get Start / Stop / Reset
 * (JSON API under /api/v1/scraping/). Event data is rendered with textContent only.
 * Also: the history pager (only page 1 follows runs live), the jobs-per-company chart and
 * error rate per source (refreshed when a run ends), the health panel (polled every 10 s
 * and when a run changes), schedules (staff), and the staff debug panel: the last 50 raw
 * events of the `scraping` channel and the connection state.
 */
(function () {
  'use strict';
  var root = document.getElementById('scraping-page');
  if (!root || !window.Jobelix) return;
  var rt = Jobelix.realtime;
  var $ = function (id) { return document.getElementById(id); };
  var panel = $('live-panel');
  var grid = $('company-grid').querySelector('tbody');
  var buttons = { start: $('scrape-start'), stop: $('scrape-stop'), reset: $('scrape-reset') };
  var runStatus = {};   // run id -> last status seen, to refresh the history only on changes
  var currentRun = null;

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }
  function badge(status) { return el('span', status, 'badge ' + status); }
  function seconds(value) { return value === null || value === undefined ? '' : value.toFixed(1) + ' s'; }
  function when(iso) { return iso ? new Date(iso).toLocaleString() : ''; }
  function message(text, kind) {
    var box = $('scrape-message');
    box.textContent = text || '';
    box.className = kind === 'error' ? 'error' : 'muted';
  }

  function setControls(run) {
    if (buttons.start) buttons.start.disabled = !!(run && run.active);
    if (buttons.stop) buttons.stop.disabled = !(run && run.active) || !!(run && run.stop_requested);
    if (buttons.reset) buttons.reset.disabled = !run || run.active;
  }

  function showRun(run) {
    currentRun = run;
    panel.hidden = false;
    $('panel-empty').hidden = true;
    panel.dataset.runId = run.run_id;
    $('run-id').textContent = '#' + run.run_id;
    var status = $('run-status');
    status.textContent = run.status;
    status.className = 'badge ' + run.status;
    $('run-stage').textContent = run.current_stage;
    var pct = Math.round(run.progress);
    $('run-progress').setAttribute('aria-valuenow', pct);
    $('run-progress-bar').style.width = pct + '%';
    $('run-progress-text').textContent = pct + '%';
    $('run-companies').textContent = run.companies_done + '/' + run.companies_total;
    $('run-jobs-found').textContent = run.jobs_found;
    $('run-jobs-new').textContent = run.jobs_new;
    $('run-error').textContent = run.error || '';
    $('run-error').hidden = !run.error;
    setControls(run);
  }

  function clearPanel() {
    currentRun = null;
    panel.hidden = true;
    panel.dataset.runId = '';
    grid.replaceChildren();
    $('panel-empty').hidden = false;
    setControls(null);
  }

  function renderCompany(row) {
    var tr = grid.querySelector('tr[data-company-id="' + Number(row.company_id) + '"]');
    if (!tr) {
      tr = document.createElement('tr');
      tr.dataset.companyId = row.company_id;
      ['c-name', 'c-source', 'c-status', 'c-jobs', 'c-time', 'c-error'].forEach(function (cls) { tr.appendChild(el('td', '', cls)); });
      grid.appendChild(tr);
    }
    tr.querySelector('.c-name').textContent = row.company;
    tr.querySelector('.c-source').textContent = row.source;
    tr.querySelector('.c-status').replaceChildren(badge(row.status));
    tr.querySelector('.c-jobs').textContent = row.jobs_found;
    tr.querySelector('.c-time').textContent = seconds(row.duration_seconds);
    tr.querySelector('.c-error').textContent = row.error || '';
  }

  function showPanel(state) {
    if (!state.run) { clearPanel(); return; }
    showRun(state.run);
    grid.replaceChildren();
    state.companies.forEach(renderCompany);
  }

  function renderHistory(runs) {
    var body = $('run-history').querySelector('tbody');
    body.replaceChildren();
    if (!runs.length) {
      var empty = el('tr', null, 'empty');
      var td = el('td', 'No runs yet.', 'muted'); td.colSpan = 8; empty.appendChild(td);
      body.appendChild(empty);
    }
    runs.forEach(function (run) {
      runStatus[run.run_id] = run.status;
      var tr = document.createElement('tr');
      tr.dataset.runId = run.run_id;
      var status = el('td'); status.appendChild(badge(run.status));
      tr.append(
        el('td', '#' + run.run_id), el('td', when(run.created_at)), status,
        el('td', seconds(run.duration_seconds)), el('td', run.jobs_found), el('td', run.jobs_new),
        el('td', Math.round(run.error_rate * 100) + '%'), el('td', run.started_by || 'schedule')
      );
      body.appendChild(tr);
    });
    renderChart(runs);
  }

  /* Bars of jobs found per run, oldest on the left; inline SVG, no library. */
  function renderChart(runs) {
    var svg = $('runs-chart');
    var NS = 'http://www.w3.org/2000/svg';
    var W = 600, H = 200, top = 16, bottom = 22;
    var data = runs.slice(0, 20).reverse();
    svg.replaceChildren();
    var max = Math.max.apply(null, data.map(function (r) { return r.jobs_found; }).concat([1]));
    var slot = W / 20;  // fixed slots: a bar is as wide with 1 run as with 20
    function node(tag, attrs, text) {
      var n = document.createElementNS(NS, tag);
      Object.keys(attrs).forEach(function (k) { n.setAttribute(k, attrs[k]); });
      if (text !== undefined) n.textContent = String(text);
      return n;
    }
    svg.appendChild(node('line', { x1: 0, y1: H - bottom, x2: W, y2: H - bottom, stroke: '#9ca3af' }));
    if (!data.length) { svg.appendChild(node('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', fill: '#6b7280' }, 'No runs yet')); return; }
    data.forEach(function (run, i) {
      var h = (H - top - bottom) * run.jobs_found / max;
      var x = i * slot + slot * 0.15, w = slot * 0.7, y = H - bottom - h;
      var fill = run.status === 'completed' ? '#2563eb' : run.status === 'failed' ? '#dc2626' : '#9ca3af';
      var bar = node('rect', { x: x, y: y, width: w, height: Math.max(h, 1), fill: fill, 'data-run-id': run.run_id, 'class': 'bar' });
      bar.appendChild(node('title', {}, 'Run #' + run.run_id + ': ' + run.jobs_found + ' jobs (' + run.status + ')'));
      svg.appendChild(bar);
      svg.appendChild(node('text', { x: x + w / 2, y: y - 3, 'text-anchor': 'middle', 'font-size': 10 }, run.jobs_found));
      svg.appendChild(node('text', { x: x + w / 2, y: H - 6, 'text-anchor': 'middle', 'font-size': 10, fill: '#6b7280' }, '#' + run.run_id));
    });
  }

  function api(method, path, body) {
    return fetch('/api/v1/scraping/' + path, {
      method: method,
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRFToken': Jobelix.csrfToken() },
      body: body ? JSON.stringify(body) : undefined
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) { return { status: response.status, data: data }; });
    });
  }

  /* Refreshes can overlap; only the newest request's answer is drawn. */
  var asked = { history: 0, panel: 0, analytics: 0, health: 0 };
  function latest(kind, path, draw) {
    var ticket = ++asked[kind];
    return api('GET', path).then(function (r) { if (r.status === 200 && ticket === asked[kind]) draw(r.data); });
  }
  var historyPage = Number($('history').dataset.page || 1);
  function refreshHistory() {
    if (historyPage !== 1) return Promise.resolve();  // an older page does not change
    return latest('history', 'runs?limit=20', function (d) { renderHistory(d.runs); });
  }
  function refreshPanel() { return latest('panel', 'status', showPanel); }

  rt.on('scraping.run_updated', function (run) {
    var shown = Number(panel.dataset.runId || 0);
    if (run.cleared) {
      if (run.run_id === shown) clearPanel();
    } else if (run.run_id > shown) {
      refreshPanel();  // a new run takes over the panel: load its whole grid
    } else if (run.run_id === shown) {
      showRun(run);
      if (!run.active) message('');
    }
    if (runStatus[run.run_id] !== run.status) {
      runStatus[run.run_id] = run.status;
      refreshHistory();
      refreshHealth();
      if (!run.active) refreshAnalytics();
    }
  });
  rt.on('scraping.company_updated', function (row) {
    if (row.run_id === Number(panel.dataset.runId || 0)) renderCompany(row);
  });

  function chosenCompanies() {
    var ids = Array.prototype.map.call(
      document.querySelectorAll('#company-picker input[name=company_ids]:checked'),
      function (box) { return Number(box.value); });
    return ids.length ? ids : null;
  }

  if (buttons.start) buttons.start.addEventListener('click', function () {
    buttons.start.disabled = true;
    message('Starting…');
    var ids = chosenCompanies();
    api('POST', 'start', ids ? { company_ids: ids } : {}).then(function (r) {
      if (r.status === 202) { message('Scrape queued.'); showPanel(r.data); refreshHistory(); }
      else if (r.status === 409) { message(r.data.error, 'error'); refreshPanel(); }
      else { message(r.data.error || 'Could not start (HTTP ' + r.status + ').', 'error'); setControls(currentRun); }
    });
  });
  if (buttons.stop) buttons.stop.addEventListener('click', function () {
    buttons.stop.disabled = true;
    message('Stopping…');
    api('POST', 'stop').then(function (r) {
      if (r.status === 200) { message('Stop requested.'); if (r.data.run.run_id === Number(panel.dataset.runId)) showRun(r.data.run); }
      else { message(r.data.error || 'Could not stop.', 'error'); refreshPanel(); }
    });
  });
  if (buttons.reset) buttons.reset.addEventListener('click', function () {
    api('POST', 'reset').then(function (r) {
      if (r.status === 200) { message(''); clearPanel(); }
      else message(r.data.error || 'Could not reset.', 'error');
    });
  });

  /* Schedules (staff): times in the browser's zone; Edit fills the form with that schedule. */
  function localTimes(scope) {
    scope.querySelectorAll('time[datetime]').forEach(function (t) { t.textContent = when(t.getAttribute('datetime')); });
  }
  var schedulesData = $('scrape-schedules-data');
  if (schedulesData) {
    var schedules = JSON.parse(schedulesData.textContent);
    localTimes($('schedule-list'));
    document.querySelectorAll('#schedule-list .s-edit').forEach(function (button) {
      button.addEventListener('click', function () {
        var id = Number(button.closest('tr').dataset.scheduleId);
        var s = schedules.filter(function (x) { return x.id === id; })[0];
        if (s) fillScheduleForm(s);
      });
    });
  }
  function fillScheduleForm(s) {
    var form = $('schedule-form');
    var field = function (name) { return form.elements.namedItem(name); };
    field('name').value = s.name;
    field('enabled').checked = s.enabled;
    form.querySelector('input[name=kind][value=' + (s.kind === 'interval' ? 'interval' : 'cron') + ']').checked = true;
    if (s.every_minutes) field('every_minutes').value = s.every_minutes;
    if (s.cron) Object.keys(s.cron).forEach(function (k) { field(k).value = s.cron[k]; });
    if (s.timezone && s.kind !== 'interval') field('timezone').value = s.timezone;
    form.querySelectorAll('input[name=company_ids]').forEach(function (box) {
      box.checked = (s.company_ids || []).indexOf(Number(box.value)) >= 0;
    });
    form.scrollIntoView();
  }


  /* ---- jobs found per company over time: one line per company, inline SVG, no library ---- */
  var PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#65a30d', '#9333ea', '#475569'];
  function svgNode(tag, attrs, text) {
    var n = document.createElementNS('http://www.w3.org/2000/svg', tag);
    Object.keys(attrs).forEach(function (k) { n.setAttribute(k, attrs[k]); });
    if (text !== undefined) n.textContent = String(text);
    return n;
  }
  function renderCompanyChart(data) {
    var svg = $('company-chart');
    var W = 600, H = 220, left = 40, right = 12, top = 12, bottom = 24;
    var lines = data.jobs_per_company;
    var times = [], max = 1;
    lines.forEach(function (line) {
      line.points.forEach(function (p) { times.push(Date.parse(p.at)); max = Math.max(max, p.jobs_found); });
    });
    svg.replaceChildren();
    svg.appendChild(svgNode('line', { x1: left, y1: H - bottom, x2: W - right, y2: H - bottom, stroke: '#9ca3af' }));
    svg.appendChild(svgNode('line', { x1: left, y1: top, x2: left, y2: H - bottom, stroke: '#9ca3af' }));
    svg.appendChild(svgNode('text', { x: left - 4, y: top + 8, 'text-anchor': 'end', 'font-size': 10, fill: '#6b7280' }, max));
    svg.appendChild(svgNode('text', { x: left - 4, y: H - bottom, 'text-anchor': 'end', 'font-size': 10, fill: '#6b7280' }, 0));
    if (!times.length) {
      svg.appendChild(svgNode('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', fill: '#6b7280' }, 'No completed scrapes yet'));
    } else {
      var t0 = Math.min.apply(null, times), t1 = Math.max.apply(null, times);
      var x = function (t) { return t1 > t0 ? left + (t - t0) / (t1 - t0) * (W - left - right) : (left + W - right) / 2; };
      var y = function (v) { return H - bottom - v / max * (H - top - bottom); };
      svg.appendChild(svgNode('text', { x: left, y: H - 6, 'font-size': 10, fill: '#6b7280' }, new Date(t0).toLocaleDateString()));
      if (t1 > t0) svg.appendChild(svgNode('text', { x: W - right, y: H - 6, 'text-anchor': 'end', 'font-size': 10, fill: '#6b7280' }, new Date(t1).toLocaleDateString()));
      lines.forEach(function (line, i) {
        var color = PALETTE[i % PALETTE.length];
        var group = svgNode('g', { 'class': 'series', 'data-company-id': line.company_id });
        var coords = line.points.map(function (p) { return x(Date.parse(p.at)).toFixed(1) + ',' + y(p.jobs_found).toFixed(1); });
        group.appendChild(svgNode('polyline', { points: coords.join(' '), fill: 'none', stroke: color, 'stroke-width': 2 }));
        line.points.forEach(function (p) {
          var dot = svgNode('circle', { cx: x(Date.parse(p.at)), cy: y(p.jobs_found), r: 3, fill: color });
          dot.appendChild(svgNode('title', {}, line.company + ': ' + p.jobs_found + ' jobs (run #' + p.run_id + ', ' + when(p.at) + ')'));
          group.appendChild(dot);
        });
        svg.appendChild(group);
      });
    }
    var legend = $('company-legend');
    legend.replaceChildren();
    lines.forEach(function (line, i) {
      var li = el('li');
      li.dataset.companyId = line.company_id;
      var swatch = el('span', '', 'swatch');
      swatch.style.background = PALETTE[i % PALETTE.length];
      li.append(swatch, document.createTextNode(' ' + line.company + ' '), el('span', '(' + line.points.length + ' runs)', 'muted'));
      legend.appendChild(li);
    });
  }
  function renderSourceErrors(rows) {
    var body = $('source-errors').querySelector('tbody');
    body.replaceChildren();
    if (!rows.length) {
      var empty = el('tr', null, 'empty');
      var td = el('td', 'No scrapes in this period.', 'muted'); td.colSpan = 4; empty.appendChild(td);
      body.appendChild(empty);
    }
    rows.forEach(function (row) {
      var tr = el('tr');
      tr.dataset.source = row.source;
      tr.append(el('td', row.source), el('td', row.scrapes), el('td', row.failed), el('td', Math.round(row.error_rate * 100) + '%', 'e-rate'));
      body.appendChild(tr);
    });
  }
  function refreshAnalytics() {
    return latest('analytics', 'analytics?days=30', function (d) { renderCompanyChart(d); renderSourceErrors(d.error_rate_per_source); });
  }

  /* ---- health panel: polled every 10 s (and when a run changes) ---- */
  function bytes(n) {
    if (n === null || n === undefined) return '—';
    var units = ['bytes', 'KB', 'MB', 'GB', 'TB'], i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return (i ? n.toFixed(1) : n) + '\u00a0' + units[i];
  }
  function part(id, value, render) {
    var node = $(id);
    if (!value || value.error) node.replaceChildren(el('span', value ? value.error : 'unavailable', 'error'));
    else node.replaceChildren.apply(node, render(value));
  }
  function text(t) { return document.createTextNode(t); }
  function renderHealth(h) {
    $('h-active').textContent = h.active_operations;
    $('h-last-success').textContent = h.last_successful_run ? when(h.last_successful_run) : 'never';
    $('h-duration').textContent = h.average_duration === null ? '—' : h.average_duration.toFixed(1) + ' s';
    $('h-error-rate').textContent = Math.round(h.error_rate * 100) + '%';
    $('h-counts').textContent = h.active_companies + ' / ' + h.active_postings;
    var r = h.system_resources;
    part('h-process', r.process, function (p) {
      return [text('CPU ' + p.cpu_percent + '% · memory ' + bytes(p.memory_rss_bytes) + ' · ' + p.threads + ' threads')];
    });
    part('h-queues', r.celery, function (c) {
      var nodes = [];
      c.queues.forEach(function (q, i) {
        if (i) nodes.push(text(' · '));
        var span = el('span', q.name + ': ' + q.depth, 'queue');
        span.dataset.queue = q.name;
        nodes.push(span);
      });
      nodes.push(text(' (taken, unacknowledged: ' + c.unacked + ')'));
      return nodes;
    });
    part('h-redis', r.redis, function (d) { return [text('memory ' + bytes(d.used_memory_bytes) + ' · ' + d.connected_clients + ' clients')]; });
    part('h-database', r.database, function (d) {
      return [text(bytes(d.size_bytes) + ' · ' + d.connections + ' of ' + d.max_connections + ' connections')];
    });
    var updated = $('health-updated');
    updated.setAttribute('datetime', r.collected_at);
    updated.textContent = when(r.collected_at);
  }
  function refreshHealth() { return latest('health', 'health', renderHealth); }
  var HEALTH_POLL_MS = 10000;
  setInterval(function () { if (!document.hidden) refreshHealth(); }, HEALTH_POLL_MS);
  var healthUpdated = $('health-updated');
  healthUpdated.textContent = when(healthUpdated.getAttribute('datetime'));

  /* ---- debug panel (staff): the last 50 raw events of `scraping`, the connection state ---- */
  var debugList = $('debug-events');
  if (debugList) {
    var DEBUG_KEPT = 50;
    var addRaw = function (event) {
      var li = el('li');
      li.dataset.eventId = event.id;
      li.appendChild(el('code', JSON.stringify(event)));
      debugList.insertBefore(li, debugList.firstChild);  // newest on top
      while (debugList.children.length > DEBUG_KEPT) debugList.removeChild(debugList.lastChild);
      $('debug-count').textContent = debugList.children.length;
    };
    JSON.parse($('scrape-debug-data').textContent).forEach(addRaw);
    rt.onAny(function (event) {
      if (event.channel === 'scraping') addRaw(event);
      $('debug-last-id').textContent = rt.lastEventId;
    });
    rt.onStatus(function (state) {
      var badge = $('debug-connection');
      badge.textContent = state;
      badge.dataset.state = state;
      badge.className = 'badge ' + (state === 'live' ? 'ok' : state === 'connecting' ? '' : 'failed');
    });
  }
  renderCompanyChart(JSON.parse($('scrape-analytics-data').textContent));

  renderHistory(JSON.parse($('scrape-runs-data').textContent));
  showPanel(JSON.parse($('scrape-panel-data').textContent));
})();
