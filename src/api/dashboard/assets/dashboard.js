// driftwatch dashboard. Plain script, no framework, no network beyond this origin.
// Safety rule: data from the API is only ever inserted with textContent / createTextNode /
// setAttribute on non-script attributes; innerHTML is never used.

const TOKEN_KEY = 'driftwatch.token';
// A token for actions (admin scope), asked for only when an action needs it; kept like the read
// token, in this tab's sessionStorage, never in localStorage.
const ADMIN_KEY = 'driftwatch.admin-token';
const SVG_NS = 'http://www.w3.org/2000/svg';
const HOUR = 3600e3;
const DAY = 24 * HOUR;
/** The time ranges offered, as durations back from now; 'custom' takes a from and a to. */
const RANGES = { '24h': ['last 24 hours', DAY], '7d': ['last 7 days', 7 * DAY], '30d': ['last 30 days', 30 * DAY] };
const DEFAULT_RANGE = '24h';
/** At most this many checks of the range get their full reports fetched for the charts (the table lists up to 200). */
const CHART_CHECKS = 48;

/** Creates an element with attributes and children (strings become text nodes). */
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, String(v));
  }
  append(node, children);
  return node;
}

/** The same for SVG elements. */
function svg(tag, attrs, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
  append(node, children);
  return node;
}

function append(node, children) {
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    node.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

class Unauthorized extends Error {}
/** An action refused for its token's scope (403), or with an admin token that was refused (401). */
class NeedsAdmin extends Error {}

/** GET on the API with the session's token; a 401 forgets the token. */
async function api(path) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const res = await fetch(path, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } });
  if (res.status === 401) {
    sessionStorage.removeItem(TOKEN_KEY);
    throw new Unauthorized('the token was refused');
  }
  const body = await res.json().catch(() => null);
  if (!res.ok) throw new Error(`${res.status} ${body?.message ? body.message : res.statusText}`);
  return body;
}

/**
 * An action (POST/DELETE) on the API, with the admin token when one was given, else the session's
 * token. 403, or 401 on the admin token (then forgotten), is a NeedsAdmin error.
 */
