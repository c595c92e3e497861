/*
 * jdtm's admin UI (docs/admin-ui.md). Preact without a build step: elements are made with h(), and every value
 * from the server is a text child or an attribute, which Preact sets as text, never as markup — a gid or payload
 * holding <script> shows as those characters. This file never uses innerHTML or dangerouslySetInnerHTML.
 * Data comes from the server's HTTP API (the same calls a script makes), with the admin token when Auth is on.
 */
(function () {
  'use strict';
  var h = preact.h, render = preact.render, Component = preact.Component;
  var API = '/api/dtmsvr';
  var TOKEN_KEY = 'jdtm.adminToken';
  var STATUSES = ['prepared', 'submitted', 'aborting', 'succeed', 'failed'];
  var TYPES = ['saga', 'msg', 'tcc', 'xa', 'workflow'];

  // ---------------------------------------------------------------- API

  function AuthNeeded(message) { this.message = message; }

  function token() { return sessionStorage.getItem(TOKEN_KEY) || ''; }

  /** Calls the API; resolves with the parsed JSON (or text), rejects with an Error carrying the server's message. */
  function call(method, path, body, asText) {
    var headers = {};
    if (token()) { headers['Authorization'] = 'Bearer ' + token(); }
    if (body !== undefined) { headers['Content-Type'] = 'application/json'; }
    return fetch(path, { method: method, headers: headers, body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin', cache: 'no-store' }).then(function (res) {
      return res.text().then(function (text) {
        if (res.status === 401 || res.status === 403) {
          var m = text; try { m = JSON.parse(text).message || text; } catch (e) { /* not JSON */ }
          throw new AuthNeeded(m);
        }
        if (!res.ok) {
          var msg = text;
          try { var j = JSON.parse(text); msg = j.message || j.error || text; } catch (e) { /* not JSON */ }
          throw new Error('HTTP ' + res.status + ': ' + msg);
        }
        if (asText) { return text; }
        return text ? JSON.parse(text) : null;
      });
    });
  }
  function get(path) { return call('GET', path); }
  function q(params) {
    var parts = [];
    Object.keys(params).forEach(function (k) {
      var v = params[k];
      if (v !== undefined && v !== null && v !== '') { parts.push(encodeURIComponent(k) + '=' + encodeURIComponent(v)); }
    });
    return parts.length ? '?' + parts.join('&') : '';
  }

  // ---------------------------------------------------------------- formatting

  function fmtTime(t) {
    if (!t) { return ''; }
    var d = typeof t === 'number' ? new Date(t) : new Date(t);
    if (isNaN(d.getTime())) { return String(t); }
    return d.toLocaleString(undefined, { hour12: false }) + (typeof t === 'number' ? '.' + String(t % 1000).padStart(3, '0') : '');
  }
  function badge(cls, text) { return h('span', { class: 'badge ' + cls }, text); }
  function statusBadge(s) { return badge('s-' + s, s || '?'); }
  function link(href, text, attrs) { return h('a', Object.assign({ href: href }, attrs || {}), text); }
  function gidHref(gid) { return '#/trans/' + encodeURIComponent(gid); }

  /** A stored payload (base64) as JSON when it is JSON, as text when it is UTF-8 text, else as hex. */
  function decodePayload(b64) {
    if (!b64) { return { kind: 'empty', text: '' }; }
    var bin;
    try { bin = atob(b64); } catch (e) { return { kind: 'text', text: b64 }; }
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { bytes[i] = bin.charCodeAt(i); }
    var text = null;
    try { text = new TextDecoder('utf-8', { fatal: true }).decode(bytes); } catch (e) { text = null; }
    if (text !== null) {
      try { return { kind: 'json', text: JSON.stringify(JSON.parse(text), null, 2) }; } catch (e) { /* not JSON */ }
      if (!/[\u0000-\u0008\u000e-\u001f]/.test(text)) { return { kind: 'text', text: text }; }
    }
    var hex = [];
    for (var j = 0; j < bytes.length; j++) { hex.push(bytes[j].toString(16).padStart(2, '0')); }
    return { kind: 'hex', text: hex.join(' ') };
  }

  // ---------------------------------------------------------------- pages

  /** The transaction list: filters, counts by status, pages by the server's cursor (never repeating a row). */
  class ListPage extends Component {
    constructor(props) {
      super(props);
      this.state = { f: Object.assign({ status: '', transType: '', gidPrefix: '', from: '', to: '', stuck: '' }, props.preset || {}),
        rows: null, next: '', stack: [], position: '', counts: null, error: null };
      this.submit = this.submit.bind(this);
    }
    componentDidMount() { this.load(''); this.loadCounts(); this.timer = setInterval(this.loadCounts.bind(this), 5000); }
    componentWillUnmount() { clearInterval(this.timer); }
    loadCounts() {
      var self = this;
      get(API + '/counts').then(function (c) { self.setState({ counts: c }); }, function (e) { self.props.onError(e); });
    }
    load(position) {
      var f = this.state.f, self = this;
      var params = { limit: 20, position: position, status: f.status, transType: f.transType, gidPrefix: f.gidPrefix,
        stuck: f.stuck, createTimeStart: f.from ? new Date(f.from).getTime() : '', createTimeEnd: f.to ? new Date(f.to).getTime() : '' };
      get(API + '/all' + q(params)).then(function (r) {
        self.setState({ rows: r.transactions || [], next: r.next_position || '', position: position, error: null });
      }, function (e) { self.props.onError(e); self.setState({ error: e.message, rows: [] }); });
    }
    submit(ev) { ev.preventDefault(); this.setState({ stack: [] }); this.load(''); }
    setF(k, v) { var f = Object.assign({}, this.state.f); f[k] = v; this.setState({ f: f }); }
    filterStatus(s) { var self = this; this.setState({ f: Object.assign({}, this.state.f, { status: s, stuck: '' }), stack: [] }, function () { self.load(''); }); }
    render() {
      var s = this.state, f = s.f, self = this;
      var field = function (label, key, input) { return h('label', null, label, input(key)); };
      var text = function (key, type, ph) {
        return h('input', { name: key, type: type || 'text', value: f[key], placeholder: ph || '',
          onInput: function (e) { self.setF(key, e.target.value); } });
      };
      var choose = function (key, options) {
        return h('select', { name: key, value: f[key], onChange: function (e) { self.setF(key, e.target.value); } },
          [h('option', { value: '' }, 'any')].concat(options.map(function (o) { return h('option', { value: o }, o); })));
      };
      return h('div', null,
        h('h1', null, this.props.title || 'Transactions'),
        s.counts ? h('div', { class: 'counts', id: 'counts' }, STATUSES.map(function (st) {
          return h('div', { class: 'count', 'data-status': st, onClick: function () { self.filterStatus(st); } },
            h('b', null, String(s.counts.counts[st] || 0)), statusBadge(st));
        }).concat([h('div', { class: 'count' }, h('b', null, String(s.counts.total)), 'total')])) : null,
        h('form', { class: 'filters', onSubmit: this.submit, id: 'filters' },
          field('status', 'status', function (k) { return choose(k, STATUSES); }),
          field('type', 'transType', function (k) { return choose(k, TYPES); }),
          field('gid starts with', 'gidPrefix', function (k) { return text(k); }),
          field('created from', 'from', function (k) { return text(k, 'datetime-local'); }),
          field('created to', 'to', function (k) { return text(k, 'datetime-local'); }),
          field('unfinished, retried ≥ N times', 'stuck', function (k) { return text(k, 'number', 'N'); }),
          h('button', { class: 'primary', type: 'submit', id: 'apply' }, 'Apply')),
        s.error ? h('div', { class: 'error' }, s.error) : null,
        s.rows === null ? h('p', { class: 'muted' }, 'Loading…') : h('table', { id: 'transactions' },
          h('thead', null, h('tr', null, ['gid', 'type', 'status', 'created', 'updated', 'next try', 'reason'].map(function (c) { return h('th', null, c); }))),
          h('tbody', null, s.rows.length === 0 ? h('tr', null, h('td', { colSpan: 7, class: 'muted' }, 'No transactions match.')) :
            s.rows.map(function (t) {
              return h('tr', { class: 'trans-row', 'data-gid': t.gid },
                h('td', { class: 'gid' }, link(gidHref(t.gid), t.gid, { class: 'gid-link' })),
                h('td', null, t.trans_type), h('td', null, statusBadge(t.status)),
                h('td', null, fmtTime(t.create_time)), h('td', null, fmtTime(t.update_time)),
                h('td', null, t.status === 'succeed' || t.status === 'failed' ? '' : fmtTime(t.next_cron_time)),
                h('td', null, t.rollback_reason || ''));
            }))),
        h('div', { class: 'bar' },
          h('button', { id: 'prev', disabled: s.stack.length === 0, onClick: function () {
            var st = s.stack.slice(); var p = st.pop(); self.setState({ stack: st }); self.load(p); } }, '← Newer'),
          h('button', { id: 'next', disabled: !s.next, onClick: function () {
            self.setState({ stack: s.stack.concat([s.position]) }); self.load(s.next); } }, 'Older →')));
    }
  }

  /** One transaction: what it is, its status history, its branches with every attempt, and the actions. */
  class TransPage extends Component {
    constructor(props) { super(props); this.state = { data: null, attempts: [], error: null, notice: null }; }
    componentDidMount() { this.load(); }
    componentDidUpdate(prev) { if (prev.gid !== this.props.gid) { this.load(); } }
    load() {
      var self = this, gid = this.props.gid;
      Promise.all([get(API + '/query' + q({ gid: gid })), get(API + '/attempts' + q({ gid: gid }))]).then(function (r) {
        self.setState({ data: r[0], attempts: r[1].attempts || [], error: null });
      }, function (e) { self.props.onError(e); self.setState({ error: e.message }); });
    }
    act(what, path) {
      var self = this, gid = this.props.gid;
      if (!window.confirm(what + ' transaction ' + gid + '?')) { return; }
      call('POST', API + path, { gid: gid }).then(function () {
        self.setState({ notice: what + ': done.' }); self.load();
      }, function (e) { self.props.onError(e); self.setState({ error: e.message }); });
    }
    render() {
      var s = this.state, self = this;
      if (s.error && !s.data) { return h('div', { class: 'error' }, s.error); }
      if (!s.data) { return h('p', { class: 'muted' }, 'Loading…'); }
      var t = s.data.transaction;
      if (!t) { return h('div', null, h('h1', null, this.props.gid), h('div', { class: 'error' }, 'No such transaction.')); }
      var unfinished = t.status === 'prepared' || t.status === 'submitted' || t.status === 'aborting';
      var kv = function (k, v) { return v === undefined || v === null || v === '' ? null : [h('dt', null, k), h('dd', null, v)]; };
      var history = [['created', t.create_time]];
      if (t.rollback_time) { history.push(['rollback started (aborting)', t.rollback_time]); }
      if (t.finish_time) { history.push([t.status, t.finish_time]); }
      history.push(['last update (now ' + t.status + ')', t.update_time]);
      var byBranch = {};
      s.attempts.forEach(function (a) { (byBranch[a.branch_id + '/' + a.op] = byBranch[a.branch_id + '/' + a.op] || []).push(a); });
      var lastNext = null;
      s.attempts.forEach(function (a) { if (a.next_try_ms) { lastNext = a; } });
      var branches = s.data.branches.map(function (b) { return b; });
      var extra = Object.keys(byBranch).filter(function (k) { return !branches.some(function (b) { return b.branch_id + '/' + b.op === k; }); });
      return h('div', null,
        h('h1', { id: 'gid' }, t.gid),
        s.notice ? h('div', { class: 'notice', id: 'notice' }, s.notice) : null,
        s.error ? h('div', { class: 'error' }, s.error) : null,
        h('div', { class: 'bar' },
          h('button', { class: 'danger', id: 'force-stop', disabled: !unfinished, onClick: function () { self.act('Force-stop', '/forceStop'); } }, 'Force stop'),
          h('button', { class: 'primary', id: 'retry-now', disabled: !unfinished, onClick: function () { self.act('Retry now', '/resetNextCronTime'); } }, 'Retry now'),
          h('button', { id: 'reload', onClick: function () { self.load(); } }, 'Reload')),
        h('dl', { class: 'kv', id: 'summary' }, [
          kv('status', statusBadge(t.status)), kv('type', t.trans_type), kv('protocol', t.protocol),
          kv('created', fmtTime(t.create_time)), kv('next try', unfinished ? fmtTime(t.next_cron_time) : ''),
          kv('retry interval', t.next_cron_interval ? t.next_cron_interval + ' s' : ''),
          kv('rollback reason', t.rollback_reason), kv('result', t.result), kv('custom data', t.custom_data),
          kv('query prepared', t.query_prepared),
          kv('last failed attempt', lastNext ? lastNext.branch_id + '/' + lastNext.op + ' #' + lastNext.attempt + ' → next try ' + fmtTime(lastNext.next_try_ms) : '')
        ]),
        h('h2', null, 'Status history'),
        h('ul', { class: 'timeline', id: 'history' }, history.map(function (e) { return h('li', null, fmtTime(e[1]) + ' — ' + e[0]); })),
        h('h2', null, 'Branches'),
        h('table', { id: 'branches' },
          h('thead', null, h('tr', null, ['branch', 'op', 'status', 'url', 'payload', 'attempts'].map(function (c) { return h('th', null, c); }))),
          h('tbody', null, branches.map(function (b) { return branchRow(b, byBranch[b.branch_id + '/' + b.op] || []); })
            .concat(extra.map(function (k) { var a = byBranch[k]; return branchRow({ branch_id: a[0].branch_id, op: a[0].op, status: '', url: '(callback)' }, a); })))));
    }
  }

  function branchRow(b, attempts) {
    var p = decodePayload(b.bin_data);
    return h('tr', { class: 'branch-row', 'data-branch': b.branch_id + '/' + b.op },
      h('td', null, b.branch_id), h('td', null, b.op), h('td', null, b.status ? h('span', { class: 'badge b-' + b.status }, b.status) : ''),
      h('td', { class: 'mono gid' }, b.url),
      h('td', null, p.kind === 'empty' ? '' : [h('span', { class: 'muted' }, p.kind), h('pre', { class: 'payload' }, p.text)]),
      h('td', null, attempts.length === 0 ? h('span', { class: 'muted' }, 'not called') :
        h('ul', { class: 'timeline attempts' }, attempts.map(function (a) {
          return h('li', { class: 'attempt o-' + a.outcome },
            h('div', null, '#' + a.attempt + ' ', badge('o-' + a.outcome, a.outcome), ' ', a.code ? h('span', { class: 'mono code' }, a.code) : null,
              h('span', { class: 'muted' }, ' at ' + fmtTime(a.start_ms) + ', ' + a.latency_ms + ' ms')),
            a.answer ? h('pre', { class: 'answer' }, a.answer) : null,
            a.next_try_ms ? h('div', { class: 'next-try muted' }, 'next try ' + fmtTime(a.next_try_ms) + ' (interval ' + a.interval_s + ' s)') : null);
        }))));
  }

  /** Topics (msg fan-out) and their subscribers; a topic can be deleted. */
  class TopicsPage extends Component {
    constructor(props) { super(props); this.state = { rows: null, error: null, notice: null }; }
    componentDidMount() { this.load(); }
    load() {
      var self = this;
      get(API + '/scanKV' + q({ cat: 'topics', limit: 1000 })).then(function (r) { self.setState({ rows: r.kv || [] }); },
        function (e) { self.props.onError(e); self.setState({ error: e.message }); });
    }
    remove(name) {
      var self = this;
      if (!window.confirm('Delete topic ' + name + ' and all its subscribers?')) { return; }
      call('DELETE', API + '/topic/' + encodeURIComponent(name)).then(function () {
        self.setState({ notice: 'Topic ' + name + ' deleted.' }); self.load();
      }, function (e) { self.props.onError(e); self.setState({ error: e.message }); });
    }
    render() {
      var s = this.state, self = this;
      return h('div', null, h('h1', null, 'Topics'),
        s.notice ? h('div', { class: 'notice' }, s.notice) : null,
        s.error ? h('div', { class: 'error' }, s.error) : null,
        s.rows === null ? h('p', { class: 'muted' }, 'Loading…') : h('table', { id: 'topics' },
          h('thead', null, h('tr', null, ['topic', 'subscribers', 'version', ''].map(function (c) { return h('th', null, c); }))),
          h('tbody', null, s.rows.length === 0 ? h('tr', null, h('td', { colSpan: 4, class: 'muted' }, 'No topics.')) : s.rows.map(function (k) {
            var subs = []; try { subs = JSON.parse(k.v) || []; } catch (e) { subs = [{ url: k.v }]; }
            return h('tr', { class: 'topic-row', 'data-topic': k.k }, h('td', null, k.k),
              h('td', null, h('ul', null, subs.map(function (x) { return h('li', { class: 'mono' }, x.url + (x.remark ? ' — ' + x.remark : '')); }))),
              h('td', null, String(k.version)),
              h('td', null, h('button', { class: 'danger delete-topic', onClick: function () { self.remove(k.k); } }, 'Delete')));
          }))));
    }
  }

  /** Parses Prometheus text into [{name, labels, value}]. */
  function parseMetrics(text) {
    var out = [];
    text.split('\n').forEach(function (line) {
      if (!line || line.charAt(0) === '#') { return; }
      var m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
      if (!m) { return; }
      var labels = {};
      (m[3] || '').replace(/([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"/g, function (_, k, v) { labels[k] = v; return ''; });
      out.push({ name: m[1], labels: labels, value: parseFloat(m[4]) });
    });
    return out;
  }
  function sum(ms, name, pred) {
    return ms.filter(function (m) { return m.name === name && (!pred || pred(m.labels)); }).reduce(function (a, m) { return a + m.value; }, 0);
  }

  /** A small dashboard from the server's own /api/metrics, refreshed every 5 s (rates between two reads). */
  class Dashboard extends Component {
    constructor(props) { super(props); this.state = { now: null, before: null, counts: null, error: null }; }
    componentDidMount() { this.load(); this.timer = setInterval(this.load.bind(this), 5000); }
    componentWillUnmount() { clearInterval(this.timer); }
    load() {
      var self = this;
      Promise.all([call('GET', '/api/metrics', undefined, true), get(API + '/counts')]).then(function (r) {
        self.setState({ before: self.state.now, now: { at: Date.now(), ms: parseMetrics(r[0]) }, counts: r[1], error: null });
      }, function (e) { self.props.onError(e); self.setState({ error: e.message }); });
    }
    render() {
      var s = this.state;
      if (s.error) { return h('div', { class: 'error' }, s.error); }
      if (!s.now) { return h('p', { class: 'muted' }, 'Loading…'); }
      var ms = s.now.ms;
      var v = function (snap, name, pred) { return snap ? sum(snap.ms, name, pred) : null; };
      var rate = function (name, pred) {
        if (!s.before) { return '…'; }
        var d = (v(s.now, name, pred) - v(s.before, name, pred)) / ((s.now.at - s.before.at) / 1000);
        return d.toFixed(1) + '/s';
      };
      var ok = function (l) { return l.status === 'ok'; }, fail = function (l) { return l.status === 'fail'; };
      var c = s.counts.counts;
      var latSum = sum(ms, 'dtm_server_response_duration_sum'), latCount = sum(ms, 'dtm_server_response_duration_count');
      var cards = [
        ['transaction passes', rate('dtm_transaction_process_total'), sum(ms, 'dtm_transaction_process_total') + ' total'],
        ['failed passes', rate('dtm_transaction_process_total', fail), sum(ms, 'dtm_transaction_process_total', fail) + ' total'],
        ['branch calls', rate('dtm_branch_process_total'), sum(ms, 'dtm_branch_process_total', ok) + ' ok, ' + sum(ms, 'dtm_branch_process_total', fail) + ' failed'],
        ['failed branch calls (retried)', rate('dtm_branch_process_total', fail), ''],
        ['pending backlog', String((c.prepared || 0) + (c.submitted || 0) + (c.aborting || 0)), 'prepared ' + c.prepared + ', submitted ' + c.submitted + ', aborting ' + c.aborting],
        ['branch latency (mean)', sum(ms, 'jdtm_branch_duration_seconds_count') ? (1000 * sum(ms, 'jdtm_branch_duration_seconds_sum') / sum(ms, 'jdtm_branch_duration_seconds_count')).toFixed(1) + ' ms' : '–', sum(ms, 'jdtm_branch_duration_seconds_count') + ' calls'],
        ['API latency (mean)', latCount ? (1000 * latSum / latCount).toFixed(1) + ' ms' : '–', latCount + ' requests'],
        ['lease renewals / losses', String(sum(ms, 'jdtm_lease_renewed_total')) + ' / ' + sum(ms, 'jdtm_lease_lost_total'), ''],
        ['attempts not recorded', String(sum(ms, 'jdtm_attempts_dropped_total')), 'history buffer full or store down']
      ];
      // SQL stores only: how busy the group commit's writers are (near 100 %, the store is the bottleneck)
      var lanes = sum(ms, 'jdtm_store_writer_lanes');
      if (lanes) {
        var delta = function (name) { return v(s.now, name) - v(s.before, name); };
        var busy = s.before ? (100 * delta('jdtm_store_writer_busy_seconds_total') / ((s.now.at - s.before.at) / 1000) / lanes).toFixed(0) + ' %' : '…';
        var batches = s.before ? delta('jdtm_store_writer_batches_total') : 0;
        cards.push(['store writers busy', busy, lanes + (lanes === 1 ? ' lane' : ' lanes') +
          (batches ? ', ' + (delta('jdtm_store_writer_writes_total') / batches).toFixed(1) + ' writes per batch' : '')]);
      }
      return h('div', null, h('h1', null, 'Dashboard'), h('div', { class: 'cards', id: 'dashboard' }, cards.map(function (x) {
        return h('div', { class: 'card' }, h('span', { class: 'muted' }, x[0]), h('b', null, x[1]), h('span', { class: 'muted' }, x[2]));
      })), h('p', { class: 'muted' }, 'From /api/metrics and /api/dtmsvr/counts, every 5 s.'));
    }
  }

  /** Asks for the admin token; kept in this tab's sessionStorage only and sent as a bearer token. */
  class Login extends Component {
    constructor(props) { super(props); this.state = { value: '' }; }
    render() {
      var self = this;
      return h('form', { class: 'login', id: 'login', onSubmit: function (e) {
        e.preventDefault(); sessionStorage.setItem(TOKEN_KEY, self.state.value); self.props.onLogin(); } },
        h('h1', null, 'Admin token'),
        h('p', { class: 'muted' }, this.props.message || 'This server requires a token (Auth.AdminTokens).'),
        h('input', { type: 'password', id: 'token', autocomplete: 'off', value: this.state.value,
          onInput: function (e) { self.setState({ value: e.target.value }); } }),
        h('button', { class: 'primary', type: 'submit', id: 'login-submit' }, 'Sign in'));
    }
  }

  class App extends Component {
    constructor(props) {
      super(props);
      this.state = { route: location.hash || '#/', login: null, epoch: 0 };
      this.onError = this.onError.bind(this);
    }
    componentDidMount() { var self = this; window.addEventListener('hashchange', function () { self.setState({ route: location.hash || '#/' }); }); }
    onError(e) { if (e instanceof AuthNeeded) { this.setState({ login: e.message }); } }
    render() {
      var r = this.state.route, self = this, page;
      if (this.state.login !== null) {
        page = h(Login, { message: this.state.login, onLogin: function () { self.setState({ login: null, epoch: self.state.epoch + 1 }); } });
      } else if (r.indexOf('#/trans/') === 0) {
        page = h(TransPage, { gid: decodeURIComponent(r.substring(8)), onError: this.onError });
      } else if (r === '#/unfinished') {
        page = h(ListPage, { title: 'Unfinished: prepared, submitted or aborting', preset: { stuck: '0' }, onError: this.onError });
      } else if (r === '#/stuck') {
        page = h(ListPage, { title: 'Stuck: unfinished, retried 3 times or more', preset: { stuck: '3' }, onError: this.onError });
      } else if (r === '#/topics') {
        page = h(TopicsPage, { onError: this.onError });
      } else if (r === '#/dashboard') {
        page = h(Dashboard, { onError: this.onError });
      } else {
        page = h(ListPage, { onError: this.onError });
      }
      var nav = function (href, text) { return link(href, text, { class: r === href ? 'active' : '' }); };
      return h('div', null,
        h('header', null, h('span', { class: 'brand' }, 'jdtm'), nav('#/', 'Transactions'), nav('#/unfinished', 'Unfinished'), nav('#/stuck', 'Stuck'),
          nav('#/topics', 'Topics'), nav('#/dashboard', 'Dashboard'),
          token() ? h('a', { class: 'right', href: '#/', id: 'logout', onClick: function () { sessionStorage.removeItem(TOKEN_KEY); } }, 'Sign out') : null),
        h('main', { key: r + '|' + this.state.epoch }, page));
    }
  }

  var root = document.getElementById('app');
  root.textContent = ''; // the no-JavaScript notice
  render(h(App, null), root);
})();
