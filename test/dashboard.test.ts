// The dashboard in Debian's headless Chromium over the real harness app: token form, models page,
// model page with a feature named like a script tag (shown as text, never run), SVG charts, and
// no request leaving 127.0.0.1. Following drift over time: a time range, the baseline version,
// manual checks marked apart, axis labels that do not overlap, the heatmap's colour scale, and
// the actions (check now, silence, retry a dead delivery) with an admin token.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { pino } from 'pino';
import { createChannels } from '../src/alerts/channels/index.js';
import { Deliverer } from '../src/alerts/delivery.js';
import { mountDashboard } from '../src/api/dashboard/dashboard.js';
import { AlertsConfig } from '../src/config/schema.js';
import type { LiveReport } from '../src/contracts/report.js';
import { getReport, insertReport } from '../src/store/reports.js';
import { fixtureEvents, type Harness, startHarness, TEST_TOKENS } from './helpers/api-harness.js';
import { WebhookReceiver } from './helpers/receivers.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const EVIL = '<script>window.__pwned=1</script>';
const SCREENSHOT = process.env.DASHBOARD_SCREENSHOT ?? '/tmp/dashboard.png';
const HOUR = 3600_000;
const DAY = 24 * HOUR;
/** A categorical feature with many categories, as the flights data's airports (their labels ran together). */
const AIRPORTS =
  'ATL BWI CVG DEN DTW EWR IAH JFK LAS LAX MCO MDW MSP ORD PHL PHX SAN SEA SFO SLC TPA DCA BOS CLT MIA FLL PDX STL MCI HOU DAL AUS SJC OAK SMF SNA BNA RDU IND CLE'.split(
    ' ',
  );

/** Pairs of text elements, within each SVG matched by `selector`, whose bounding boxes intersect. */
function overlappingLabels(page: Page, selector: string): Promise<string[]> {
  return page.$$eval(selector, (svgs) =>
    svgs.flatMap((s) => {
      const boxes = [...s.querySelectorAll('text')]
        .map((t) => ({ text: t.textContent ?? '', r: t.getBoundingClientRect() }))
        .filter((b) => b.r.width > 0 && b.text !== '');
      const hits: string[] = [];
      boxes.forEach((a, i) => {
        for (const b of boxes.slice(i + 1)) {
          const x = Math.min(a.r.right, b.r.right) - Math.max(a.r.left, b.r.left);
          const y = Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top);
          if (x > 0.5 && y > 0.5) hits.push(`${a.text} / ${b.text}`);
        }
      });
      return hits;
    }),
  );
}

