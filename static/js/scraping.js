/*
 * The scraping page, live: scraping.run_updated moves the bar and stage,
 * scraping.company_updated fills the company grid, a run's end refreshes the
 * history table and the jobs-per-run chart. Staff get Start / Stop / Reset
 * (JSON API under /api/v1/scraping/). Event data is rendered with textContent only.
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
  var asked = { history: 0, panel: 0 };
  function latest(kind, path, draw) {
    var ticket = ++asked[kind];
    return api('GET', path).then(function (r) { if (r.status === 200 && ticket === asked[kind]) draw(r.data); });
  }
  function refreshHistory() { return latest('history', 'runs?limit=20', function (d) { renderHistory(d.runs); }); }
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

  renderHistory(JSON.parse($('scrape-runs-data').textContent));
  showPanel(JSON.parse($('scrape-panel-data').textContent));
})();
