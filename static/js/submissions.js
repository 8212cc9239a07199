/*
 * Submissions pages, live: the job progress page (#submission-job), the job list
 * (#submission-jobs) and the staff monitor (#monitor-jobs). Pages render their state
 * server-side; this applies `submission_job.updated` / `submission.updated` events
 * (channel `submissions`, the staff view `submissions:all`, or on a job's page
 * `submissions:<job id>`: that job's events only) on top. Event data is
 * shown with textContent only.
 */
(function () {
  'use strict';
  var rt = window.Jobelix && window.Jobelix.realtime;
  if (!rt) return;

  var STATUS_LABELS = { pending: 'Pending', in_progress: 'In progress', completed: 'Completed', failed: 'Failed' };
  var CONNECTION_LABELS = { live: '🟢 Live', reconnecting: '🔴 Reconnecting…', polling: '🔴 Reconnecting… (polling)', connecting: 'Connecting…', 'signed-out': 'Signed out', forbidden: 'No access' };

  function activity(job) {
    if (job.status === 'in_progress') return job.current_directory ? 'Processing ' + job.current_directory + '…' : 'Starting…';
    if (job.status === 'pending') return 'Waiting for a worker…';
    if (job.status === 'completed') return 'Finished.';
    return 'Failed' + (job.last_error_message ? ': ' + job.last_error_message : '');
  }

  function setText(root, field, text) {
    var el = root.querySelector('[data-field="' + field + '"]');
    if (el) el.textContent = text;
    return el;
  }

  function timeOf(iso) { return iso ? new Date(iso).toLocaleTimeString() : ''; }

  /* Apply only events newer than the last one applied to this element (replays may arrive late). */
  function isNewer(root, event) {
    var id = event && event.id;
    if (id === null || id === undefined) return true;
    if (Number(root.dataset.eventId || 0) > id) return false;
    root.dataset.eventId = id;
    return true;
  }

  /* Fill a job's fields (card or table row) from an event payload. */
  function renderJob(root, job) {
    var status = setText(root, 'status', STATUS_LABELS[job.status] || job.status);
    if (status) status.className = 'badge ' + job.status;
    var pct = Number(job.progress_percentage || 0);
    setText(root, 'percentage', pct.toFixed(1) + '%');
    setText(root, 'completed', String(job.directories_completed));
    setText(root, 'failed', String(job.directories_failed));
    setText(root, 'total', String(job.total));
    setText(root, 'activity', activity(job));
    setText(root, 'customer', job.customer_name || '');
    var bar = root.querySelector('[data-field="bar"]');
    if (bar) bar.style.width = Math.min(100, Math.max(0, pct)) + '%';
    var pb = root.querySelector('[data-field="progressbar"]');
    if (pb) pb.setAttribute('aria-valuenow', pct.toFixed(2));
    var updated = setText(root, 'updated', timeOf(job.updated_at || job.timestamp));
    if (updated) updated.setAttribute('datetime', job.updated_at || job.timestamp || '');
    root.dataset.status = job.status;
  }

  function showConnection() {
    rt.onStatus(function (state) {
      document.querySelectorAll('[data-field="connection"]').forEach(function (el) {
        el.textContent = CONNECTION_LABELS[state] || state;
        el.dataset.state = state;
      });
    });
  }

  /* --- the progress page of one job ------------------------------------------------ */
  function progressPage(card) {
    var jobId = card.dataset.jobId;
    var list = document.getElementById('recent-submissions');
    var limit = parseInt(list.dataset.limit || '10', 10);

    rt.on('submission_job.updated', function (job, event) {
      if (job.job_id === jobId && isNewer(card, event)) renderJob(card, job);
    });
    rt.on('submission.updated', function (sub, event) {
      if (sub.job_id !== jobId) return;
      var existing = list.querySelector('[data-submission-id="' + sub.submission_id + '"]');
      if (existing && !isNewer(existing, event)) return;
      var empty = list.querySelector('.empty');
      if (empty) empty.remove();
      var li = existing;
      if (!li) {
        li = document.createElement('li');
        li.dataset.submissionId = sub.submission_id;
        if (event && event.id) li.dataset.eventId = event.id;
        var target = document.createElement('span'); target.className = 'target';
        var badge = document.createElement('span'); badge.className = 'badge';
        var error = document.createElement('span'); error.className = 'error muted';
        li.append(target, ' ', badge, ' ', error);
      }
      li.querySelector('.target').textContent = sub.directory_name;
      var badgeEl = li.querySelector('.badge');
      badgeEl.className = 'badge ' + sub.status;
      badgeEl.textContent = sub.status;
      var errorEl = li.querySelector('.error');
      if (!errorEl) { errorEl = document.createElement('span'); errorEl.className = 'error muted'; li.append(' ', errorEl); }
      errorEl.textContent = sub.last_error_message || '';
      /* the job page, where the owner answers, reviews or reads the record (apply pipeline) */
      var open = li.querySelector('a.open');
      if (sub.tracker_job_id) {
        if (!open) { open = document.createElement('a'); open.className = 'open'; li.append(' ', open); }
        open.href = '/jobs/' + encodeURIComponent(sub.tracker_job_id) + '/';
        open.textContent = sub.status === 'needs_answer' ? 'Answer →' : (sub.status === 'review' ? 'Review →' : 'Job page →');
      } else if (open) {
        open.remove();
      }
      list.prepend(li); /* most recently touched first */
      while (list.children.length > limit) list.lastElementChild.remove();
    });
    showConnection();
  }

  /* --- a table of jobs: the user's list, or the staff monitor ------------------------ */
  function jobsTable(table, monitor) {
    var body = table.tBodies[0];
    var lastUpdate = document.getElementById('monitor-last-update');

    function emptyRow() { return body.querySelector('tr.empty'); }

    function newRow(job) {
      var tr = document.createElement('tr');
      tr.dataset.jobId = job.job_id;
      var cells = monitor
        ? ['customer', 'link', 'status', 'percentage', 'completed', 'failed', 'total', 'activity', 'updated']
        : ['link', 'status', 'percentage', 'completed', 'failed', 'total', 'activity', 'created'];
      cells.forEach(function (name) {
        var td = document.createElement('td');
        if (name === 'link') {
          var a = document.createElement('a');
          var href = '/submissions/' + encodeURIComponent(job.job_id) + '/';
          if (window.Jobelix.safeHttpUrl(href)) a.href = href;
          a.textContent = job.job_id.slice(0, 8);
          td.append(a);
        } else if (name === 'status') {
          var badge = document.createElement('span'); badge.dataset.field = 'status'; td.append(badge);
        } else if (name === 'updated') {
          var time = document.createElement('time'); time.dataset.field = 'updated'; td.append(time);
        } else if (name === 'created') {
          td.textContent = job.created_at ? new Date(job.created_at).toLocaleString() : '';
        } else {
          td.dataset.field = name;
        }
        tr.append(td);
      });
      return tr;
    }

    var seenIds = {}; /* job id -> last event id applied, kept even when a row is removed */

    rt.on('submission_job.updated', function (job, event) {
      if (event && event.id) {
        if ((seenIds[job.job_id] || 0) > event.id) return;
        seenIds[job.job_id] = event.id;
      }
      var row = body.querySelector('tr[data-job-id="' + job.job_id + '"]');
      var active = job.status === 'pending' || job.status === 'in_progress';
      if (monitor && !active) {
        if (row) row.remove();
      } else {
        if (!row) { row = newRow(job); body.prepend(row); }
        renderJob(row, job);
      }
      var empty = emptyRow();
      if (empty) {
        if (monitor) empty.hidden = body.querySelectorAll('tr[data-job-id]').length > 0;
        else if (body.querySelector('tr[data-job-id]')) empty.remove();
      }
      if (lastUpdate) {
        lastUpdate.textContent = timeOf(job.updated_at || job.timestamp);
        lastUpdate.setAttribute('datetime', job.updated_at || job.timestamp || '');
      }
    });
    showConnection();
  }

  var card = document.getElementById('submission-job');
  if (card) progressPage(card);
  var monitorTable = document.getElementById('monitor-jobs');
  if (monitorTable) jobsTable(monitorTable, true);
  var listTable = document.getElementById('submission-jobs');
  if (listTable) jobsTable(listTable, false);
})();