async function act(method, path, body) {
  const admin = sessionStorage.getItem(ADMIN_KEY);
  const token = admin || sessionStorage.getItem(TOKEN_KEY);
  const headers = { authorization: `Bearer ${token}`, accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const answer = res.status === 204 ? null : await res.json().catch(() => null);
  if (res.status === 403 || (res.status === 401 && admin)) {
    if (admin) sessionStorage.removeItem(ADMIN_KEY);
    throw new NeedsAdmin(
      res.status === 401 ? 'The admin token was refused; this action needs an admin token.' : 'This action needs an admin token.',
    );
  }
  if (res.status === 401) {
    sessionStorage.removeItem(TOKEN_KEY);
    throw new Unauthorized('the token was refused');
  }
  if (!res.ok) throw new Error(`${res.status} ${answer?.message ? answer.message : res.statusText}`);
  return answer;
}

/** The line above the page that says what an action did, or what it needs (kept across re-renders). */
function notice(text, kind, ...extra) {
  const bar = document.getElementById('notice');
  if (!text) {
    bar.replaceChildren();
    return;
  }
  bar.replaceChildren(el('p', { id: 'action-message', class: kind, role: 'status' }, text), ...extra);
}

/**
 * Runs an action; when it needs an admin token, asks for one (kept in this tab only) and runs it
 * again with it. `done(answer)` returns the sentence to show on success.
 */
async function runAction(button, run, done) {
  if (button) button.disabled = true;
  try {
    const answer = await run();
    notice(await done(answer), 'ok');
  } catch (error) {
    if (error instanceof NeedsAdmin)
      notice(
        error.message,
        'error',
        adminForm(() => runAction(button, run, done)),
      );
    else if (error instanceof Unauthorized) void route();
    else notice(`The action failed: ${String(error.message || error)}`, 'error');
  } finally {
    if (button?.isConnected) button.disabled = false;
  }
}

function adminForm(retry) {
  const input = el('input', {
    type: 'password',
    name: 'admin-token',
    autocomplete: 'off',
    placeholder: 'API token (admin scope)',
    'aria-label': 'admin token',
  });
  const form = el(
    'form',
    { class: 'token', id: 'admin-form' },
    input,
    el('button', { type: 'submit' }, 'Use for actions'),
    el('span', { class: 'muted' }, 'kept in this tab only (sessionStorage)'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (input.value.trim() === '') return;
    sessionStorage.setItem(ADMIN_KEY, input.value.trim());
    notice('Running the action with the admin token…', 'muted');
    void retry();
  });
  setTimeout(() => input.focus(), 0);
  return form;
}

const fmt = (x, digits = 3) => (typeof x === 'number' && Number.isFinite(x) ? Number(x.toPrecision(digits)).toString() : '–');
const when = (iso) => (iso ? new Date(iso).toLocaleString() : '–');

/** Where a check sits in time: the end of the window it checked (its data's time, not the clock's). */
const windowEnd = (r) => r.window?.end || r.timing.finishedAt;

/**
 * A short axis label for each check: the window's end as HH:MM when the checks span less than a
 * day, else as MM-DD HH:MM, so checks of different days (or two of one day) never look alike.
 */
function checkLabels(reports) {
  const times = reports.map((r) => new Date(windowEnd(r)));
  const span = times.length ? Math.max(...times.map(Number)) - Math.min(...times.map(Number)) : 0;
  const two = (n) => String(n).padStart(2, '0');
  const hm = (d) => `${two(d.getHours())}:${two(d.getMinutes())}`;
  return times.map((d) => (span >= DAY ? `${two(d.getMonth() + 1)}-${two(d.getDate())} ${hm(d)}` : hm(d)));
}

/** A check run by hand (check now over the API, or the CLI), not by the schedule. */
const isManual = (c) => c.trigger === 'api' || c.trigger === 'cli';
const triggerText = (c) => (isManual(c) ? `manual (${c.trigger})` : c.trigger === 'schedule' ? 'scheduled' : '–');
const triggerClass = (c) => (isManual(c) ? 'manual' : c.trigger === 'schedule' ? 'scheduled' : null);

/** Rough width of a 10px label (SVG text cannot be measured before it is drawn). */
const labelWidth = (text) => text.length * 6 + 4;

/**
 * Category axis ticks that never run together: horizontal when every label (or every other one,
 * with `thin`) fits its slot, else turned upright and thinned to every `step`-th slot so
 * neighbours stay 14px apart; long labels
 * are cut (the full one is in the tooltip). Returns the ticks and the room they need below the axis.
 */
function axisTicks(labels, slot, x0, axisY, cls, thin = true) {
  const short = labels.map((l) => (l.length > 10 ? `${l.slice(0, 9)}…` : l));
  let step = 1;
  // Lying flat, at most every other label is dropped; more crowded than that, upright labels show more of them.
  while (thin && short.some((l, i) => i % step === 0 && labelWidth(l) > slot * step) && step < 2) step++;
  const flat = short.every((l, i) => i % step !== 0 || labelWidth(l) <= slot * step);
  if (!flat) step = Math.max(1, Math.ceil(14 / slot));
  const ticks = short.map((text, i) => {
    if (i % step !== 0) return null;
    const x = x0 + i * slot + slot / 2;
    const attrs = flat
      ? { class: `tick ${cls ? cls(i) || '' : ''}`, x, y: axisY + 12, 'text-anchor': 'middle' }
      : {
          class: `tick ${cls ? cls(i) || '' : ''}`,
          x: x + 3.5,
          y: axisY + 4,
          'text-anchor': 'end',
          transform: `rotate(-90 ${x + 3.5} ${axisY + 4})`,
        };
    return svg('text', attrs, svg('title', {}, labels[i]), text);
  });
  const room = flat ? 16 : Math.max(...short.map(labelWidth)) + 8;
  return { ticks, room };
}
const badge = (text) => el('span', { class: `badge ${String(text).replace(/[^a-z_]/gi, '')}` }, String(text));
// Events per minute: whole numbers from 100 on, one decimal below (the API rounds to a tenth).
const perMinute = (x) => (typeof x !== 'number' ? '–' : x >= 100 ? Math.round(x).toLocaleString('en') : String(x));
const psiOf = (f) => (f?.stats && typeof f.stats.psi === 'number' ? f.stats.psi : null);

function table(headers, rows) {
  return el(
    'table',
    {},
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        headers.map((h) => el('th', {}, h)),
      ),
    ),
    el('tbody', {}, rows),
  );
}

// ------------------------------------------------------------------ token

function tokenForm(app, message) {
  const input = el('input', {
    type: 'password',
    name: 'token',
    autocomplete: 'off',
    placeholder: 'API token (read scope)',
    'aria-label': 'API token',
  });
  const form = el('form', { class: 'token', id: 'token-form' }, input, el('button', { type: 'submit' }, 'Use token'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (input.value.trim() === '') return;
    sessionStorage.setItem(TOKEN_KEY, input.value.trim());
    void route();
  });
  app.replaceChildren(
    el(
      'section',
      {},
      el('h1', {}, 'Sign in'),
      message ? el('p', { class: 'error' }, message) : null,
      el('p', { class: 'muted' }, 'The token is kept in this tab only (sessionStorage) and sent as a Bearer header.'),
      form,
    ),
  );
  input.focus();
}

