/* Deskhand insights on the nav_bar page (docs/insights.md): the last run's rising topics, accounts at
 * risk, recurring errors, cost and resolution, each line linked to its tickets. Kept apart from
 * admin.js: it reads one route and draws one section. */
(function () {
  'use strict';
  var D = window.Deskhand;
  var el = D.el;
  var client = window.ZAFClient.init();

  function byId(id) { return document.getElementById(id); }

  function ticketLinks(tickets) {
    return (tickets || []).map(function (t) {
      var href = D.safeHref(t.link);
      return [href ? el('a', { href: href, className: 'ticket-link', target: '_blank', rel: 'noopener' }, '#' + t.id)
        : el('span', null, '#' + t.id), ' '];
    });
  }

  function list(id, rows, empty, line) {
    if (!rows.length) { return el('p', { className: 'muted', id: id + '-none' }, empty); }
    return el('ul', { id: id }, rows.map(function (row) { return el('li', null, line(row), ' ', ticketLinks(row.tickets)); }));
  }

  function render(report) {
    var where = D.clear(byId('insights'));
    if (!report) {
      where.appendChild(el('p', { className: 'muted', id: 'insights-none' },
        'No insights yet: the daily digest (digest_cron) or deskhand insights computes them.'));
      return;
    }
    where.appendChild(el('p', { className: 'muted' }, 'Last ' + report.since_days + ' days, ' + report.tickets + ' tickets, computed ' + report.at + '.'));
    where.appendChild(el('h3', null, 'Rising topics'));
    where.appendChild(list('insight-topics', report.rising_topics, 'Nothing rising.', function (t) {
      var plans = Object.keys(t.plans || {}).map(function (p) { return p + ' ' + t.plans[p]; }).join(', ');
      return [el('strong', null, t.name), ': ' + t.count + ' tickets (baseline ' + t.expected + '), plans ' + plans + ' — “' + t.subject + '”'];
    }));
    where.appendChild(el('h3', null, 'Accounts at risk'));
    where.appendChild(list('insight-risks', report.accounts_at_risk, 'No account at risk.', function (r) {
      return [el('strong', null, r.name), ' ' + D.number(r.score) + ' (' + r.level + '): ' + (r.reasons || []).join('; ')];
    }));
    where.appendChild(el('h3', null, 'Recurring errors'));
    where.appendChild(list('insight-errors', report.recurring_errors, 'No recurring error.', function (e) {
      return [el('strong', null, e.title), e.issue ? ' → ' + e.issue : '', ', last seen ' + String(e.last_seen).slice(0, 10)];
    }));
    where.appendChild(el('h3', null, 'Cost and resolution'));
    if (!report.costs.length) { where.appendChild(el('p', { className: 'muted' }, 'No ticket handled by Deskhand in the window.')); }
    else {
      where.appendChild(el('table', { className: 'grid', id: 'insight-costs' },
        el('thead', null, el('tr', null, ['Week', 'Category', 'Tickets', '$ / ticket', 'Tokens', 'Lookups', 's / ticket', 'Resolution']
          .map(function (h) { return el('th', null, h); }))),
        el('tbody', null, report.costs.map(function (c) {
          return el('tr', null, [c.week, c.category, String(c.tickets), c.per_ticket_usd.toFixed(4), String(c.tokens),
            String(c.lookups), c.seconds.toFixed(2), c.resolution === null ? '—' : D.percent(c.resolution)]
            .map(function (v) { return el('td', null, v); }));
        }))));
    }
    if (report.resolution_note) { where.appendChild(el('p', { className: 'muted', id: 'insight-resolution' }, report.resolution_note)); }
  }

  D.connect(client).then(function (api) {
    return api.call('GET', '/api/zendesk/admin/insights').then(function (data) { render(data && data.report); });
  }).then(null, function (failure) {
    var err = D.errorFrom(failure);
    D.clear(byId('insights')).appendChild(el('p', { className: 'message error', role: 'alert' }, err.message));
  });
}());
