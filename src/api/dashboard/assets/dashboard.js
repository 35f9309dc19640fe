// driftwatch dashboard. Plain script, no framework, no network beyond this origin.
// Safety rule: data from the API is only ever inserted with textContent / createTextNode /
// setAttribute on non-script attributes; innerHTML is never used.

const TOKEN_KEY = 'driftwatch.token';
const SVG_NS = 'http://www.w3.org/2000/svg';

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

const fmt = (x, digits = 3) => (typeof x === 'number' && Number.isFinite(x) ? Number(x.toPrecision(digits)).toString() : '–');
const when = (iso) => (iso ? new Date(iso).toLocaleString() : '–');

/** Where a check sits in time: the end of the window it checked (its data's time, not the clock's). */
const windowEnd = (r) => r.window?.end || r.timing.finishedAt;

/**
 * A short axis label for each check: the window's end as HH:MM when the checks span less than a
 * day, else as MM-DD (a replay or a daily check), so checks of different days never look alike.
 */
function checkLabels(reports) {
  const times = reports.map((r) => new Date(windowEnd(r)));
  const span = times.length ? Math.max(...times.map(Number)) - Math.min(...times.map(Number)) : 0;
  const two = (n) => String(n).padStart(2, '0');
  return times.map((d) => (span >= 864e5 ? `${two(d.getMonth() + 1)}-${two(d.getDate())}` : `${two(d.getHours())}:${two(d.getMinutes())}`));
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
          ['Channel', 'Model', 'Kind', 'Attempts', 'Created', 'Last error'],
          dead.items.map((d) =>
            el(
              'tr',
              { class: 'dead', 'data-id': d.id },
              el('td', { class: 'name' }, d.channel),
              el('td', {}, d.model),
              el('td', {}, d.kind),
              el('td', { class: 'num' }, String(d.attempts)),
              el('td', {}, when(d.createdAt)),
              el('td', { class: 'last-error' }, d.lastError || '–'),
            ),
          ),
        );
  const more =
    dead.total > dead.items.length ? el('p', { class: 'muted' }, `showing the newest ${dead.items.length} of ${dead.total}`) : null;
  return el('section', { id: 'outbox' }, el('h2', {}, 'Outbox'), counts, body, more);
}

// ------------------------------------------------------------------ model page

async function modelPage(app, name) {
  document.getElementById('crumb').textContent = `/ ${name}`;
  const m = encodeURIComponent(name);
  const [model, checks, alerts, resolved] = await Promise.all([
    api(`/api/v1/models/${m}`),
    api(`/api/v1/models/${m}/checks?limit=12`),
    api(`/api/v1/alerts?status=firing&model=${m}`),
    api(`/api/v1/alerts?status=resolved&model=${m}&limit=50`),
  ]);
  // Full reports for the heatmap (the list carries no statistics); the newest is also the table's.
  const reports = await Promise.all(checks.items.map((c) => api(`/api/v1/checks/${encodeURIComponent(c.id)}`)));
  const latest = reports.find((r) => r.status !== 'insufficient_data') || reports[0] || null;

  const parts = [
    el(
      'h1',
      {},
      model.name,
      ' ',
      badge(model.status),
      el('span', { class: 'muted rate', id: 'rate' }, ` ${perMinute(model.eventsPerMinute)} events/min`),
    ),
  ];
  if (!latest) {
    parts.push(el('section', {}, el('p', { class: 'muted' }, 'No check of this model yet.')));
  } else {
    parts.push(
      el(
        'section',
        { id: 'latest' },
        el('h2', {}, `Latest check: `, badge(latest.status), ` ${when(latest.timing.finishedAt)} · ${latest.window.rows} rows`),
        featureTable(latest),
      ),
      el(
        'section',
        { id: 'histograms' },
        el('h2', {}, 'Baseline vs current'),
        el('p', { class: 'legend muted' }, el('span', { class: 'base' }), 'baseline', el('span', { class: 'cur' }), 'current'),
        el('div', { class: 'charts' }, worstFirst(latest.features).map(histogram)),
      ),
      el(
        'section',
        { id: 'heatmap' },
        el('h2', {}, 'PSI by feature over recent checks'),
        heatmap(reports.filter((r) => r.features.length > 0).reverse()),
      ),
      el(
        'section',
        { id: 'trends' },
        el('h2', {}, 'PSI over recent checks, per feature'),
        el('p', { class: 'legend muted' }, el('span', { class: 'dot-drift' }), 'drifted check'),
        trendCharts(reports.filter((r) => r.features.length > 0).reverse()),
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
    H = 150,
    pad = { l: 30, r: 6, t: 8, b: 34 };
  const { labels, baseline, current } = f.bins;
  const max = Math.max(1e-9, ...baseline, ...current);
  const slot = (W - pad.l - pad.r) / Math.max(1, labels.length);
  const bar = Math.max(1, slot / 2 - 1);
  const step = labels.length > 6 ? 2 : 1;
  const tick = (i) =>
    f.bins.edges
      ? i < f.bins.edges.length
        ? `≤${fmt(f.bins.edges[i])}`
        : `>${fmt(f.bins.edges[i - 1])}`
      : labels[i].length > 9
        ? `${labels[i].slice(0, 8)}…`
        : labels[i];
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
        // Numeric bins are labelled by their upper edge (the interval is in the tooltip), every other one when crowded.
        i % step === 0 ? svg('text', { x: x + slot / 2, y: H - pad.b + 12, 'text-anchor': 'middle' }, tick(i)) : null,
      );
    }),
  );
  return el(
    'figure',
    { class: f.drift ? 'drift' : null },
    el('figcaption', {}, f.name, ' ', badge(f.drift ? 'drift' : 'ok'), el('span', { class: 'muted' }, ` PSI ${fmt(psiOf(f))}`)),
    chart,
  );
}

