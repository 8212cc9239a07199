/*
 * Tracker pages, kept live by the realtime client (static/js/realtime.js).
 * Every value from the server is rendered with textContent (never innerHTML); every href
 * passes Jobelix.safeHttpUrl (static/js/safe.js).
 * Pages: #tracker-page[data-page] = jobs | job | applications | interviews | followups | recommendations.
 */
(function () {
  'use strict';
  var rt = window.Jobelix && window.Jobelix.realtime;
  var page = document.getElementById('tracker-page');
  if (!rt || !page) return;
  var kind = page.dataset.page;
  var toast = window.Jobelix.toast;
  var REC_LABEL = { apply_now: 'Apply now', consider: 'Consider', skip: 'Skip' };
  var STATUS_LABEL = {};

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'className') node.className = attrs[k];
      else if (k === 'href') { if (window.Jobelix.safeHttpUrl(attrs[k])) node.setAttribute(k, attrs[k]); }
      else node.setAttribute(k, attrs[k]);
    });
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function api(method, url, body) {
    var options = { method: method, credentials: 'same-origin',
      headers: { 'Accept': 'application/json', 'X-CSRFToken': window.Jobelix.csrfToken() } };
    if (body !== undefined) { options.headers['Content-Type'] = 'application/json'; options.body = JSON.stringify(body); }
    return fetch(url, options).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (!r.ok) throw new Error(data.error || ('HTTP ' + r.status));
        return data;
      });
    });
  }
  function fmtScore(score) { return Math.round(score) + '%'; }  // scores are whole percentages (issue 14)
  function matchBadge(data) {
    if (data.analysis_status && data.analysis_status !== 'analyzed') {
      var label = data.analysis_status === 'analyzing' ? 'Analyzing…' : data.analysis_status === 'failed' ? 'Analysis failed' : 'Pending';
      return el('span', { className: 'badge match-badge ' + data.analysis_status }, label);
    }
    var badge = el('span', { className: 'badge match-badge ' + data.recommendation, 'data-score': data.match_score },
      fmtScore(data.match_score) + ' · ' + (REC_LABEL[data.recommendation] || data.recommendation));
    return badge;
  }
  function replaceChildren(node, children) {
    while (node.firstChild) node.removeChild(node.firstChild);
    children.forEach(function (c) { node.appendChild(c); });
  }

  /* Toasts for every tracker event, on every tracker page. */
  var describe = {
    'job.created': function (d) { return 'Job saved: ' + d.job_title + ' at ' + d.company; },
    'job.analyzed': function (d) { return 'Job analysed: ' + fmtScore(d.match_score) + ' match (' + (REC_LABEL[d.recommendation] || d.recommendation) + ')'; },
    'skill_gap.completed': function (d) { return 'Skills gap ready: ' + d.missing_skills + ' missing skill(s)'; },
    'application.status_changed': function (d) { return d.company + ' — ' + d.job_title + ': ' + d.old_status + ' → ' + d.new_status; },
    'interview.scheduled': function (d) { return 'Interview scheduled with ' + d.company; },
    'interview.updated': function (d) { return 'Interview with ' + d.company + ' updated'; },
    'interview.reminder': function (d) { return 'Interview with ' + d.company + ' in ' + d.time_until + '!'; },
    'followup.due': function (d) { return 'Follow-up with ' + d.company + ' due in ' + d.hours_until_due + ' h'; },
    'followup.sent': function (d) { return 'Follow-up with ' + d.company + ' marked sent'; },
    'recommendations.new': function (d) { return d.count + ' new recommendation(s)'; },
    'recommendations.updated': function () { return 'Recommendations updated'; }
  };
  Object.keys(describe).forEach(function (type) {
    rt.on(type, function (data) {
      var urgent = type === 'interview.reminder' || type === 'followup.due';
      toast(describe[type](data), urgent ? 'warning' : 'info');
    });
  });

  /* ---------------------------------------------------------------- scraped postings (salary, workplace, places) */
  var WORKPLACE_LABEL = { remote: 'Remote', hybrid: 'Hybrid', onsite: 'On-site', unknown: '' };
  function postingQuery(form) {
    var params = new URLSearchParams();
    if (!form) return params;
    ['salary_min', 'workplace', 'country', 'employment_type'].forEach(function (name) {
      var field = form.elements[name];
      if (field && field.value.trim()) params.set(name, field.value.trim());
    });
    return params;
  }
  function salaryText(s) {
    if (!s || (s.min === null && s.max === null)) return (s && s.text) || '';
    var fmt = function (v) {  // as the server renders it: 180,000 and 18.50
      var n = Number(v);
      return Number.isInteger(n) ? n.toLocaleString('en-US') : n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    };
    var range = s.min !== null && s.max !== null && s.min !== s.max ? fmt(s.min) + '–' + fmt(s.max) : fmt(s.min !== null ? s.min : s.max);
    return [s.currency, range, s.interval ? '/ ' + s.interval : ''].filter(Boolean).join(' ');
  }
  function placesText(p) {
    var names = (p.locations || []).map(function (loc) {
      var kind = loc.workplace_type && loc.workplace_type !== p.workplace_type ? WORKPLACE_LABEL[loc.workplace_type] : '';
      return loc.name + (kind ? ' (' + kind + ')' : '');
    });
    return names.length ? names.join('; ') : (p.location || '');
  }
  function postingFacts(p) {
    var span = el('span', { className: 'posting-facts muted' });
    [[salaryText(p.salary), 'posting-salary'], [WORKPLACE_LABEL[p.workplace_type] || '', 'posting-workplace'],
     [placesText(p), 'posting-locations'], [p.employment_type_text || p.employment_type || '', 'posting-employment']]
      .forEach(function (part) { if (part[0]) { span.appendChild(el('span', { className: part[1] }, part[0])); span.appendChild(document.createTextNode(' · ')); } });
    if (span.lastChild) span.removeChild(span.lastChild);
    return span;
  }
  function recReasons(r) {  // why it scored so: its concerns, then its strengths (as the server renders them)
    var ul = el('ul', { className: 'rec-reasons' });
    (r.concerns || []).forEach(function (c) { ul.appendChild(el('li', { className: 'concern' }, c)); });
    (r.strengths || []).forEach(function (s) { ul.appendChild(el('li', { className: 'strength muted' }, s)); });
    return ul;
  }
  function filtersSet(params) { return Array.from(params.keys()).length > 0; }

  /* ---------------------------------------------------------------- jobs list */
  if (kind === 'jobs') {
    var tbody = document.querySelector('#jobs-table tbody');
    var rowFor = function (id) { return tbody.querySelector('tr[data-job-id="' + id + '"]'); };
    rt.on('job.created', function (d) {
      if (rowFor(d.job_id)) return;
      var empty = tbody.querySelector('tr.empty');
      if (empty) empty.remove();
      var tr = el('tr', { 'data-job-id': d.job_id });
      var title = el('td'); title.appendChild(el('a', { href: '/jobs/' + d.job_id + '/' }, d.job_title));
      var badgeCell = el('td'); badgeCell.appendChild(matchBadge({ analysis_status: 'pending' }));
      var appCell = el('td', { className: 'app-status' }); appCell.appendChild(el('span', { className: 'muted' }, '—'));
      [title, el('td', {}, d.company), el('td', {}, d.location || ''), badgeCell, appCell, el('td', { className: 'apply' })].forEach(function (c) { tr.appendChild(c); });
      tbody.insertBefore(tr, tbody.firstChild);
    });
    rt.on('job.analyzing', function (d) {
      var tr = rowFor(d.job_id);
      if (tr) replaceChildren(tr.children[3], [matchBadge({ analysis_status: 'analyzing' })]);
    });
    rt.on('job.analyzed', function (d) {
      var tr = rowFor(d.job_id);
      if (tr) replaceChildren(tr.children[3], [matchBadge({ analysis_status: 'analyzed', match_score: d.match_score, recommendation: d.recommendation })]);
    });
    rt.on('application.status_changed', function (d) {
      var tr = rowFor(d.job_id);
      if (tr) replaceChildren(tr.querySelector('.app-status'), [el('span', { className: 'badge' }, d.new_status)]);
    });
    var postingForm = document.getElementById('posting-filters');
    var postingBody = document.querySelector('#postings-table tbody');
    var loadPostings = function () {
      var params = postingQuery(postingForm);
      params.set('limit', '50');
      api('GET', '/api/v1/scraping/postings?' + params.toString()).then(function (data) {
        var rows = data.postings.map(function (p) {
          var tr = el('tr', { 'data-posting-id': p.id });
          var title = el('td');
          title.appendChild(p.url ? el('a', { href: p.url, rel: 'noopener noreferrer', target: '_blank' }, p.title) : el('span', {}, p.title));
          [title, el('td', {}, p.employer || p.company), el('td', { className: 'posting-salary' }, salaryText(p.salary)),
           el('td', { className: 'posting-workplace' }, WORKPLACE_LABEL[p.workplace_type] || '—'),
           el('td', { className: 'posting-locations' }, placesText(p)),
           el('td', { className: 'posting-employment' }, p.employment_type_text || p.employment_type || '')]
            .forEach(function (c) { tr.appendChild(c); });
          return tr;
        });
        if (!rows.length) {
          var empty = el('tr', { className: 'empty' });
          empty.appendChild(el('td', { colspan: '6', className: 'muted' }, 'No scraped postings match.'));
          rows = [empty];
        }
        replaceChildren(postingBody, rows);
        document.getElementById('postings-count').textContent = String(data.count);
      }).catch(function (err) { toast(err.message, 'error'); });
    };
    if (postingForm && postingBody) {
      postingForm.addEventListener('submit', function (e) { e.preventDefault(); loadPostings(); });
      loadPostings();
    }
  }

  /* ---------------------------------------------------------------- job page */
  if (kind === 'job') {
    var jobId = parseInt(page.dataset.jobId, 10);
    var refresh = function () {
      api('GET', '/api/v1/jobs/' + jobId).then(function (job) {
        var a = job.analysis || {};
        document.getElementById('match-score').textContent = job.match_score === null ? '—' : fmtScore(job.match_score);
        replaceChildren(document.getElementById('match-badge'), [matchBadge(job)]);
        replaceChildren(document.querySelector('#score-breakdown tbody'), (a.score_breakdown || []).map(function (p) {
          var tr = el('tr');
          tr.appendChild(el('th', {}, p.name.charAt(0).toUpperCase() + p.name.slice(1)));
          tr.appendChild(el('td', {}, p.points + ' / ' + p.max_points));
          tr.appendChild(el('td', { className: 'muted' }, p.detail));
          return tr;
        }));
        var list = function (id, items) {
          replaceChildren(document.getElementById(id), items.length ? items.map(function (t) { return el('li', {}, t); }) : [el('li', { className: 'muted' }, '—')]);
        };
        list('strengths', a.strengths || []);
        list('concerns', a.concerns || []);
        var gap = a.skills_gap || {};
        document.getElementById('gap-overall').textContent = gap.overall_match === undefined ? '—' : gap.overall_match + '%';
        replaceChildren(document.getElementById('gap-missing'), (gap.missing_skills || []).map(function (m) {
          var li = el('li', { className: m.importance }, m.skill + ' ');
          li.appendChild(el('span', { className: 'muted' }, '(' + m.importance + ')'));
          return li;
        }));
        replaceChildren(document.getElementById('gap-matching'), (gap.matching_skills || []).map(function (m) {
          return el('li', {}, m.skill + (m.via ? ' (via ' + m.via + ')' : ''));
        }));
        var req = a.requirements || {};
        document.getElementById('req-required').textContent = (req.required_skills || []).join(', ') || '—';
        document.getElementById('req-nice').textContent = (req.nice_to_have_skills || []).join(', ') || '—';
        document.getElementById('req-experience').textContent = (req.experience ? 'Experience: ' + req.experience.label : 'No years of experience stated.') +
          (req.work_mode ? ' · Work mode: ' + req.work_mode : '');
      }).catch(function () { /* shown on next reload */ });
    };
    rt.on('job.analyzing', function (d) { if (d.job_id === jobId) replaceChildren(document.getElementById('match-badge'), [matchBadge({ analysis_status: 'analyzing' })]); });
    rt.on('job.analyzed', function (d) { if (d.job_id === jobId) refresh(); });
    rt.on('skill_gap.completed', function (d) { if (d.job_id === jobId) refresh(); });
    rt.on('application.status_changed', function (d) {
      if (d.job_id !== jobId) return;
      var state = document.getElementById('application-state');
      replaceChildren(state, [document.createTextNode('Status: '), el('span', { className: 'badge' }, d.new_status)]);
    });
    /* The bot's application for this job (channel submissions): the badge follows it; once it waits for the
       user (answer, review, captcha) or is done, the page reloads to show the forms and the record. */
    var botCard = document.getElementById('bot-apply');
    if (botCard) {
      var postingId = parseInt(botCard.dataset.postingId || '0', 10);
      var SETTLED = ['review', 'needs_answer', 'needs_human', 'submitted', 'approved', 'failed', 'skipped'];
      rt.on('submission.updated', function (d) {
        if (d.tracker_job_id !== jobId && d.job_posting_id !== postingId) return;
        var badge = document.getElementById('bot-apply-status');
        if (badge) { badge.textContent = d.status; badge.className = 'badge ' + d.status; }
        if (SETTLED.indexOf(d.status) !== -1 && botCard.dataset.status !== d.status) {
          botCard.dataset.status = d.status;
          window.location.reload();
        }
      });
    }
  }

  /* ---------------------------------------------------------------- kanban */
  if (kind === 'applications') {
    var board = document.getElementById('kanban');
    var options = document.getElementById('kanban-status-options');
    Array.prototype.forEach.call(options.content.querySelectorAll('option'), function (o) { STATUS_LABEL[o.value] = o.textContent; });
    var column = function (status) { return board.querySelector('.kanban-column[data-status="' + status + '"]'); };
    var cardFor = function (id) { return board.querySelector('.kanban-card[data-application-id="' + id + '"]'); };
    var recount = function () {
      Array.prototype.forEach.call(board.querySelectorAll('.kanban-column'), function (col) {
        col.querySelector('.count').textContent = col.querySelectorAll('.kanban-card').length;
      });
    };
    var place = function (card, status) {
      var col = column(status);
      if (!col || !card) return;
      card.dataset.status = status;
      card.querySelector('select').value = status;
      var list = col.querySelector('.kanban-cards');
      if (card.parentNode !== list) list.insertBefore(card, list.firstChild);
      recount();
    };
    var move = function (card, status) {
      var previous = card.dataset.status;
      if (previous === status) return;
      place(card, status);
      api('POST', '/api/v1/applications/' + card.dataset.applicationId + '/status', { status: status })
        .catch(function (err) { place(card, previous); toast('Could not move the card: ' + err.message, 'error'); });
    };
    var wire = function (card) {
      card.addEventListener('dragstart', function (e) {
        card.classList.add('dragging');
        e.dataTransfer.setData('text/plain', card.dataset.applicationId);
        e.dataTransfer.effectAllowed = 'move';
      });
      card.addEventListener('dragend', function () { card.classList.remove('dragging'); });
      card.querySelector('form.move').addEventListener('submit', function (e) {
        e.preventDefault();
        move(card, card.querySelector('select').value);
      });
    };
    var buildCard = function (app) {
      var li = el('li', { className: 'kanban-card', draggable: 'true', 'data-application-id': app.id, 'data-job-id': app.job_id, 'data-status': app.status });
      li.appendChild(el('a', { href: '/jobs/' + app.job_id + '/', className: 'card-title' }, app.job_title));
      li.appendChild(el('div', { className: 'muted card-company' }, app.company));
      if (app.match_score !== null && app.match_score !== undefined) li.appendChild(el('span', { className: 'badge' }, fmtScore(app.match_score)));
      var form = el('form', { className: 'move', method: 'post', action: '/applications/' + app.id + '/status' });
      var label = el('label', { className: 'sr-only', 'for': 'status-' + app.id }, 'Status of ' + app.job_title);
      var select = el('select', { name: 'status', id: 'status-' + app.id });
      Object.keys(STATUS_LABEL).forEach(function (value) { select.appendChild(el('option', { value: value }, STATUS_LABEL[value])); });
      select.value = app.status;
      form.appendChild(label); form.appendChild(select); form.appendChild(el('button', { type: 'submit' }, 'Move'));
      li.appendChild(form);
      wire(li);
      return li;
    };
    Array.prototype.forEach.call(board.querySelectorAll('.kanban-card'), wire);
    Array.prototype.forEach.call(board.querySelectorAll('.kanban-column'), function (col) {
      col.addEventListener('dragover', function (e) { e.preventDefault(); col.classList.add('drop-target'); });
      col.addEventListener('dragleave', function () { col.classList.remove('drop-target'); });
      col.addEventListener('drop', function (e) {
        e.preventDefault();
        col.classList.remove('drop-target');
        var card = cardFor(e.dataTransfer.getData('text/plain'));
        if (card) move(card, col.dataset.status);
      });
    });
    rt.on('application.status_changed', function (d) {
      var card = cardFor(d.application_id) || board.querySelector('.kanban-card[data-job-id="' + d.job_id + '"]');
      if (card) place(card, d.new_status);
    });
    rt.on('application.updated', function (d) {
      if ((d.changes || []).indexOf('created') === -1 || cardFor(d.application_id)) return;
      api('GET', '/api/v1/applications/' + d.application_id).then(function (app) {
        if (cardFor(app.id)) return;
        var col = column(app.status);
        if (col) { col.querySelector('.kanban-cards').insertBefore(buildCard(app), col.querySelector('.kanban-cards').firstChild); recount(); }
      });
    });
  }

  /* ---------------------------------------------------------------- interviews */
  if (kind === 'interviews') {
    var list = document.getElementById('interview-list');
    var tick = function () {
      var now = Date.now();
      Array.prototype.forEach.call(document.querySelectorAll('[data-countdown]'), function (node) {
        var ms = Date.parse(node.dataset.countdown) - now;
        var item = node.closest('.interview');
        if (ms <= 0) { node.textContent = 'now'; return; }
        var s = Math.floor(ms / 1000), d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60);
        node.textContent = (d ? d + 'd ' : '') + (d || h ? h + 'h ' : '') + m + 'm ' + (s % 60) + 's';
        if (item) item.classList.toggle('soon', ms < 3600 * 1000);
      });
    };
    var render = function (iv) {
      var li = el('li', { className: 'interview', 'data-interview-id': iv.id, 'data-scheduled': iv.scheduled_date });
      li.appendChild(el('strong', { className: 'iv-type' }, iv.interview_type.replace('_', ' ')));
      li.appendChild(document.createTextNode(' · '));
      li.appendChild(el('span', { className: 'iv-job' }, iv.job_title + ' at ' + iv.company));
      li.appendChild(el('br'));
      li.appendChild(el('time', { className: 'iv-date', datetime: iv.scheduled_date }, new Date(iv.scheduled_date).toUTCString()));
      li.appendChild(document.createTextNode(' (' + iv.duration_minutes + ' min) — in '));
      li.appendChild(el('span', { className: 'countdown', 'data-countdown': iv.scheduled_date }, '…'));
      if (iv.location) { li.appendChild(el('br')); li.appendChild(el('span', { className: 'muted iv-location' }, iv.location)); }
      li.appendChild(el('br'));
      li.appendChild(el('a', { className: 'ics', href: iv.ics_url }, 'Add to calendar (.ics)'));
      return li;
    };
    var upsert = function (id) {
      api('GET', '/api/v1/interviews/' + id).then(function (iv) {
        var old = list.querySelector('[data-interview-id="' + iv.id + '"]');
        if (old) old.remove();
        if (iv.status !== 'scheduled' || Date.parse(iv.scheduled_date) < Date.now()) return;
        var empty = list.querySelector('.empty');
        if (empty) empty.remove();
        var node = render(iv);
        var after = Array.prototype.find.call(list.children, function (li) { return Date.parse(li.dataset.scheduled) > Date.parse(iv.scheduled_date); });
        list.insertBefore(node, after || null);
        tick();
      });
    };
    rt.on('interview.scheduled', function (d) { upsert(d.interview_id); });
    rt.on('interview.updated', function (d) { upsert(d.interview_id); });
    tick();
    setInterval(tick, 1000);
  }

  /* ---------------------------------------------------------------- follow-ups */
  if (kind === 'followups') {
    var row = function (id) { return document.querySelector('#followup-table tr[data-followup-id="' + id + '"]'); };
    rt.on('followup.due', function (d) {
      var tr = row(d.followup_id);
      if (!tr) return;
      tr.classList.add('due-soon');
      replaceChildren(tr.querySelector('.fu-status'), [el('span', { className: 'badge consider' }, 'Due soon')]);
    });
    rt.on('followup.sent', function (d) {
      var tr = row(d.followup_id);
      if (!tr) return;
      tr.classList.remove('due-soon');
      replaceChildren(tr.querySelector('.fu-status'), [el('span', { className: 'badge ok' }, 'Sent')]);
      replaceChildren(tr.querySelector('.fu-action'), []);
    });
  }

  /* ---------------------------------------------------------------- recommendations */
  if (kind === 'recommendations') {
    /* The Apply button of a recommendation (a plain form post, as rendered by the page). */
    var applyForm = function (postingId) {
      var form = el('form', { method: 'post', action: '/apply/' + encodeURIComponent(postingId) + '/', className: 'inline apply-form' });
      form.appendChild(el('input', { type: 'hidden', name: 'csrfmiddlewaretoken', value: window.Jobelix.csrfToken() }));
      form.appendChild(el('input', { type: 'hidden', name: 'next', value: window.location.pathname }));
      form.appendChild(el('button', { type: 'submit', className: 'secondary' }, 'Apply'));
      return form;
    };
    var recForm = document.getElementById('posting-filters');
    var reload = function () {
      api('GET', '/api/v1/recommendations?limit=50').then(function (pageData) {
        var ids = pageData.results.filter(function (r) { return r.posting_id; }).map(function (r) { return r.posting_id; });
        var params = postingQuery(recForm);
        var filtering = filtersSet(params);
        params.set('ids', ids.join(','));
        params.set('limit', '200');
        var postings = ids.length ? api('GET', '/api/v1/scraping/postings?' + params.toString()) : Promise.resolve({ postings: [] });
        return postings.then(function (found) {
          var byId = {};
          found.postings.forEach(function (p) { byId[p.id] = p; });
          var ol = document.getElementById('recommendation-list');
          // A filter keeps only scraped postings that match it (your own jobs carry no salary or workplace).
          var shown = pageData.results.filter(function (r) { return !filtering || (r.posting_id && byId[r.posting_id]); });
          replaceChildren(ol, shown.map(function (r) {
            var li = el('li', r.posting_id ? { 'data-posting-id': r.posting_id } : {});
            li.appendChild(el('span', { className: 'badge ' + r.recommendation }, fmtScore(r.score)));
            li.appendChild(document.createTextNode(' '));
            li.appendChild(r.job_id ? el('a', { href: '/jobs/' + r.job_id + '/' }, r.job_title)
              : window.Jobelix.externalLink(r.url, r.job_title));
            li.appendChild(el('span', { className: 'muted' }, ' at ' + r.company + ' · ' + (r.location || '')));
            if (r.posting_id) li.appendChild(applyForm(r.posting_id));
            if (byId[r.posting_id]) { li.appendChild(el('br')); li.appendChild(postingFacts(byId[r.posting_id])); }
            li.appendChild(recReasons(r));
            return li;
          }));
          if (!shown.length) ol.appendChild(el('li', { className: 'muted empty' }, filtering ? 'No recommendation matches these filters.' : 'Nothing yet: add jobs or wait for the next scrape.'));
        });
      }).catch(function (err) { toast(err.message, 'error'); });
    };
    if (recForm) recForm.addEventListener('submit', function (e) { e.preventDefault(); reload(); });
    rt.on('recommendations.new', reload);
    rt.on('recommendations.updated', reload);
    reload();
  }
})();
