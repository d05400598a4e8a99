/* Deskhand ticket sidebar: Deskhand's triage, reasons, evidence and proposed reply for the open
 * ticket; insert the draft, approve a pending action, rate the draft. */
(function () {
  'use strict';
  var D = window.Deskhand;
  var el = D.el;
  var client = window.ZAFClient.init();
  var root = document.getElementById('app');
  var RATINGS = [
    ['good', 'Good'],
    ['wrong_category', 'Wrong category'],
    ['wrong_answer', 'Wrong answer'],
    ['should_have_escalated', 'Should have escalated']
  ];
  var ACTIONS = { send: 'Replied', draft: 'Drafted a reply', escalate: 'Escalated', solve: 'Solved', skip: 'Stood down' };
  var api = null;
  var ticketId = null;
  var flash = null; // a message kept across one re-render: {kind, text}

  function resize() {
    var height = Math.ceil(document.documentElement.scrollHeight || document.body.scrollHeight);
    return client.invoke('resize', { width: '100%', height: height + 'px' });
  }

  function message(kind, text) {
    return el('p', { className: 'message ' + kind, role: kind === 'error' ? 'alert' : 'status' }, text);
  }

  function show() {
    D.clear(root);
    for (var i = 0; i < arguments.length; i++) { if (arguments[i]) { root.appendChild(arguments[i]); } }
    resize();
  }

  function header() {
    return el('header', { className: 'head' },
      el('h1', null, 'Deskhand'),
      el('button', { type: 'button', className: 'link', id: 'refresh', onclick: load }, 'Refresh'));
  }

  function load() {
    var step = api ? Promise.resolve(api) : D.connect(client).then(function (connected) { api = connected; return api; });
    return step.then(function () {
      return client.get('ticket.id');
    }).then(function (got) {
      ticketId = got['ticket.id'];
      if (ticketId === undefined || ticketId === null || ticketId === '') {
        throw new D.DeskhandError(0, 'This ticket has not been saved yet, so Deskhand has not seen it.');
      }
      return api.call('GET', '/api/zendesk/tickets/' + encodeURIComponent(ticketId));
    }).then(render, function (failure) {
      var err = D.errorFrom(failure);
      var text = err.status === 404 ? 'Deskhand has not seen this ticket yet.' : err.message;
      var detail = err.status === 404 && err.message && !/not found/i.test(err.message) ? err.message : null;
      show(header(), message(err.status === 404 ? 'info' : 'error', text), detail ? el('p', { className: 'muted' }, detail) : null);
    });
  }

  function render(data) {
    var parts = [header()];
    if (flash) { parts.push(message(flash.kind, flash.text)); flash = null; }
    parts.push(decisionSection(data.decision || {}));
    parts.push(triageSection(data.triage || {}, data.completeness));
    parts.push(riskSection(data.account_risk));
    parts.push(reasonsSection((data.decision || {}).reasons || []));
    parts.push(evidenceSection(data.evidence || [], data.gaps || []));
    parts.push(draftSection(data.draft));
    parts.push(actionsSection(data.pending_actions || [], data.actions_taken || []));
    parts.push(ratingSection(data.ticket_id || ticketId, data.feedback, data.categories || []));
    show.apply(null, parts);
  }

  /* The account's churn risk from the last insights run (docs/insights.md); nothing when not at risk. */
  function riskSection(risk) {
    if (!risk) { return null; }
    return el('section', { id: 'account-risk' }, el('h2', null, 'Account at risk'),
      el('p', null, el('strong', null, risk.name), ' — churn risk ' + D.number(risk.score) + ' (' + risk.level + ')'),
      el('ul', null, (risk.reasons || []).map(function (r) { return el('li', null, r); })));
  }

  function decisionSection(decision) {
    var action = decision.action || 'unknown';
    var policy = [];
    if (decision.mode) { policy.push('mode ' + decision.mode); }
    if (typeof decision.send_at === 'number') { policy.push('send at ' + D.number(decision.send_at)); }
    if (typeof decision.draft_at === 'number') { policy.push('draft at ' + D.number(decision.draft_at)); }
    return el('section', { id: 'decision', className: 'decision action-' + action },
      el('span', { className: 'badge action-' + action, id: 'decision-action' }, ACTIONS[action] || D.humanise(action)),
      policy.length ? el('span', { className: 'muted' }, ' ' + policy.join(' · ')) : null);
  }

  function triageSection(triage, completeness) {
    var rows = [
      ['Category', el('span', null, el('strong', { id: 'triage-category' }, D.humanise(triage.category || 'none')),
        ' ', el('span', { id: 'triage-confidence', className: 'muted' }, D.percent(triage.confidence)))],
      ['Sentiment', el('span', { id: 'triage-sentiment' }, sentiment(triage.sentiment) +
        (typeof triage.frustration === 'number' ? ' · frustration ' + D.number(triage.frustration) : ''))]
    ];
    if (triage.language) { rows.push(['Language', el('span', { id: 'triage-language' }, triage.language)]); }
    var flags = triage.flags || [];
    rows.push(['Flags', flags.length
      ? el('span', { id: 'triage-flags' }, flags.map(function (f) { return el('span', { className: 'chip flag' }, D.humanise(f)); }))
      : el('span', { id: 'triage-flags', className: 'muted' }, 'none')]);
    var alternatives = (triage.alternatives || []).map(function (alt) {
      if (Array.isArray(alt)) { return D.humanise(alt[0]) + ' ' + D.percent(alt[1]); }
      if (alt && typeof alt === 'object') { return D.humanise(alt.category) + ' ' + D.percent(alt.confidence !== undefined ? alt.confidence : alt.probability); }
      return D.humanise(alt);
    });
    if (alternatives.length) { rows.push(['Also possible', el('span', { className: 'muted' }, alternatives.join(', '))]); }
    if (typeof completeness === 'number') { rows.push(['Case file', el('span', { id: 'completeness' }, D.percent(completeness) + ' complete')]); }
    return el('section', { id: 'triage' }, el('h2', null, 'Triage'),
      el('dl', { className: 'facts' }, rows.map(function (row) { return [el('dt', null, row[0]), el('dd', null, row[1])]; })));
  }

  /* The lexicon's score runs from -1 (negative) to 1 (positive). */
  function sentiment(value) {
    if (typeof value !== 'number') { return value ? D.humanise(value) : '—'; }
    var word = value > 0.25 ? 'positive' : value < -0.25 ? 'negative' : 'neutral';
    return word + ' (' + D.number(value) + ')';
  }

  function reasonsSection(reasons) {
    return el('section', { id: 'reasons' }, el('h2', null, 'Why'),
      reasons.length ? el('ul', null, reasons.map(function (r) { return el('li', null, r); }))
        : el('p', { className: 'muted' }, 'No reasons recorded.'));
  }

  /* Evidence grouped by where it came from; past the first few of a source, behind "N more". */
  var SHOWN_PER_SOURCE = 3;

  function evidenceSection(evidence, gaps) {
    var groups = [];
    var bySource = {};
    evidence.forEach(function (item) {
      var source = item.source || 'source';
      if (!bySource[source]) { bySource[source] = []; groups.push(source); }
      bySource[source].push(item);
    });
    var blocks = groups.map(function (source) {
      var items = bySource[source].map(evidenceItem);
      var head = items.slice(0, SHOWN_PER_SOURCE);
      var rest = items.slice(SHOWN_PER_SOURCE);
      return el('div', { className: 'evidence-group', dataset: { source: source } },
        el('h3', null, D.humanise(source), el('span', { className: 'muted' }, ' · ' + items.length)),
        el('ul', { className: 'plain' }, head),
        rest.length ? el('details', null, el('summary', null, rest.length + ' more from ' + D.humanise(source)),
          el('ul', { className: 'plain' }, rest)) : null);
    });
    return el('section', { id: 'evidence' }, el('h2', null, 'Evidence'),
      blocks.length ? blocks : el('p', { className: 'muted' }, 'Deskhand gathered no evidence for this ticket.'),
      gaps.length ? el('div', { id: 'gaps' }, el('h3', null, 'Could not check'),
        el('ul', null, gaps.map(function (gap) { return el('li', null, D.humanise(gap.source) + ': ' + (gap.reason || 'unavailable')); }))) : null);
  }

  function evidenceItem(item) {
    return el('li', { className: 'evidence' },
      el('span', { className: 'evidence-text' }, item.text || ''),
      D.safeHref(item.link) ? [' ', el('a', { href: item.link, className: 'evidence-link' }, 'open')] : null);
  }

  function draftSection(draft) {
    if (!draft || !draft.text) {
      return el('section', { id: 'draft' }, el('h2', null, 'Proposed reply'), el('p', { className: 'muted' }, 'Deskhand proposed no reply for this ticket.'));
    }
    var status = el('p', { className: 'muted', id: 'insert-status' });
    var citations = (draft.citations || []).map(function (c) {
      return el('li', null, D.safeHref(c.url) ? el('a', { href: c.url }, c.title || c.url) : (c.title || c.passage_id || 'source'));
    });
    return el('section', { id: 'draft' }, el('h2', null, 'Proposed reply'),
      el('div', { className: 'draft-text', id: 'draft-text' }, draft.text),
      citations.length ? el('div', null, el('h3', null, 'Cites'), el('ul', { className: 'citations' }, citations)) : null,
      checkProblems(draft),
      el('div', { className: 'buttons' },
        el('button', { type: 'button', className: 'primary', id: 'insert', onclick: function (event) {
          var button = event.currentTarget;
          button.disabled = true;
          client.invoke('ticket.editor.insert', draft.text).then(function () {
            status.textContent = 'Inserted into the reply editor: read it, then submit.';
            button.disabled = false;
          }, function (failure) {
            status.textContent = 'Could not insert: ' + ((failure && failure.message) || 'the reply editor is not open');
            button.disabled = false;
          }).then(resize);
        } }, 'Insert into reply')),
      status);
  }

  /* What the pre-send check found (claims no passage supports, removed links, leaked text). */
  function checkProblems(draft) {
    var found = [];
    [['unsupported', 'Not supported by a cited passage'], ['removed', 'Removed before sending'], ['blocked', 'Blocked']]
      .forEach(function (pair) {
        (draft[pair[0]] || []).forEach(function (item) {
          found.push(pair[1] + ': ' + (typeof item === 'string' ? item : (item && (item.text || item.claim || item.reason)) || JSON.stringify(item)));
        });
      });
    return found.length ? el('div', { id: 'check-problems' }, el('h3', null, 'Check'),
      el('ul', null, found.map(function (f) { return el('li', null, f); }))) : null;
  }

  function actionsSection(pending, taken) {
    if (!pending.length && !taken.length) { return null; }
    var rows = pending.map(function (action) {
      var status = el('span', { className: 'muted action-status' }, [action.level, action.status].filter(Boolean).join(' · '));
      var open = !/^(done|succeeded|approved|running|rejected|expired)$/.test(String(action.status || ''));
      return el('li', { className: 'pending-action', dataset: { actionId: String(action.id) } },
        el('strong', null, D.humanise(action.action)), ' ', el('span', null, action.summary || ''), ' ', status,
        open ? el('button', { type: 'button', className: 'approve', onclick: function (event) { approve(action, event.currentTarget, status); } }, 'Approve') : null);
    });
    var done = taken.map(function (item) {
      if (item && typeof item === 'object') {
        return el('li', { className: 'action-taken' },
          el('strong', null, D.humanise(item.action || item.name || 'action')), item.summary ? ': ' + item.summary : '',
          item.status ? el('span', { className: 'muted' }, ' (' + item.status + (item.by ? ' by ' + item.by : '') + ')') : null,
          item.result ? el('div', { className: 'muted action-result' }, item.result) : null);
      }
      return el('li', null, String(item));
    });
    return el('section', { id: 'actions' },
      pending.length ? [el('h2', null, 'Waiting for approval'), el('ul', { className: 'plain' }, rows)] : null,
      done.length ? [el('h2', null, 'Actions taken'), el('ul', null, done)] : null);
  }

  function approve(action, button, status) {
    button.disabled = true;
    status.textContent = 'approving…';
    api.call('POST', '/api/zendesk/actions/' + encodeURIComponent(action.id) + '/approve', {}).then(function (answer) {
      var result = answer && answer.result;
      flash = { kind: 'ok', text: 'Approved ' + D.humanise(action.action) + (result ? ': ' + (typeof result === 'string' ? result : JSON.stringify(result)) : '.') };
      return load();
    }, function (failure) {
      status.textContent = 'Not approved: ' + D.errorFrom(failure).message;
      status.className = 'message error action-status';
      button.disabled = false;
      resize();
    });
  }

  function ratingSection(id, earlier, categories) {
    var comment = el('textarea', { id: 'rating-comment', rows: 2, placeholder: 'Comment (optional)', maxlength: 2000 });
    // with "Wrong category", the right one: it joins the history the next model learns from
    var right = categories.length ? el('select', { id: 'rating-category', 'aria-label': 'The right category' },
      el('option', { value: '' }, 'Right category (optional, with Wrong category)'),
      categories.map(function (c) { return el('option', { value: c }, D.humanise(c)); })) : null;
    var status = el('p', { className: 'muted', id: 'rating-status' });
    var buttons = RATINGS.map(function (pair) {
      return el('button', { type: 'button', className: 'rating', dataset: { rating: pair[0] }, onclick: function (event) {
        var button = event.currentTarget;
        var all = button.parentNode.querySelectorAll('button');
        Array.prototype.forEach.call(all, function (b) { b.disabled = true; });
        var body = { ticket_id: String(id), rating: pair[0] };
        if (comment.value.trim()) { body.comment = comment.value.trim(); }
        if (right && right.value && pair[0] === 'wrong_category') { body.category = right.value; }
        api.call('POST', '/api/zendesk/feedback', body).then(function (answer) {
          status.textContent = 'Thanks: stored "' + pair[1] + '" (feedback #' + (answer && answer.id) + ')' +
            (answer && answer.learned ? '; the next model learns it is ' + D.humanise(body.category) + '.' : '.');
          status.className = 'message ok';
          Array.prototype.forEach.call(all, function (b) { b.classList.toggle('chosen', b === button); b.disabled = false; });
          comment.value = '';
        }, function (failure) {
          status.textContent = 'Your rating was not stored: ' + D.errorFrom(failure).message;
          status.className = 'message error';
          Array.prototype.forEach.call(all, function (b) { b.disabled = false; });
        }).then(resize);
      } }, pair[1]);
    });
    var count = (earlier || []).length;
    return el('section', { id: 'rating' }, el('h2', null, 'Rate this draft'),
      el('div', { className: 'buttons' }, buttons), right, comment, status,
      count ? el('p', { className: 'muted', id: 'rating-count' }, 'Rated ' + count + ' time' + (count === 1 ? '' : 's') + ' before.') : null);
  }

  client.on('app.registered', function () { resize(); });
  load();
}());