/** Feature (rows) × check (columns, oldest left) of PSI; white 0 to red at PSI >= 0.5. */
function heatmap(reports) {
  if (reports.length === 0) return el('p', { class: 'muted' }, 'No checks with features yet.');
  const names = [...new Set(reports.flatMap((r) => r.features.map((f) => f.name)))];
  const cw = 44,
    ch = 20,
    left = 140,
    top = 8,
    bottom = 40;
  const W = left + cw * reports.length + 8,
    H = top + ch * names.length + bottom;
  const color = (psi) => {
    const t = Math.min(1, Math.max(0, psi / 0.5));
    return `rgb(${Math.round(255 - 75 * t)},${Math.round(255 - 220 * t)},${Math.round(255 - 231 * t)})`;
  };
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
            fill: psi === null ? '#eef0f2' : color(psi),
            stroke: f?.drift ? '#b42318' : 'none',
          },
          svg('title', {}, `${name}, window ending ${when(windowEnd(r))}: PSI ${fmt(psi)}${f?.drift ? ' (drift)' : ''}`),
        ),
      );
    });
  });
  checkLabels(reports).forEach((label, col) => {
    cells.push(svg('text', { x: left + col * cw + cw / 2, y: top + names.length * ch + 14, 'text-anchor': 'middle' }, label));
  });
  return svg(
    'svg',
    { viewBox: `0 0 ${W} ${H}`, role: 'img', class: 'heatmap', width: W, height: H },
    svg('title', {}, 'PSI per feature and check'),
    cells,
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
            { class: p.drift ? 'point drifted' : 'point', cx: x(p.i).toFixed(1), cy: y(p.psi).toFixed(1), r: p.drift ? 4 : 2.5 },
            svg('title', {}, `window ending ${when(windowEnd(p.r))}: PSI ${fmt(p.psi)}${p.drift ? ' (drift)' : ''}`),
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

function alertTable(items) {
  if (items.length === 0) return el('p', { class: 'muted' }, 'None firing.');
  return table(
    ['Feature', 'Kind', 'Severity', 'Since', 'Summary'],
    items.map((a) =>
      el(
        'tr',
        {},
        el('td', { class: 'name' }, a.feature),
        el('td', {}, a.kind),
        el('td', {}, badge(a.severity)),
        el('td', {}, when(a.startsAt)),
        el('td', {}, a.summary, a.silencedUntil ? el('span', { class: 'muted' }, ` (silenced until ${when(a.silencedUntil)})`) : null),
      ),
    ),
  );
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
    void route();
  });
  void route();
});