// ------------------------------------------------------------------ models page

async function modelsPage(app) {
  const [{ items }, pending, dead] = await Promise.all([
    api('/api/v1/models'),
    api('/api/v1/outbox?status=pending&limit=1'),
    api('/api/v1/outbox?status=dead&limit=50'),
  ]);
  const rows = items.map((m) =>
    el(
      'tr',
      { class: m.latestCheck?.drift ? 'drift' : null },
      el('td', { class: 'name' }, el('a', { href: `/models/${encodeURIComponent(m.name)}` }, m.name)),
      el('td', {}, badge(m.status), m.error ? el('div', { class: 'muted' }, m.error) : null),
      el('td', {}, m.latestCheck ? when(m.latestCheck.finishedAt) : '–'),
      el('td', {}, m.latestCheck ? badge(m.latestCheck.status) : el('span', { class: 'muted' }, 'no check yet')),
      el('td', { class: 'num' }, String(m.firingAlerts)),
      el('td', { class: 'num', 'data-rate': m.name }, perMinute(m.eventsPerMinute)),
    ),
  );
  app.replaceChildren(
    el('h1', {}, 'Models'),
    el('section', { id: 'models' }, table(['Model', 'Status', 'Last check', 'Last result', 'Firing alerts', 'Events/min (5 min)'], rows)),
    outboxSection(pending, dead),
  );
}

/** Notification deliveries: counts of waiting and given-up ones, and the dead ones in detail. */
function outboxSection(pending, dead) {
  const counts = el(
    'p',
    { class: 'counts' },
    el('span', { 'data-count': 'pending' }, `${pending.total} pending`),
    ' · ',
    el('span', { 'data-count': 'dead', class: dead.total > 0 ? 'error' : null }, `${dead.total} dead`),
  );
  const body =
    dead.items.length === 0
      ? el('p', { class: 'muted' }, 'No dead deliveries.')
      : table(
          ['Channel', 'Model', 'Kind', 'Attempts', 'Created', 'Last error', ''],
          dead.items.map((d) => {
            const action = el('td', { class: 'action' });
            const row = el(
              'tr',
              { class: 'dead', 'data-id': d.id },
              el('td', { class: 'name' }, d.channel),
              el('td', {}, d.model),
              el('td', {}, d.kind),
              el('td', { class: 'num' }, String(d.attempts)),
              el('td', {}, when(d.createdAt)),
              el('td', { class: 'last-error' }, d.lastError || '–'),
              action,
            );
            const button = el(
              'button',
              { type: 'button', class: 'retry', title: 'send it again: pending, attempts reset, due now' },
              'Retry',
            );
            button.addEventListener('click', () =>
              runAction(
                button,
                () => act('POST', `/api/v1/outbox/${encodeURIComponent(d.id)}/retry`),
                async (retried) => {
                  // Marked in place (a re-render would drop the row: it is no longer dead); the counts are read again.
                  row.className = 'retried';
                  action.replaceChildren(badge(retried.status));
                  await refreshOutboxCounts();
                  return `Delivery to ${retried.channel} queued again (${retried.status}, attempts reset).`;
                },
              ),
            );
            action.append(button);
            return row;
          }),
        );
  const more =
    dead.total > dead.items.length ? el('p', { class: 'muted' }, `showing the newest ${dead.items.length} of ${dead.total}`) : null;
  return el('section', { id: 'outbox' }, el('h2', {}, 'Outbox'), counts, body, more);
}

async function refreshOutboxCounts() {
  const [pending, dead] = await Promise.all([api('/api/v1/outbox?status=pending&limit=1'), api('/api/v1/outbox?status=dead&limit=1')]);
  const p = document.querySelector('#outbox [data-count=pending]');
  const d = document.querySelector('#outbox [data-count=dead]');
  if (p) p.textContent = `${pending.total} pending`;
  if (d) {
    d.textContent = `${dead.total} dead`;
    d.className = dead.total > 0 ? 'error' : '';
  }
}

// ------------------------------------------------------------------ model page

/**
 * The time range of the model page, from the address (?range=24h|7d|30d, or ?range=custom&from=&to=
 * as ISO times), so a reload or a shared link keeps it. Relative ranges end now.
 */
function currentRange() {
  const q = new URLSearchParams(location.search);
  const key = q.get('range') || DEFAULT_RANGE;
  const now = Date.now();
  if (key === 'custom') {
    const from = Date.parse(q.get('from') || '');
    const to = Date.parse(q.get('to') || '');
    if (Number.isFinite(from) && Number.isFinite(to) && from < to) return { key, from, to, text: `${when(from)} – ${when(to)}` };
  }
  const [text, ms] = RANGES[key] || RANGES[DEFAULT_RANGE];
  return { key: RANGES[key] ? key : DEFAULT_RANGE, from: now - ms, to: now, text };
}