describe('dashboard', { timeout: 120_000, skip: existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}` }, () => {
  let h: Harness;
  let browser: Browser;
  /** Per check in the last 24 hours, the features its report says drifted (channel under its script-like name). */
  const drifted: string[][] = [];
  /** The checks run over the API in before() (manual), oldest first. */
  const manual: string[] = [];
  /** A receiver that refuses every delivery for good (410 Gone): its notification goes dead. */
  const gone = new WebhookReceiver(Array(20).fill(410));
  let deadDelivery = '';

  before(async () => {
    await gone.start();
    const alerts = {
      channels: [{ name: 'hook', type: 'webhook', url: gone.url, secret: 'hook-secret-0123456789abcdef' }],
      routes: [{ channels: ['hook'] }],
    };
    h = await startHarness({ alerts, deps: { extend: (app) => mountDashboard(app) } });
    // Two drifted checks, so the heatmap has two columns.
    for (const slice of [1000, 2000]) {
      const ingest = await h.request('/api/v1/models/fraud/events', {
        method: 'POST',
        token: 'ingest',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(fixtureEvents('synthetic_current.csv', slice)),
      });
      assert.equal(ingest.status, 200, await ingest.text());
      const check = await h.request('/api/v1/models/fraud/checks', { method: 'POST', token: 'admin' });
      assert.equal(check.status, 201);
      const report = (await check.json()) as { id: string; features: { name: string; drift: boolean }[] };
      drifted.push(report.features.filter((f) => f.drift).map((f) => (f.name === 'channel' ? EVIL : f.name)));
      manual.push(report.id);
    }
    const db = await h.store.connect();
    try {
      // The first check's notification to the hook: answered 410, it is dead after one attempt.
      const config = AlertsConfig.parse(alerts);
      const pass = await new Deliverer(db, createChannels(config), config, pino({ level: 'silent' })).deliverDue();
      assert.deepEqual(pass, { delivered: 0, retried: 0, dead: 1 });
      const [row] = await db.rows(`SELECT id FROM outbox WHERE channel = 'hook' AND status = 'dead'`);
      deadDelivery = String(row!.id);
      // Scheduled checks of earlier times (2 hours, 3 days and 20 days ago): copies of the first report.
      const first = (await getReport(db, manual[0]!))!;
      for (const [id, ago] of [
        ['sched-2h', 2 * HOUR],
        ['sched-3d', 3 * DAY],
        ['sched-20d', 20 * DAY],
      ] as const) {
        const end = Date.now() - ago;
        const copy: LiveReport = {
          ...first,
          id,
          trigger: 'schedule',
          window: { ...first.window, start: new Date(end - HOUR).toISOString(), end: new Date(end).toISOString() },
          timing: { ...first.timing, startedAt: new Date(end).toISOString(), finishedAt: new Date(end + 1000).toISOString() },
        };
        await insertReport(db, copy);
      }
      drifted.push(drifted[0]!);
      // The newest check's categorical feature gets 40 of the flights' airports (their labels ran together).
      const latest = (await getReport(db, manual[1]!))!;
      const share = 1 / (AIRPORTS.length + 1);
      const categorical = latest.features.find((f) => f.name === 'channel')!;
      categorical.bins = {
        labels: [...AIRPORTS, '(unseen)'],
        baseline: [...AIRPORTS.map(() => share), share],
        current: [...AIRPORTS.map((_, i) => (i % 2 ? share * 1.5 : share * 0.5)), share],
      };
      await db.run(`DELETE FROM reports WHERE id = ?`, [latest.id]);
      await insertReport(db, latest);
      // A feature named like a script: rename the categorical feature in the stored reports and alerts.
      await db.run(`UPDATE reports SET report = replace(report, '"channel', ?)`, [JSON.stringify(EVIL).slice(0, -1)]);
      await db.run(`UPDATE alert_state SET feature = ? WHERE feature = 'channel'`, [EVIL]);
      // A resolved alert for the history, and outbox entries: one pending, one dead with a script-like error.
      await db.run(`INSERT INTO alert_state VALUES ('fp-resolved', 'fraud', 'age', 'drift', 'warning', 'age drifted earlier', NULL,
        TIMESTAMP '2026-01-01 10:00:00', TIMESTAMP '2026-01-01 11:00:00', NULL)`);
      await db.run(`DELETE FROM outbox WHERE channel <> 'hook'`);
      await db.run(
        `INSERT INTO outbox (id, channel, model, kind, payload, status, attempts, next_attempt_at, last_error, created_at)
         VALUES ('ob-pending', 'slack', 'fraud', 'firing', '{}', 'pending', 1, now(), 'timeout', now()),
        ('ob-dead', 'email-ops', 'fraud', 'firing', '{}', 'dead', 5, now(), ?, now())`,
        [`550 rejected ${EVIL}`],
      );
    } finally {
      db.close();
    }
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
  });

  after(async () => {
    await browser?.close();
    await h?.close();
    await gone.stop();
  });

  it("serves the shell and assets with their content types, under helmet's CSP", async () => {
    const shell = await fetch(`${h.url}/`);
    assert.equal(shell.status, 200);
    assert.match(shell.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(shell.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    assert.match((await fetch(`${h.url}/dashboard/dashboard.js`)).headers.get('content-type') ?? '', /^text\/javascript/);
    assert.match((await fetch(`${h.url}/dashboard/dashboard.css`)).headers.get('content-type') ?? '', /^text\/css/);
    // The API stays protected; unknown paths still get the JSON 404.
    assert.equal((await fetch(`${h.url}/api/v1/models`)).status, 401);
    assert.equal((await fetch(`${h.url}/nope`)).status, 404);
  });

  it('asks for a token, lists the models and shows a model page without running data', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const requests: string[] = [];
    const problems: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });

    await page.goto(`${h.url}/`);
    await page.fill('#token-form input[name=token]', TEST_TOKENS.read);
    await page.click('#token-form button');
    await page.waitForSelector('body[data-loaded=true] #models');
    const models = await page.$$eval('#models tbody tr td.name', (cells) => cells.map((c) => c.textContent));
    assert.deepEqual(models, ['fraud', 'broken']);
    // Events/min over the last 5 minutes: the 3,000 events posted in before(), over 4 to 5 minutes.
    const rate = Number((await page.textContent('#models td[data-rate=fraud]'))?.replace(/,/g, ''));
    assert.ok(rate >= 600 && rate <= 750, `events/min ${rate}`);
    assert.equal(await page.textContent('#models td[data-rate=broken]'), '0');
    // Outbox: counts and the dead delivery, its error as text.
    assert.equal(await page.textContent('#outbox [data-count=pending]'), '1 pending');
    assert.equal(await page.textContent('#outbox [data-count=dead]'), '2 dead');
    const dead = await page.$$eval('#outbox tbody tr.dead[data-id=ob-dead] td', (cells) => cells.map((c) => c.textContent));
    assert.equal(dead[0], 'email-ops');
    assert.equal(dead[3], '5');
    assert.equal(dead[5], `550 rejected ${EVIL}`);
    await page.screenshot({ path: SCREENSHOT.replace(/(\.png)?$/, '-models.png'), fullPage: true });

    await page.click('#models a[href="/models/fraud"]');
    await page.waitForSelector('body[data-loaded=true] #latest');
    assert.match((await page.textContent('h1 #rate')) ?? '', /^ [\d,.]+ events\/min$/);
    const features = await page.$$eval('#latest tbody tr td.name', (cells) => cells.map((c) => c.textContent));
    assert.equal(features[0], EVIL, 'the drifted, script-named feature first, as text');
    assert.deepEqual([...features].sort(), [EVIL, 'age', 'amount', 'score'].sort());
    const marked = await page.$$eval('#latest tr.drift td.name', (cells) => cells.map((c) => c.textContent));
    assert.deepEqual([...marked].sort(), [...drifted.at(-1)!].sort(), "the rows marked are the latest report's drifted features");
    assert.ok(marked.includes(EVIL));
    assert.equal(await page.evaluate(() => (globalThis as { __pwned?: unknown }).__pwned), undefined);
    assert.equal(await page.$$eval('script', (s) => s.length), 1, "no script element besides the dashboard's");
    assert.equal(await page.$$eval('#histograms svg', (s) => s.length), 4);
    assert.equal(await page.$$eval('#heatmap svg rect.cell', (r) => r.length), 12, '4 features × 3 checks of the last 24 hours');
    assert.match((await page.textContent('#schema')) ?? '', /null/);
    assert.match((await page.textContent('#alerts')) ?? '', /<script>window\.__pwned=1<\/script>/);
    // PSI over time: one line chart per feature, a point per check, the drifted ones marked.
    const trends = await page.$$eval('#trends figure', (figs) => figs.map((f) => f.getAttribute('data-feature')));
    assert.deepEqual([...trends].sort(), [EVIL, 'age', 'amount', 'score'].sort());
    assert.equal(await page.$$eval('#trends svg polyline', (p) => p.length), 4);
    assert.equal(await page.$$eval('#trends svg circle', (c) => c.length), 12, '4 features × 3 checks');
    assert.ok(
      drifted.every((names) => names.includes(EVIL)),
      'the script-named feature drifted in both checks',
    );
    assert.equal(
      await page.$$eval('#trends svg circle.drifted', (c) => c.length),
      drifted.flat().length,
      'a marked point per drifted feature and check',
    );
    const driftCaptions = await page.$$eval('#trends figure.drift figcaption', (c) => c.map((x) => x.textContent ?? ''));
    assert.ok(
      driftCaptions.some((t) => t.startsWith(EVIL)),
      JSON.stringify(driftCaptions),
    );
    // Alert history: firing and resolved, with since and until.
    const history = await page.$$eval('#alert-history tbody tr', (rows) =>
      rows.map((r) => [r.className, r.children[1]!.textContent, r.children[5]!.textContent]),
    );
    assert.ok(
      history.some(([cls, feature, until]) => cls === 'firing' && feature === EVIL && until === 'now'),
      JSON.stringify(history),
    );
    assert.ok(
      history.some(([cls, feature, until]) => cls === 'resolved' && feature === 'age' && until !== 'now'),
      JSON.stringify(history),
    );
    // The baseline in use, from the report: its version, rows and name.
    assert.match((await page.textContent('#baseline')) ?? '', /baseline v1\b.*\b\d[\d,]* rows/i);
    // The checks of the last 24 hours (the default range), manual ones marked apart from scheduled ones.
    const listed = await page.$$eval('#checks tbody tr', (rows) =>
      rows.map((r) => [r.getAttribute('data-check'), r.className, r.querySelector('td.trigger')?.textContent]),
    );
    assert.deepEqual(
      listed,
      [
        [manual[1], 'manual', 'manual (api)'],
        [manual[0], 'manual', 'manual (api)'],
        ['sched-2h', 'scheduled', 'scheduled'],
      ],
      'newest first',
    );
    assert.equal(await page.$$eval('#heatmap svg text.tick.manual', (t) => t.length), 2, "the manual checks' columns marked");
    // Categorical axes stay readable: 41 categories, no two labels of a chart (or of the heatmap) overlap.
    const airports = (await page.$$eval('#histograms figure', (figs) =>
      figs.map((f) => [f.querySelector('figcaption')?.textContent ?? '', f.querySelectorAll('svg text').length]),
    )) as [string, number][];
    const crowded = airports.find(([caption]) => caption.startsWith(EVIL));
    assert.ok(crowded && crowded[1] >= 8, `labels shown on the 41-category chart: ${JSON.stringify(airports)}`);
    assert.deepEqual(await overlappingLabels(page, '#histograms svg'), [], 'histogram labels that overlap');
    assert.deepEqual(await overlappingLabels(page, '#heatmap svg'), [], 'heatmap labels that overlap');
    // The heatmap has a colour scale: swatches from PSI 0 to 0.5 and more, the same colours as the cells.
    const scale = await page.$$eval('#heatmap svg .scale rect.swatch', (r) => r.map((x) => x.getAttribute('fill')));
    assert.ok(scale.length >= 5, `swatches: ${JSON.stringify(scale)}`);
    const scaleText = await page.$$eval('#heatmap svg .scale text', (t) => t.map((x) => x.textContent));
    assert.ok(scaleText.includes('0') && scaleText.includes('≥0.5'), JSON.stringify(scaleText));
    const cellFills = await page.$$eval('#heatmap svg rect.cell', (r) => r.map((x) => x.getAttribute('fill')));
    assert.ok(cellFills.includes(scale[0]!) || cellFills.includes(scale.at(-1)!), 'the scale shows the colours the cells use');
    // The token survives a reload (sessionStorage), so no form the second time.
    await page.reload();
    await page.waitForSelector('body[data-loaded=true] #latest');

    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    const foreign = requests.filter((u) => new URL(u).hostname !== '127.0.0.1');
    assert.deepEqual(foreign, []);
    assert.deepEqual(problems, []);
    await page.close();
  });

  /** Signs in with the token and opens the model page; returns the API requests for its checks. */
  async function openModel(token: string): Promise<{ page: Page; listRequests: URL[]; problems: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const listRequests: URL[] = [];
    const problems: string[] = [];
    page.on('request', (r) => {
      const url = new URL(r.url());
      if (r.method() === 'GET' && url.pathname === '/api/v1/models/fraud/checks') listRequests.push(url);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    await page.goto(`${h.url}/models/fraud`);
    await page.fill('#token-form input[name=token]', token);
    await page.click('#token-form button');
    await page.waitForSelector('body[data-loaded=true] #checks');
    return { page, listRequests, problems };
  }
  const shownChecks = (page: Page) => page.$$eval('#checks tbody tr', (rows) => rows.map((r) => r.getAttribute('data-check')));
  /** Asserts that a requested time is within 10 minutes of the expected epoch ms. */
  const near = (iso: string | null, expected: number, what: string) =>
    assert.ok(iso && Math.abs(Date.parse(iso) - expected) < 10 * 60_000, `${what}: ${iso} vs ${new Date(expected).toISOString()}`);

  it('shows the checks of a time range: last 24 hours, 7 days, 30 days, or from-to', async () => {
    const { page, listRequests, problems } = await openModel(TEST_TOKENS.read);
    const last = () => listRequests.at(-1)!;
    near(last().searchParams.get('from'), Date.now() - DAY, 'default from');
    near(last().searchParams.get('to'), Date.now(), 'default to');
    assert.deepEqual(await shownChecks(page), [manual[1], manual[0], 'sched-2h']);

    for (const [range, from, shown] of [
      ['7d', 7 * DAY, [manual[1], manual[0], 'sched-2h', 'sched-3d']],
      ['30d', 30 * DAY, [manual[1], manual[0], 'sched-2h', 'sched-3d', 'sched-20d']],
    ] as const) {
      const before = listRequests.length;
      await page.selectOption('#range-select', range);
      await page.waitForSelector('body[data-loaded=true] #checks');
      assert.ok(listRequests.length > before, `a new request for ${range}`);
      near(last().searchParams.get('from'), Date.now() - from, `${range} from`);
      near(last().searchParams.get('to'), Date.now(), `${range} to`);
      assert.deepEqual(await shownChecks(page), shown, range);
      assert.match(page.url(), new RegExp(`range=${range}`), 'the range is in the address, for a link or a reload');
    }

    // A custom range, from 25 days ago to 2 days ago: only the two old scheduled checks.
    // datetime-local takes the browser's local time (no named inner functions: tsx would wrap them).
    const local = (ms: number) =>
      page.evaluate((t) => {
        const d = new Date(t);
        return [d.getFullYear(), d.getMonth() + 1, d.getDate(), d.getHours(), d.getMinutes()]
          .map((n, i) => String(n).padStart(i === 0 ? 4 : 2, '0'))
          .join('-')
          .replace(/^(\d+-\d+-\d+)-(\d+)-(\d+)$/, '$1T$2:$3');
      }, ms);
    const minute = (ms: number) => Math.floor(ms / 60_000) * 60_000;
    const [from, to] = [minute(Date.now() - 25 * DAY), minute(Date.now() - 2 * DAY)];
    await page.selectOption('#range-select', 'custom');
    await page.fill('#range-from', await local(from));
    await page.fill('#range-to', await local(to));
    const before = listRequests.length;
    await page.click('#range-apply');
    await page.waitForSelector('body[data-loaded=true] #checks');
    assert.ok(listRequests.length > before);
    assert.equal(last().searchParams.get('from'), new Date(from).toISOString());
    assert.equal(last().searchParams.get('to'), new Date(to).toISOString());
    assert.deepEqual(await shownChecks(page), ['sched-3d', 'sched-20d']);
    assert.match((await page.textContent('#checks')) ?? '', /scheduled/);
    assert.deepEqual(problems, []);
    await page.close();
  });

  it('acts from the dashboard with an admin token: check now, silence an alert, retry a dead delivery', async () => {
    const { page, problems } = await openModel(TEST_TOKENS.read);
    // With the read token, an action says what it needs and changes nothing.
    const before = (await shownChecks(page)).length;
    await page.click('#check-now');
    await page.waitForSelector('#action-message.error');
    assert.match((await page.textContent('#action-message')) ?? '', /this action needs an admin token/i);
    assert.equal((await shownChecks(page)).length, before);

    // An admin token for actions, kept in this tab only, then the check runs: a manual check, shown marked.
    await page.fill('#admin-form input[name=admin-token]', TEST_TOKENS.admin);
    await page.click('#admin-form button');
    await page.locator('#checks tbody tr').nth(before).waitFor();
    const newest = await page.$eval('#checks tbody tr', (r) => [
      r.getAttribute('data-check'),
      r.className,
      r.querySelector('td.trigger')?.textContent,
    ]);
    assert.ok(newest[0] && !manual.includes(newest[0]) && !newest[0].startsWith('sched-'), `a new check: ${newest[0]}`);
    assert.deepEqual(newest.slice(1), ['manual', 'manual (api)']);
    const stored = (await (await h.request(`/api/v1/checks/${encodeURIComponent(newest[0]!)}`)).json()) as LiveReport;
    assert.equal(stored.trigger, 'api');
    assert.equal(
      await page.evaluate(() => (globalThis as unknown as { localStorage: { length: number } }).localStorage.length),
      0,
      'no token in localStorage',
    );

    // Silence the first firing alert for 4 hours: the API then shows it silenced.
    const row = page.locator('#alerts tbody tr').first();
    const fingerprint = await row.getAttribute('data-fingerprint');
    assert.ok(fingerprint);
    await row.locator('select.silence-duration').selectOption('4h');
    await row.locator('button.silence').click();
    await page.waitForSelector(`#alerts tbody tr[data-fingerprint="${fingerprint}"] .silenced`);
    const firing = (await (await h.request('/api/v1/alerts?status=firing&model=fraud')).json()) as {
      items: { fingerprint: string; silencedUntil: string | null }[];
    };
    near(firing.items.find((a) => a.fingerprint === fingerprint)?.silencedUntil ?? null, Date.now() + 4 * HOUR, 'silenced until');

    // Retry the dead delivery to the hook from the models page: pending again.
    await page.click('a.brand');
    await page.waitForSelector('body[data-loaded=true] #outbox');
    await page.click(`#outbox tr.dead[data-id="${deadDelivery}"] button.retry`);
    await page.waitForSelector(`#outbox tr[data-id="${deadDelivery}"].retried`);
    await page.waitForSelector('#action-message.ok');
    const pending = (await (await h.request('/api/v1/outbox?status=pending')).json()) as { items: { id: string; attempts: number }[] };
    assert.deepEqual(
      pending.items.filter((d) => d.id === deadDelivery).map((d) => d.attempts),
      [0],
      'pending again, attempts reset',
    );
    assert.equal(await page.textContent('#outbox [data-count=dead]'), '1 dead');
    assert.match((await page.textContent('#action-message')) ?? '', /queued again/);
    assert.deepEqual(problems, []);
    await page.close();
  });
});
