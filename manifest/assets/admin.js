/* Deskhand admin page (nav_bar): the per-category policy with measured precision and the
 * thresholds `deskhand eval` proposes, editable behind a preview of what the change would have
 * done to the latest tickets; connector status; the recent decision log; performance (resolution,
 * drafts, CSAT, wrong categories per category and week, with sample sizes) and the autonomy ladder. */
(function () {
  'use strict';
  var D = window.Deskhand;
  var el = D.el;
  var client = window.ZAFClient.init();
  var MODES = ['off', 'shadow', 'draft', 'auto'];
  var OUTCOMES = ['send', 'draft', 'escalate', 'solve', 'skip'];
  var PREVIEW_N = 50;
  var api = null;
  var entries = {}; // category -> the entry Deskhand holds now

  function byId(id) { return document.getElementById(id); }

  function notice(kind, text) {
    var box = D.clear(byId('notice'));
    if (text) { box.appendChild(el('p', { className: 'message ' + kind, role: kind === 'error' ? 'alert' : 'status' }, text)); }
  }

  function failed(where, failure) {
    var err = D.errorFrom(failure);
    D.clear(where).appendChild(el('p', { className: 'message error', role: 'alert' },
      err.status === 403 ? 'Only Zendesk admins may use this page (' + err.message + ').' : err.message));
  }

  /* ---- policy ---- */

  function loadPolicy() {
    return api.call('GET', '/api/zendesk/admin/policy').then(renderPolicy, function (f) { failed(byId('policy'), f); });
  }

  function renderPolicy(data) {
    entries = {};
    var rows = (data.categories || []).slice();
    if (data['default']) { rows.push(Object.assign({}, data['default'], { category: 'default' })); }
    byId('eval-at').textContent = data.eval_at
      ? 'Volume, precision and proposed thresholds measured by deskhand eval on ' + D.when(data.eval_at) + '.'
      : 'No deskhand eval has been recorded yet: volume, precision and proposals are empty until one runs.';
    var body = rows.map(function (entry) {
      entries[entry.category] = entry;
      return policyRow(entry);
    });
    var table = el('table', { className: 'grid', id: 'policy-table' },
      el('thead', null, el('tr', null, ['Category', 'Mode', 'send_at', 'draft_at', 'Volume', 'Precision', 'Proposed send / draft', '']
        .map(function (h) { return el('th', null, h); }))),
      el('tbody', null, body));
    D.clear(byId('policy')).appendChild(table);
  }

  function policyRow(entry) {
    var mode = el('select', { className: 'mode', 'aria-label': 'mode for ' + entry.category },
      MODES.map(function (m) { return el('option', { value: m, selected: m === entry.mode }, m); }));
    var sendAt = threshold('send-at', entry.send_at, 'send_at for ' + entry.category);
    var draftAt = threshold('draft-at', entry.draft_at, 'draft_at for ' + entry.category);
    var row;
    function edited() { row.classList.toggle('edited', changes(row, entry).length > 0); }
    [mode, sendAt, draftAt].forEach(function (input) { input.addEventListener('input', edited); input.addEventListener('change', edited); });
    var hasProposal = typeof entry.proposed_send_at === 'number' || typeof entry.proposed_draft_at === 'number';
    row = el('tr', { dataset: { category: entry.category } },
      el('td', { className: 'category' }, entry.category === 'default' ? 'default (any other category)' : D.humanise(entry.category)),
      el('td', null, mode),
      el('td', null, sendAt),
      el('td', null, draftAt),
      el('td', { className: 'num' }, typeof entry.volume === 'number' ? String(entry.volume) : '—'),
      el('td', { className: 'num' }, D.percent(entry.precision)),
      el('td', { className: 'num' }, D.number(entry.proposed_send_at) + ' / ' + D.number(entry.proposed_draft_at),
        hasProposal ? el('button', { type: 'button', className: 'link use-proposed', onclick: function () {
          if (typeof entry.proposed_send_at === 'number') { sendAt.value = String(entry.proposed_send_at); }
          if (typeof entry.proposed_draft_at === 'number') { draftAt.value = String(entry.proposed_draft_at); }
          edited();
        } }, 'use') : null),
      el('td', null, el('button', { type: 'button', className: 'preview', onclick: function () { preview(row, entry); } }, 'Preview'),
        ' ', el('button', { type: 'button', className: 'replies', onclick: function () { editReplies(entry); } }, 'Replies…')));
    return row;
  }

  function threshold(cls, value, label) {
    return el('input', { type: 'number', className: cls, min: 0, max: 1, step: 0.01, 'aria-label': label,
      value: typeof value === 'number' ? String(value) : '' });
  }

  /* What the row's inputs would change, as [field, old, new]. */
  function changes(row, entry) {
    var out = [];
    var values = rowValues(row);
    if (values.mode !== entry.mode) { out.push(['mode', entry.mode, values.mode]); }
    ['send_at', 'draft_at'].forEach(function (key) {
      if (values[key] !== entry[key]) { out.push([key, entry[key], values[key]]); }
    });
    return out;
  }

  function rowValues(row) {
    var read = function (cls) {
      var raw = row.querySelector('input.' + cls).value.trim();
      return raw === '' ? NaN : Number(raw);
    };
    return { mode: row.querySelector('select.mode').value, send_at: read('send-at'), draft_at: read('draft-at') };
  }

  function proposal(row) {
    var values = rowValues(row);
    var problems = [];
    ['send_at', 'draft_at'].forEach(function (key) {
      if (!(values[key] >= 0 && values[key] <= 1)) { problems.push(key + ' must be a number from 0 to 1'); }
    });
    if (problems.length) { throw new D.DeskhandError(0, problems.join('; ')); }
    return values;
  }

  function preview(row, entry) {
    var values;
    try { values = proposal(row); } catch (err) { notice('error', err.message); return; }
    notice('', '');
    var box = byId('confirm');
    box.hidden = false;
    D.clear(box).appendChild(el('p', { className: 'muted' }, 'Replaying the latest tickets with the new ' + entry.category + ' policy…'));
    var body = { category: entry.category, mode: values.mode, send_at: values.send_at, draft_at: values.draft_at, n: PREVIEW_N };
    api.call('POST', '/api/zendesk/admin/policy/preview', body).then(function (result) {
      renderConfirm(entry, values, changes(row, entry), result);
    }, function (failure) { failed(box, failure); });
  }

  function renderConfirm(entry, values, diff, result) {
    var box = D.clear(byId('confirm'));
    var what = diff.length ? diff.map(function (c) { return c[0] + ' ' + fmt(c[1]) + ' → ' + fmt(c[2]); }).join(', ') : 'no change';
    var counts = el('table', { className: 'grid counts', id: 'preview-counts' },
      el('thead', null, el('tr', null, el('th', null, ''), OUTCOMES.map(function (o) { return el('th', null, o); }))),
      el('tbody', null, ['before', 'after'].map(function (when) {
        var counted = result[when] || {};
        return el('tr', { dataset: { when: when } }, el('th', null, when === 'before' ? 'Now' : 'With the change'),
          OUTCOMES.map(function (o) {
            var n = counted[o] || 0;
            var delta = when === 'after' ? n - ((result.before || {})[o] || 0) : 0;
            return el('td', { className: 'num' + (delta ? ' delta' : '') }, String(n) + (delta ? ' (' + (delta > 0 ? '+' : '') + delta + ')' : ''));
          }));
      })));
    var changed = result.changed || [];
    var list = changed.length
      ? el('ul', { className: 'plain', id: 'preview-changed' }, changed.map(function (c) {
        return el('li', null, el('a', { href: '#', className: 'ticket-link', onclick: function (event) { event.preventDefault(); openTicket(c.ticket_id); } }, '#' + c.ticket_id),
          ' ' + c.before + ' → ' + c.after, el('span', { className: 'muted' }, ' (confidence ' + D.percent(c.confidence) + ')'));
      }))
      : el('p', { className: 'muted', id: 'preview-changed' }, 'None of these tickets would have been handled differently.');
    box.appendChild(el('div', { className: 'confirm-box', role: 'dialog', 'aria-label': 'Confirm policy change' },
      el('h3', null, 'Change ' + D.humanise(entry.category) + ': ' + what),
      el('p', { id: 'preview-scope' }, 'What the change would have done to the last ' + result.n + ' ticket' + (result.n === 1 ? '' : 's') +
        (entry.category === 'default' ? ' under the default policy' : ' in ' + D.humanise(entry.category)) + ' that Deskhand decided:'),
      counts,
      el('h4', null, changed.length + ' ticket' + (changed.length === 1 ? '' : 's') + ' would have been handled differently'),
      list,
      el('div', { className: 'buttons' },
        el('button', { type: 'button', className: 'primary', id: 'apply', onclick: function (event) { apply(entry, values, event.currentTarget); } }, 'Apply'),
        el('button', { type: 'button', id: 'cancel', onclick: function () { D.clear(byId('confirm')).hidden = true; } }, 'Cancel'))));
    box.scrollIntoView({ block: 'nearest' });
  }

  function apply(entry, values, button) {
    button.disabled = true;
    var body = { mode: values.mode, send_at: values.send_at, draft_at: values.draft_at };
    api.call('PUT', '/api/zendesk/admin/policy/' + encodeURIComponent(entry.category), body).then(function (saved) {
      D.clear(byId('confirm')).hidden = true;
      notice('ok', 'Saved ' + entry.category + ': mode ' + saved.mode + ', send_at ' + fmt(saved.send_at) + ', draft_at ' + fmt(saved.draft_at) + '. New tickets are decided with it.');
      return Promise.all([loadPolicy(), loadDecisions()]);
    }, function (failure) {
      button.disabled = false;
      notice('error', 'Not saved: ' + D.errorFrom(failure).message);
    });
  }

  /* ---- how a category replies: answers from the account, solving on confirmation, the holding reply ---- */

  var HOURS_MAX = 336;

  function editReplies(entry) {
    notice('', '');
    var box = byId('confirm');
    box.hidden = false;
    var check = function (name, label) {
      return el('label', null, el('input', { type: 'checkbox', name: name, checked: !!entry[name] }), ' ' + label);
    };
    var text = el('input', { type: 'text', name: 'holding_reply_text', maxLength: 600, value: entry.holding_reply_text || '',
      placeholder: 'Thanks for your message. A person on our team will reply here.', 'aria-label': 'holding reply text' });
    var hours = el('input', { type: 'number', name: 'holding_reply_hours', min: 0, max: HOURS_MAX, step: 1,
      value: entry.holding_reply_hours ? String(entry.holding_reply_hours) : '', placeholder: 'no time promised',
      'aria-label': 'hours the holding reply promises' });
    var form = el('div', { className: 'confirm-box', id: 'replies', role: 'dialog', 'aria-label': 'How ' + entry.category + ' replies' },
      el('h3', null, 'How ' + D.humanise(entry.category) + ' replies'),
      el('p', null, check('account_facts', "Answer from the customer's billing account when the message asks about it")),
      el('p', null, check('solve_on_confirmation', 'Solve the ticket when the customer confirms the answer helped')),
      el('p', null, check('holding_reply', 'On escalation, tell the customer a person will reply')),
      el('p', null, 'Its words (empty: the default) ', text),
      el('p', null, 'Hours it may promise (empty: no time) ', hours),
      el('div', { className: 'buttons' },
        el('button', { type: 'button', className: 'primary', id: 'save-replies', onclick: function (event) {
          saveReplies(entry, form, event.currentTarget);
        } }, 'Save'),
        el('button', { type: 'button', id: 'cancel-replies', onclick: function () { D.clear(byId('confirm')).hidden = true; } }, 'Cancel')));
    D.clear(box).appendChild(form);
    box.scrollIntoView({ block: 'nearest' });
  }

  function repliesValues(form) {
    var checked = function (name) { return form.querySelector('input[name=' + name + ']').checked; };
    var raw = form.querySelector('input[name=holding_reply_hours]').value.trim();
    var hours = raw === '' ? 0 : Number(raw);
    if (!(Number.isInteger(hours) && hours >= 0 && hours <= HOURS_MAX)) {
      throw new D.DeskhandError(0, 'hours must be a whole number from 0 to ' + HOURS_MAX);
    }
    return { account_facts: checked('account_facts'), solve_on_confirmation: checked('solve_on_confirmation'),
      holding_reply: checked('holding_reply'), holding_reply_text: form.querySelector('input[name=holding_reply_text]').value.trim(),
      holding_reply_hours: hours };
  }

  function saveReplies(entry, form, button) {
    var values;
    try { values = repliesValues(form); } catch (err) { notice('error', err.message); return; }
    button.disabled = true;
    api.call('PUT', '/api/zendesk/admin/policy/' + encodeURIComponent(entry.category), values).then(function (saved) {
      D.clear(byId('confirm')).hidden = true;
      notice('ok', 'Saved how ' + entry.category + ' replies: account facts ' + (saved.account_facts ? 'on' : 'off') +
        ', solve on confirmation ' + (saved.solve_on_confirmation ? 'on' : 'off') + ', holding reply ' +
        (saved.holding_reply ? 'on' + (saved.holding_reply_hours ? ' (' + saved.holding_reply_hours + ' h)' : '') : 'off') + '.');
      return loadPolicy();
    }, function (failure) {
      button.disabled = false;
      notice('error', 'Not saved: ' + D.errorFrom(failure).message);
    });
  }

  function fmt(value) { return typeof value === 'number' ? D.number(value) : String(value); }

  function openTicket(id) {
    client.invoke('routeTo', 'ticket', id);
  }

  /* ---- connectors and queue ---- */

  function loadStatus() {
    return api.call('GET', '/api/zendesk/admin/status').then(function (data) {
      var connectors = data.connectors || [];
      var queue = data.queue || {};
      var model = data.model;
      var modelText = model && typeof model === 'object'
        ? Object.keys(model).map(function (k) { return k + ' ' + (typeof model[k] === 'object' ? JSON.stringify(model[k]) : model[k]); }).join(', ')
        : (model || 'none');
      D.clear(byId('status')).appendChild(el('div', null,
        el('table', { className: 'grid', id: 'connectors' },
          el('thead', null, el('tr', null, el('th', null, 'Connector'), el('th', null, 'State'), el('th', null, 'Detail'))),
          el('tbody', null, connectors.map(function (c) {
            return el('tr', { dataset: { connector: c.name } }, el('td', null, c.name),
              el('td', null, el('span', { className: 'badge ' + (c.connected ? 'ok' : 'off') }, c.connected ? 'connected' : 'not connected')),
              el('td', { className: 'muted' }, c.detail || ''));
          }))),
        el('p', { id: 'queue' }, 'Queue: ' + (queue.pending || 0) + ' job(s) waiting, ' + (queue.dead_letters || 0) + ' dead letter(s).'),
        el('p', { id: 'model', className: 'muted' }, 'Model: ' + modelText)));
    }, function (f) { failed(byId('status'), f); });
  }

  /* ---- decision log ---- */

  function loadDecisions() {
    return api.call('GET', '/api/zendesk/admin/decisions?limit=50').then(function (rows) {
      rows = Array.isArray(rows) ? rows : (rows && rows.decisions) || [];
      var where = D.clear(byId('decisions'));
      if (!rows.length) { where.appendChild(el('p', { className: 'muted' }, 'Deskhand has decided no ticket yet.')); return; }
      where.appendChild(el('table', { className: 'grid', id: 'decision-log' },
        el('thead', null, el('tr', null, ['When', 'Ticket', 'Category', 'Confidence', 'Action', 'Reasons'].map(function (h) { return el('th', null, h); }))),
        el('tbody', null, rows.map(function (d) {
          var ticket = D.safeHref(d.ticket_url)
            ? el('a', { href: d.ticket_url, className: 'ticket-link' }, '#' + d.ticket_id)
            : el('a', { href: '#', className: 'ticket-link', onclick: function (e) { e.preventDefault(); openTicket(d.ticket_id); } }, '#' + d.ticket_id);
          return el('tr', { dataset: { ticket: String(d.ticket_id) } },
            el('td', { className: 'muted' }, D.when(d.at)), el('td', null, ticket),
            el('td', null, D.humanise(d.category || 'none')), el('td', { className: 'num' }, D.percent(d.confidence)),
            el('td', null, el('span', { className: 'badge action-' + d.action }, d.action)),
            el('td', { className: 'reasons' }, (d.reasons || []).join('; ')));
        }))));
    }, function (f) { failed(byId('decisions'), f); });
  }

  /* ---- performance (GET /admin/performance: figures, server-rendered SVG charts, the ladder) ---- */

  function cell(r) {
    return (r && typeof r.rate === 'number' ? Math.round(r.rate * 100) + '%' : '–') + ' n=' + ((r && r.n) || 0);
  }

  function svg(markup) {
    // charts come from Deskhand's own server, text escaped there; parsed as SVG (no script runs)
    var doc = new DOMParser().parseFromString(markup, 'image/svg+xml');
    return document.importNode(doc.documentElement, true);
  }

  function figuresTable(id, first, rows, columns) {
    return el('table', { className: 'grid', id: id },
      el('thead', null, el('tr', null, [first, 'Tickets'].concat(columns.map(function (c) { return c.title; }))
        .map(function (h) { return el('th', null, h); }))),
      el('tbody', null, rows.map(function (pair) {
        return el('tr', { dataset: { name: pair[0] } }, el('td', null, pair[0]), el('td', { className: 'num' }, String(pair[1].tickets)),
          columns.map(function (c) { return el('td', { className: 'num', dataset: { key: c.key } }, cell(pair[1][c.key])); }));
      })));
  }

  function ladderBlock(ladder) {
    var steps = ladder.steps || [];
    var waiting = Object.keys(ladder.waiting || {}).map(function (c) { return c + ' ' + ladder.waiting[c] + '/' + ladder.min_sample; });
    return el('div', { id: 'ladder' },
      steps.length ? el('ul', { className: 'plain' }, steps.map(function (s) {
        return el('li', { dataset: { category: s.category } }, s.category + ': move ' + s.direction + ' ' + JSON.stringify(s.change) + ' — ' + s.why + ' ',
          s.direction === 'up' ? el('button', { type: 'button', className: 'promote', onclick: function (e) { promote(s.category, e.currentTarget); } }, 'Apply') : null);
      })) : el('p', null, 'No proposals: a category moves up once ' + ladder.min_sample + ' recent settled replies show a precision whose Wilson lower bound reaches ' + Math.round(ladder.target * 100) + '%.'),
      waiting.length ? el('p', { className: 'muted' }, 'Settled replies so far: ' + waiting.join(', ')) : null);
  }

  function promote(category, button) {
    button.disabled = true;
    api.call('POST', '/api/zendesk/admin/ladder/' + encodeURIComponent(category), {}).then(function (done) {
      notice('ok', category + ': applied ' + JSON.stringify(done.change));
      return Promise.all([loadPolicy(), loadPerformance()]);
    }, function (failure) { button.disabled = false; notice('error', D.errorFrom(failure).message); });
  }

  function loadPerformance() {
    return api.call('GET', '/api/zendesk/admin/performance').then(function (view) {
      var where = D.clear(byId('performance'));
      var categories = [['all', view.total]].concat(Object.keys(view.categories).sort().map(function (c) { return [c, view.categories[c]]; }));
      var weeks = Object.keys(view.weeks).sort().map(function (w) { return [w, view.weeks[w]]; });
      where.appendChild(el('p', { id: 'headline' }, view.headline));
      where.appendChild(el('div', { className: 'charts' }, Object.keys(view.charts).map(function (name) {
        return el('figure', { dataset: { chart: name } }, svg(view.charts[name]));
      })));
      where.appendChild(el('h3', null, 'Autonomy ladder'));
      where.appendChild(ladderBlock(view.ladder));
      where.appendChild(el('h3', null, 'Per category'));
      where.appendChild(figuresTable('per-category', 'Category', categories, view.columns));
      where.appendChild(el('h3', null, 'Per week'));
      where.appendChild(figuresTable('per-week', 'Week', weeks, view.columns));
    }, function (f) { failed(byId('performance'), f); });
  }

  D.connect(client).then(function (connected) {
    api = connected;
    return Promise.all([loadPolicy(), loadStatus(), loadDecisions(), loadPerformance()]);
  }, function (failure) {
    var err = D.errorFrom(failure);
    notice('error', err.message);
    ['policy', 'status', 'decisions', 'performance'].forEach(function (id) { D.clear(byId(id)); });
  });
}());