/** A value for a datetime-local input: the local time to the minute. */
function localInput(ms) {
  const d = new Date(ms);
  const two = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}T${two(d.getHours())}:${two(d.getMinutes())}`;
}

function go(search) {
  history.pushState(null, '', `${location.pathname}${search}`);
  void route();
}

/** The range control: last 24 hours, 7 days, 30 days, or a custom from-to (local times). */
function rangeControl(range) {
  const select = el(
    'select',
    { id: 'range-select', 'aria-label': 'time range' },
    [...Object.entries(RANGES).map(([key, [text]]) => [key, text]), ['custom', 'custom…']].map(([key, text]) =>
      el('option', { value: key, selected: key === range.key ? 'selected' : null }, text),
    ),
  );
  const from = el('input', { type: 'datetime-local', id: 'range-from', 'aria-label': 'from', value: localInput(range.from) });
  const to = el('input', { type: 'datetime-local', id: 'range-to', 'aria-label': 'to', value: localInput(range.to) });
  const apply = el('button', { type: 'submit', id: 'range-apply' }, 'Show');
  const custom = el('span', { class: 'custom', hidden: range.key === 'custom' ? null : 'hidden' }, 'from ', from, ' to ', to, ' ', apply);
  const form = el('form', { id: 'range', class: 'range' }, el('label', { for: 'range-select' }, 'Checks of the '), select, ' ', custom);
  select.addEventListener('change', () => {
    if (select.value === 'custom') custom.hidden = false;
    else go(`?range=${encodeURIComponent(select.value)}`);
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    // datetime-local values are local times; the API takes ISO instants.
    const f = new Date(from.value).getTime();
    const t = new Date(to.value).getTime();
    if (!Number.isFinite(f) || !Number.isFinite(t) || f >= t) {
      notice('The range needs a "from" before its "to".', 'error');
      return;
    }
    notice();
    go(`?range=custom&from=${encodeURIComponent(new Date(f).toISOString())}&to=${encodeURIComponent(new Date(t).toISOString())}`);
  });
  return form;
}

async function modelPage(app, name) {
  document.getElementById('crumb').textContent = `/ ${name}`;
  const m = encodeURIComponent(name);
  const range = currentRange();
  const period = `from=${encodeURIComponent(new Date(range.from).toISOString())}&to=${encodeURIComponent(new Date(range.to).toISOString())}`;
  const [model, checks, alerts, resolved] = await Promise.all([
    api(`/api/v1/models/${m}`),
    api(`/api/v1/models/${m}/checks?${period}&limit=200`),
    api(`/api/v1/alerts?status=firing&model=${m}`),
    api(`/api/v1/alerts?status=resolved&model=${m}&limit=50`),
  ]);
  // Full reports for the charts (the list carries no statistics): the newest of the range.
  const charted = checks.items.slice(0, CHART_CHECKS);
  const reports = await Promise.all(charted.map((c) => api(`/api/v1/checks/${encodeURIComponent(c.id)}`)));
  const latest = reports.find((r) => r.status !== 'insufficient_data') || reports[0] || null;
  const overTime = reports.filter((r) => r.features.length > 0).reverse();
  const chartNote =
    checks.items.length > charted.length
      ? el('p', { class: 'muted' }, `charts show the newest ${charted.length} checks of the range`)
      : null;

  const checkNow = el('button', { type: 'button', id: 'check-now', title: "check the model's window now (admin token)" }, 'Check now');
  checkNow.addEventListener('click', () => {
    checkNow.textContent = 'Checking…';
    void runAction(
      checkNow,
      () => act('POST', `/api/v1/models/${m}/checks`),
      async (report) => {
        await route();
        return `Checked now: ${report.status}, ${report.window.rows} rows (a manual check).`;
      },
    ).finally(() => {
      if (checkNow.isConnected) checkNow.textContent = 'Check now';
    });
  });

  const parts = [
    el(
      'h1',
      {},
      model.name,
      ' ',
      badge(model.status),
      el('span', { class: 'muted rate', id: 'rate' }, ` ${perMinute(model.eventsPerMinute)} events/min`),
      ' ',
      checkNow,
    ),
    el(
      'section',
      { id: 'checks' },
      rangeControl(range),
      el('h2', {}, `${checks.total} check${checks.total === 1 ? '' : 's'} in the ${range.key === 'custom' ? 'range' : range.text}`),
      checkList(checks, reports),
    ),
  ];
  if (!latest) {
    parts.push(el('section', {}, el('p', { class: 'muted' }, 'No check of this model in this range.')));
  } else {
    parts.push(
      el(
        'section',
        { id: 'latest' },
        el('h2', {}, `Latest check: `, badge(latest.status), ` ${when(latest.timing.finishedAt)} · ${latest.window.rows} rows`),
        baselineLine(latest, model),
        featureTable(latest),
      ),
      el(
        'section',
        { id: 'histograms' },
        el('h2', {}, 'Baseline vs current'),
        el('p', { class: 'legend muted' }, el('span', { class: 'base' }), 'baseline', el('span', { class: 'cur' }), 'current'),
        el('div', { class: 'charts' }, worstFirst(latest.features).map(histogram)),
      ),
      el('section', { id: 'heatmap' }, el('h2', {}, 'PSI by feature over the range'), chartNote, heatmap(overTime)),
      el(
        'section',
        { id: 'trends' },
        el('h2', {}, 'PSI over the range, per feature'),
        el(
          'p',
          { class: 'legend muted' },
          el('span', { class: 'dot-drift' }),
          'drifted check',
          el('span', { class: 'dot-manual' }),
          'manual check',
        ),
        trendCharts(overTime),
      ),
      el('section', { id: 'schema' }, el('h2', {}, 'Schema findings'), schemaFindings(latest.schema)),
    );
  }
  parts.push(el('section', { id: 'alerts' }, el('h2', {}, `Firing alerts (${alerts.total})`), alertTable(alerts.items)));
  parts.push(
    el(
      'section',
      { id: 'alert-history' },
      el('h2', {}, `Alert history (${alerts.total} firing, ${resolved.total} resolved)`),
      alertHistory([...alerts.items, ...resolved.items]),
      resolved.total > resolved.items.length
        ? el('p', { class: 'muted' }, `showing the newest ${resolved.items.length} resolved of ${resolved.total}`)
        : null,
    ),
  );
  app.replaceChildren(...parts);
}

/** The baseline the latest check compared against; a note when the model has moved to another version since. */
function baselineLine(report, model) {
  const b = report.baseline || {};
  const configured = model.baseline?.version;
  return el(
    'p',
    { id: 'baseline', class: 'muted' },
    'Baseline ',
    el('strong', {}, b.version || 'unversioned'),
    ` · ${typeof b.rows === 'number' ? b.rows.toLocaleString('en') : '–'} rows · ${b.name || '–'}`,
    configured && b.version && configured !== b.version ? el('span', { class: 'error' }, ` (the model now uses ${configured})`) : null,
  );
}

/** The checks of the range, newest first: when, what ran it (manual apart from scheduled), the outcome, the baseline. */
function checkList(checks, reports) {
  if (checks.items.length === 0) return el('p', { class: 'muted' }, 'No checks in this range.');
  const byId = new Map(reports.map((r) => [r.id, r]));
  const rows = checks.items.map((c) => {
    const drifted = c.features.filter((f) => f.drift).length;
    const version = byId.get(c.id)?.baseline?.version;
    return el(
      'tr',
      { class: triggerClass(c), 'data-check': c.id },
      el('td', {}, when(c.window?.end || c.finishedAt)),
      el('td', { class: 'trigger', title: c.trigger ? null : 'not recorded (a check from before driftwatch recorded it)' }, triggerText(c)),
      el('td', {}, badge(c.status)),
      el('td', { class: 'num' }, `${drifted}/${c.features.length}`),
      el('td', { class: 'num' }, c.rows.toLocaleString('en')),
      el('td', { class: 'muted' }, version || '–'),
    );
  });
  const more =
    checks.total > checks.items.length ? el('p', { class: 'muted' }, `showing the newest ${checks.items.length} of ${checks.total}`) : null;
  return el('div', {}, table(['Window end', 'Run by', 'Result', 'Drifted', 'Rows', 'Baseline'], rows), more);
}

function worstFirst(features) {
  return [...features].sort(
    (a, b) => Number(b.drift) - Number(a.drift) || (b.severity || 0) - (a.severity || 0) || (a.name < b.name ? -1 : 1),
  );
}

function featureTable(report) {
  const rows = worstFirst(report.features).map((f) =>
    el(
      'tr',
      { class: f.drift ? 'drift' : null, 'data-feature': f.name },
      el('td', { class: 'name' }, f.name),
      el('td', { class: 'muted' }, f.kind),
      el('td', {}, badge(f.drift ? 'drift' : 'ok')),
      el('td', { class: 'num' }, fmt(psiOf(f))),
      el('td', { class: 'num' }, fmt(f.severity)),
      // The first reason is the sentence a person reads; the others are its parts, kept as a tooltip.
      el('td', { class: 'why', title: (f.reasons || []).slice(1).join('\n') }, (f.reasons || [])[0] || ''),
    ),
  );
  return table(['Feature', 'Kind', 'Drift', 'PSI', 'Severity', 'Why'], rows);
}

/** Grouped bars of baseline and current shares per bin. */
function histogram(f) {
  const W = 340,
    plot = 108,
    pad = { l: 30, r: 6, t: 8 };
  const { labels, baseline, current } = f.bins;
  const max = Math.max(1e-9, ...baseline, ...current);
  const slot = (W - pad.l - pad.r) / Math.max(1, labels.length);
  const bar = Math.max(1, slot / 2 - 1);
  // Numeric bins are labelled by their upper edge (the interval is in the tooltip).
  const tick = (i) => (f.bins.edges ? (i < f.bins.edges.length ? `≤${fmt(f.bins.edges[i])}` : `>${fmt(f.bins.edges[i - 1])}`) : labels[i]);
  const axis = axisTicks(
    labels.map((_, i) => tick(i)),
    slot,
    pad.l,
    pad.t + plot,
  );
  pad.b = axis.room;
  const H = pad.t + plot + pad.b;
  const y = (v) => pad.t + (H - pad.t - pad.b) * (1 - v / max);
  const chart = svg(
    'svg',
    { viewBox: `0 0 ${W} ${H}`, role: 'img', class: 'histogram' },
    svg('title', {}, `${f.name}: baseline vs current shares`),
    svg('line', { class: 'axis', x1: pad.l, x2: W - pad.r, y1: H - pad.b, y2: H - pad.b }),
    svg('text', { x: pad.l - 4, y: pad.t + 8, 'text-anchor': 'end' }, `${Math.round(max * 100)}%`),
    labels.map((label, i) => {
      const x = pad.l + i * slot;
      return svg(
        'g',
        {},
        svg(
          'rect',
          { class: 'bar-base', x: x + 1, y: y(baseline[i]), width: bar, height: H - pad.b - y(baseline[i]) },
          svg('title', {}, `${label} baseline ${fmt(baseline[i] * 100)}%`),
        ),
        svg(
          'rect',
          { class: 'bar-cur', x: x + 1 + bar, y: y(current[i]), width: bar, height: H - pad.b - y(current[i]) },
          svg('title', {}, `${label} current ${fmt(current[i] * 100)}%`),
        ),
      );
    }),
    axis.ticks,
  );
  return el(
    'figure',
    { class: f.drift ? 'drift' : null },
    el('figcaption', {}, f.name, ' ', badge(f.drift ? 'drift' : 'ok'), el('span', { class: 'muted' }, ` PSI ${fmt(psiOf(f))}`)),
    chart,
  );
}

/** The heatmap's colour of a PSI: white at 0 to red at 0.5 and more. */
function psiColor(psi) {
  const t = Math.min(1, Math.max(0, psi / 0.5));
  return `rgb(${Math.round(255 - 75 * t)},${Math.round(255 - 220 * t)},${Math.round(255 - 231 * t)})`;
}
const NO_VALUE = '#eef0f2';

/** The heatmap's colour scale: a swatch per PSI step, no value, and the drift outline. */
function psiScale(x0, y0) {
  const steps = [0, 0.1, 0.2, 0.3, 0.4, 0.5];
  const sw = 30;
  const items = steps.map((v, i) =>
    svg(
      'g',
      {},
      svg('rect', { class: 'swatch', x: x0 + i * sw, y: y0 + 12, width: sw - 2, height: 12, fill: psiColor(v), stroke: '#cfd4da' }),
      svg('text', { x: x0 + i * sw + (sw - 2) / 2, y: y0 + 36, 'text-anchor': 'middle' }, i === steps.length - 1 ? '≥0.5' : String(v)),
    ),
  );
  const x1 = x0 + steps.length * sw + 12;
  return svg(
    'g',
    { class: 'scale' },
    svg('text', { x: x0, y: y0 + 8 }, 'PSI'),
    items,
    svg('rect', { class: 'swatch-none', x: x1, y: y0 + 12, width: 12, height: 12, fill: NO_VALUE }),
    svg('text', { x: x1 + 16, y: y0 + 22 }, 'no value'),
    svg('rect', { class: 'swatch-drift', x: x1 + 70, y: y0 + 12, width: 12, height: 12, fill: '#fff', stroke: '#b42318' }),
    svg('text', { x: x1 + 86, y: y0 + 22 }, 'drifted'),
    svg('text', { class: 'manual', x: x1 + 134, y: y0 + 22 }, '▲ manual check'),
  );
}
const SCALE_WIDTH = 8 + 6 * 30 + 12 + 134 + 96;

/** Feature (rows) × check (columns, oldest left) of PSI, with its colour scale below. */
function heatmap(reports) {
  if (reports.length === 0) return el('p', { class: 'muted' }, 'No checks with features in this range.');
  const names = [...new Set(reports.flatMap((r) => r.features.map((f) => f.name)))];
  const cw = 44,
    ch = 20,
    left = 140,
    top = 8;
  const axisY = top + ch * names.length;
  const manualMark = (i) => (isManual(reports[i]) ? 'manual' : null);
  const labels = checkLabels(reports).map((l, i) => (manualMark(i) ? `▲ ${l}` : l));
  // Every check keeps its label (turned upright when they do not fit): a column without one cannot be told.
  const axis = axisTicks(labels, cw, left, axisY, manualMark, false);
  const W = Math.max(left + cw * reports.length + 8, SCALE_WIDTH),
    H = axisY + axis.room + 44;
  const color = psiColor;
  const cells = [];
  names.forEach((name, row) => {
    cells.push(
      svg('text', { x: left - 6, y: top + row * ch + 14, 'text-anchor': 'end' }, name.length > 22 ? `${name.slice(0, 21)}…` : name),
    );
    reports.forEach((r, col) => {
      const f = r.features.find((x) => x.name === name);
      const psi = psiOf(f);
      cells.push(
        svg(
          'rect',
          {
            x: left + col * cw,
            y: top + row * ch,
            width: cw - 2,
            height: ch - 2,
            class: 'cell',
            fill: psi === null ? NO_VALUE : color(psi),
            stroke: f?.drift ? '#b42318' : 'none',
          },
          svg(
            'title',
            {},
            `${name}, window ending ${when(windowEnd(r))}${isManual(r) ? ' (manual check)' : ''}: PSI ${fmt(psi)}${f?.drift ? ' (drift)' : ''}`,
          ),
        ),
      );
    });
  });
  return svg(
    'svg',
    { viewBox: `0 0 ${W} ${H}`, role: 'img', class: 'heatmap', width: W, height: H },
    svg('title', {}, 'PSI per feature and check'),
    cells,
    axis.ticks,
    psiScale(8, axisY + axis.room),
  );
}

/** One small line chart per feature: PSI across the checks (oldest left), drifted checks as red dots. */
function trendCharts(reports) {
  if (reports.length === 0) return el('p', { class: 'muted' }, 'No checks with features yet.');
  const names = [...new Set(reports.flatMap((r) => r.features.map((f) => f.name)))];
  const W = 220,
    H = 90,
    pad = { l: 30, r: 8, t: 8, b: 18 };
  const x = (i) => pad.l + (reports.length === 1 ? (W - pad.l - pad.r) / 2 : (i * (W - pad.l - pad.r)) / (reports.length - 1));
  const labels = checkLabels(reports);
  return el(
    'div',
    { class: 'charts trends' },
    names.map((name) => {
      const points = reports.map((r, i) => {
        const f = r.features.find((g) => g.name === name);
        return { i, r, psi: psiOf(f), drift: Boolean(f?.drift) };
      });
      const known = points.filter((p) => p.psi !== null);
      const max = Math.max(0.1, ...known.map((p) => p.psi));
      const y = (v) => pad.t + (H - pad.t - pad.b) * (1 - v / max);
      const drifted = known.filter((p) => p.drift).length;
      const chart = svg(
        'svg',
        { viewBox: `0 0 ${W} ${H}`, role: 'img', class: 'trend' },
        svg('title', {}, `${name}: PSI over ${reports.length} checks`),
        svg('line', { class: 'axis', x1: pad.l, x2: W - pad.r, y1: H - pad.b, y2: H - pad.b }),
        svg('text', { x: pad.l - 4, y: pad.t + 8, 'text-anchor': 'end' }, fmt(max, 2)),
        svg('text', { x: pad.l - 4, y: H - pad.b, 'text-anchor': 'end' }, '0'),
        svg('text', { x: pad.l, y: H - 4, 'text-anchor': 'start' }, labels[0]),
        reports.length > 1 ? svg('text', { x: W - pad.r, y: H - 4, 'text-anchor': 'end' }, labels[labels.length - 1]) : null,
        known.length > 1
          ? svg('polyline', { class: 'line', points: known.map((p) => `${x(p.i).toFixed(1)},${y(p.psi).toFixed(1)}`).join(' ') })
          : null,
        known.map((p) =>
          svg(
            'circle',
            {
              class: `point${p.drift ? ' drifted' : ''}${isManual(p.r) ? ' manual' : ''}`,
              cx: x(p.i).toFixed(1),
              cy: y(p.psi).toFixed(1),
              r: p.drift ? 4 : 2.5,
            },
            svg(
              'title',
              {},
              `window ending ${when(windowEnd(p.r))}${isManual(p.r) ? ' (manual check)' : ''}: PSI ${fmt(p.psi)}${p.drift ? ' (drift)' : ''}`,
            ),
          ),
        ),
      );
      return el(
        'figure',
        { class: drifted ? 'drift' : null, 'data-feature': name },
        el('figcaption', {}, name, el('span', { class: 'muted' }, ` ${drifted}/${known.length} drifted`)),
        chart,
      );
    }),
  );
}

function alertHistory(items) {
  if (items.length === 0) return el('p', { class: 'muted' }, 'No alerts yet.');
  return table(
    ['Status', 'Feature', 'Kind', 'Severity', 'Since', 'Until', 'Summary'],
    items.map((a) =>
      el(
        'tr',
        { class: a.status, 'data-fingerprint': a.fingerprint },
        el('td', {}, badge(a.status)),
        el('td', { class: 'name' }, a.feature),
        el('td', {}, a.kind),
        el('td', {}, badge(a.severity)),
        el('td', {}, when(a.startsAt)),
        el('td', {}, a.endsAt ? when(a.endsAt) : 'now'),
        el('td', {}, a.summary),
      ),
    ),
  );
}

function schemaFindings(schema) {
  const items = [
    ...schema.missing.map((n) => el('li', {}, 'missing: ', el('strong', {}, n))),
    ...schema.unexpected.map((n) => el('li', {}, 'unexpected: ', el('strong', {}, n))),
    ...schema.anomalies.map((a) =>
      el(
        'li',
        {},
        badge(a.kind),
        ' ',
        a.message,
        a.examples?.length ? el('span', { class: 'muted' }, ` (e.g. ${a.examples.join(', ')})`) : null,
      ),
    ),
  ];
  return items.length ? el('ul', {}, items) : el('p', { class: 'muted' }, 'None.');
}

const SILENCES = ['1h', '4h', '24h', '7d'];

function alertTable(items) {
  if (items.length === 0) return el('p', { class: 'muted' }, 'None firing.');
  return table(
    ['Feature', 'Kind', 'Severity', 'Since', 'Summary', 'Notifications'],
    items.map((a) =>
      el(
        'tr',
        { 'data-fingerprint': a.fingerprint },
        el('td', { class: 'name' }, a.feature),
        el('td', {}, a.kind),
        el('td', {}, badge(a.severity)),
        el('td', {}, when(a.startsAt)),
        el('td', {}, a.summary),
        el('td', { class: 'action' }, silenceControl(a)),
      ),
    ),
  );
}

/** Silence an alert's notifications for a while (it keeps firing and resolving), or end its silence. */
function silenceControl(a) {
  const path = `/api/v1/alerts/${encodeURIComponent(a.fingerprint)}/silence`;
  if (a.silencedUntil) {
    const button = el('button', { type: 'button', class: 'unsilence' }, 'Unsilence');
    button.addEventListener('click', () =>
      runAction(
        button,
        () => act('DELETE', path),
        async () => {
          await route();
          return `Alert ${a.feature} (${a.kind}) notifies again.`;
        },
      ),
    );
    return [el('span', { class: 'silenced' }, `silenced until ${when(a.silencedUntil)}`), ' ', button];
  }
  const duration = el(
    'select',
    { class: 'silence-duration', 'aria-label': 'silence for' },
    SILENCES.map((d) => el('option', { value: d }, d)),
  );
  const button = el('button', { type: 'button', class: 'silence', title: 'hold its notifications; it keeps firing' }, 'Silence');
  button.addEventListener('click', () =>
    runAction(
      button,
      () => act('POST', path, { duration: duration.value }),
      async (state) => {
        await route();
        return `Alert ${a.feature} (${a.kind}) silenced until ${when(state.silencedUntil)}.`;
      },
    ),
  );
  return [duration, ' ', button];
}

// ------------------------------------------------------------------ routing

async function route() {
  const app = document.getElementById('app');
  const logout = document.getElementById('logout');
  if (!sessionStorage.getItem(TOKEN_KEY)) {
    logout.hidden = true;
    tokenForm(app);
    return;
  }
  logout.hidden = false;
  const match = /^\/models\/([^/]+)$/.exec(location.pathname);
  document.body.dataset.loaded = 'false';
  try {
    if (match) await modelPage(app, decodeURIComponent(match[1]));
    else await modelsPage(app);
    document.body.dataset.loaded = 'true';
  } catch (error) {
    if (error instanceof Unauthorized) tokenForm(app, 'The token was refused; enter another.');
    else app.replaceChildren(el('section', {}, el('p', { class: 'error' }, String(error.message || error))));
  }
}

document.addEventListener('DOMContentLoaded', () => {
  document.getElementById('logout').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(ADMIN_KEY);
    notice();
    void route();
  });
  // Links inside the app keep the notice line; back and forward re-read the range from the address.
  window.addEventListener('popstate', () => void route());
  void route();
});
