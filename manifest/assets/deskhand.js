/* Deskhand Zendesk app: what the sidebar and the admin page share.
 *
 * Every call to Deskhand goes through the Zendesk proxy (client.request with secure: true and
 * cors: false). The proxy signs a short-lived HS256 JWT with the secure setting shared_secret,
 * which never reaches the browser; Deskhand checks it and looks the user's role up itself.
 *
 * Nothing from Deskhand or the ticket is ever parsed as HTML: text goes through
 * textContent, links only when they are http(s).
 */
(function (global) {
  'use strict';

  function DeskhandError(status, message) {
    this.name = 'DeskhandError';
    this.status = status;
    this.message = message;
  }
  DeskhandError.prototype = Object.create(Error.prototype);

  /* The message of a failed client.request, from Deskhand's {"error": "..."} body when there is one. */
  function errorFrom(failure) {
    if (failure instanceof DeskhandError) { return failure; }
    var status = (failure && typeof failure.status === 'number') ? failure.status : 0;
    var body = failure && failure.responseJSON;
    if (!body && failure && typeof failure.responseText === 'string' && failure.responseText) {
      try { body = JSON.parse(failure.responseText); } catch (ignored) { body = null; }
    }
    var message = body && typeof body.error === 'string' ? body.error : '';
    if (body && typeof body.message === 'string' && body.message && body.message !== message) {
      message = message ? message + ': ' + body.message : body.message;
    }
    if (!message) {
      message = status ? 'Deskhand answered ' + status + (failure.statusText ? ' ' + failure.statusText : '')
        : 'Deskhand could not be reached' + (failure && failure.message ? ' (' + failure.message + ')' : '');
    }
    return new DeskhandError(status, message);
  }

  /* Connect: read the settings, the account and the user once, and return an object whose
   * call(method, path, body) resolves to Deskhand's JSON answer or rejects with a DeskhandError. */
  function connect(client) {
    return Promise.all([client.metadata(), client.context(), client.get('currentUser')]).then(function (got) {
      var settings = (got[0] && got[0].settings) || {};
      var base = String(settings.deskhand_url || '').replace(/\/+$/, '');
      if (!/^https?:\/\/[^/]+/.test(base)) {
        throw new DeskhandError(0, 'The Deskhand URL setting is empty or not a web address: set it in the app settings.');
      }
      var subdomain = got[1] && got[1].account ? got[1].account.subdomain : '';
      var user = (got[2] && got[2].currentUser) || {};
      function call(method, path, body) {
        var options = {
          url: base + path,
          type: method,
          contentType: 'application/json',
          dataType: 'json',
          secure: true,
          cors: false,
          jwt: {
            algorithm: 'HS256',
            secret_key: '{{setting.shared_secret}}',
            expiry: 300,
            claims: { sub: user.id, iss: subdomain }
          }
        };
        if (body !== undefined) { options.data = JSON.stringify(body); }
        return client.request(options).then(function (answer) {
          if (typeof answer === 'string' && answer) {
            try { return JSON.parse(answer); } catch (ignored) { return answer; }
          }
          return answer;
        }, function (failure) { throw errorFrom(failure); });
      }
      return { call: call, user: user, subdomain: subdomain, base: base };
    });
  }

  /* el('a', {href: url, className: 'x'}, 'text', child, ...): a DOM node with text as textContent. */
  function el(tag, attrs) {
    var node = document.createElement(tag);
    var key;
    attrs = attrs || {};
    for (key in attrs) {
      if (!Object.prototype.hasOwnProperty.call(attrs, key) || attrs[key] === undefined || attrs[key] === null) { continue; }
      if (key === 'className') { node.className = attrs[key]; }
      else if (key === 'dataset') { Object.keys(attrs[key]).forEach(function (d) { node.dataset[d] = attrs[key][d]; }); }
      else if (key === 'href') {
        var href = safeHref(attrs[key]);
        if (href) { node.setAttribute('href', href); node.setAttribute('target', '_blank'); node.setAttribute('rel', 'noopener noreferrer'); }
      }
      else if (key.slice(0, 2) === 'on') { node.addEventListener(key.slice(2), attrs[key]); }
      else if (key === 'disabled' || key === 'checked' || key === 'selected') { node[key] = !!attrs[key]; }
      else { node.setAttribute(key, String(attrs[key])); }
    }
    for (var i = 2; i < arguments.length; i++) { append(node, arguments[i]); }
    return node;
  }

  function append(node, child) {
    if (child === undefined || child === null || child === false) { return; }
    if (Array.isArray(child)) { child.forEach(function (c) { append(node, c); }); return; }
    node.appendChild(typeof child === 'object' && child.nodeType ? child : document.createTextNode(String(child)));
  }

  /* Only absolute http(s) links are made clickable; anything else (javascript:, data:) is dropped. */
  function safeHref(url) {
    if (typeof url !== 'string' || !url) { return null; }
    try {
      var parsed = new URL(url);
      return (parsed.protocol === 'https:' || parsed.protocol === 'http:') ? parsed.href : null;
    } catch (ignored) {
      return null;
    }
  }

  function clear(node) {
    while (node.firstChild) { node.removeChild(node.firstChild); }
    return node;
  }

  function percent(value) {
    return typeof value === 'number' && isFinite(value) ? Math.round(value * 100) + '%' : '—';
  }

  function number(value, digits) {
    return typeof value === 'number' && isFinite(value) ? value.toFixed(digits === undefined ? 2 : digits) : '—';
  }

  function when(value) {
    if (value === undefined || value === null || value === '') { return '—'; }
    var date = typeof value === 'number' ? new Date(value * 1000) : new Date(value);
    return isNaN(date.getTime()) ? String(value) : date.toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
  }

  function humanise(word) {
    return String(word || '').replace(/_/g, ' ');
  }

  global.Deskhand = {
    connect: connect, errorFrom: errorFrom, DeskhandError: DeskhandError,
    el: el, clear: clear, safeHref: safeHref, percent: percent, number: number, when: when, humanise: humanise
  };
}(window));
