/* A scripted stand-in for Zendesk's ZAF SDK v2, served by the browser tests in place of
 * zaf_sdk.min.js so the app's own pages load unchanged.
 *
 * It answers get/context/metadata from window.__zafStandIn (set by the test before any page
 * script runs), records every invoke, and plays the Zendesk proxy for request: it insists on
 * secure: true, cors: false and a JWT signed with the secure setting placeholder, has the test
 * (Python, PyJWT) mint that JWT from the claims the app asked for, then really calls Deskhand
 * with fetch and an Authorization: Bearer header. Deskhand's answer resolves the promise, a
 * non-2xx status rejects it with {status, statusText, responseText, responseJSON} like ZAF does.
 */
(function () {
  'use strict';
  var config = window.__zafStandIn || {};
  var record = window.__zaf = { invoke: [], request: [], get: [], on: [] };
  var handlers = {};

  function lookup(path) {
    var values = config.data || {};
    if (Object.prototype.hasOwnProperty.call(values, path)) { return { found: true, value: values[path] }; }
    return { found: false };
  }

  function get(paths) {
    var list = Array.isArray(paths) ? paths : [paths];
    var out = {};
    var errors = {};
    list.forEach(function (p) {
      record.get.push(p);
      var hit = lookup(p);
      if (hit.found) { out[p] = hit.value; } else { errors[p] = { name: 'InvalidPath', message: '"' + p + '" Not a valid path' }; }
    });
    if (Object.keys(errors).length) { out.errors = errors; }
    return Promise.resolve(out);
  }

  function refuse(status, message) {
    var body = JSON.stringify({ error: message });
    return Promise.reject({ status: status, statusText: 'Refused by the stand-in proxy', responseText: body, responseJSON: { error: message } });
  }

  function request(options) {
    var opts = typeof options === 'string' ? { url: options } : Object.assign({}, options || {});
    record.request.push(JSON.parse(JSON.stringify(opts)));
    if (opts.secure !== true || opts.cors !== false) {
      return refuse(400, 'stand-in proxy: requests to Deskhand must use secure: true and cors: false');
    }
    if (!opts.jwt || opts.jwt.algorithm !== 'HS256' || opts.jwt.secret_key !== '{{setting.shared_secret}}') {
      return refuse(400, 'stand-in proxy: expected a HS256 jwt signed with {{setting.shared_secret}}');
    }
    return window.deskhandMintJwt(opts.jwt).then(function (token) {
      var headers = { Authorization: 'Bearer ' + token };
      if (opts.contentType) { headers['Content-Type'] = opts.contentType; }
      return fetch(opts.url, { method: opts.type || 'GET', headers: headers, body: opts.data === undefined ? undefined : opts.data });
    }).then(function (response) {
      return response.text().then(function (text) {
        var json = null;
        try { json = text ? JSON.parse(text) : null; } catch (ignored) { json = null; }
        if (response.ok) { return json !== null ? json : text; }
        throw { status: response.status, statusText: response.statusText, responseText: text, responseJSON: json };
      });
    });
  }

  var client = {
    get: get,
    set: function () { return Promise.resolve({}); },
    context: function () { return Promise.resolve(config.context || {}); },
    metadata: function () { return Promise.resolve(config.metadata || {}); },
    invoke: function (name) {
      var args = Array.prototype.slice.call(arguments, 1);
      record.invoke.push({ name: name, args: JSON.parse(JSON.stringify(args)) });
      return Promise.resolve({});
    },
    request: request,
    on: function (event, handler) {
      record.on.push(event);
      (handlers[event] = handlers[event] || []).push(handler);
      if (event === 'app.registered') { setTimeout(function () { handler({ context: config.context, metadata: config.metadata }); }, 0); }
    },
    trigger: function (event, data) { (handlers[event] || []).forEach(function (h) { h(data); }); }
  };

  window.ZAFClient = { init: function () { return client; } };
}());
