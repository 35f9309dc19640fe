// The dashboard in Debian's headless Chromium over the real harness app: token form, models page,
// model page with a feature named like a script tag (shown as text, never run), SVG charts, and
// no request leaving 127.0.0.1.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { mountDashboard } from '../src/api/dashboard/dashboard.js';
import { fixtureEvents, type Harness, startHarness, TEST_TOKENS } from './helpers/api-harness.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const EVIL = '<script>window.__pwned=1</script>';
const SCREENSHOT = process.env.DASHBOARD_SCREENSHOT ?? '/tmp/dashboard.png';

describe('dashboard', { timeout: 120_000, skip: existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}` }, () => {
  let h: Harness;
  let browser: Browser;
  /** Per check, the features its report says drifted (channel under its script-like name). */
  const drifted: string[][] = [];

  before(async () => {
    h = await startHarness({ deps: { extend: (app) => mountDashboard(app) } });
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
      const report = (await check.json()) as { features: { name: string; drift: boolean }[] };
      drifted.push(report.features.filter((f) => f.drift).map((f) => (f.name === 'channel' ? EVIL : f.name)));
    }
    // A feature named like a script: rename the categorical feature in the stored reports and alerts.
    const db = await h.store.connect();
    try {
      await db.run(`UPDATE reports SET report = replace(report, '"channel', ?)`, [JSON.stringify(EVIL).slice(0, -1)]);
      await db.run(`UPDATE alert_state SET feature = ? WHERE feature = 'channel'`, [EVIL]);
      // A resolved alert for the history, and outbox entries: one pending, one dead with a script-like error.
      await db.run(`INSERT INTO alert_state VALUES ('fp-resolved', 'fraud', 'age', 'drift', 'warning', 'age drifted earlier', NULL,
        TIMESTAMP '2026-01-01 10:00:00', TIMESTAMP '2026-01-01 11:00:00', NULL)`);
      await db.run(`DELETE FROM outbox`);
      await db.run(
        `INSERT INTO outbox VALUES ('ob-pending', 'slack', 'fraud', 'firing', '{}', 'pending', 1, now(), 'timeout', now(), NULL),
        ('ob-dead', 'email-ops', 'fraud', 'firing', '{}', 'dead', 5, now(), ?, now(), NULL)`,
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
    assert.equal(await page.textContent('#outbox [data-count=dead]'), '1 dead');
    const dead = await page.$$eval('#outbox tbody tr.dead td', (cells) => cells.map((c) => c.textContent));
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
    assert.equal(await page.$$eval('#heatmap svg rect', (r) => r.length), 8, '4 features × 2 checks');
    assert.match((await page.textContent('#schema')) ?? '', /null/);
    assert.match((await page.textContent('#alerts')) ?? '', /<script>window\.__pwned=1<\/script>/);
    // PSI over time: one line chart per feature, a point per check, the drifted ones marked.
    const trends = await page.$$eval('#trends figure', (figs) => figs.map((f) => f.getAttribute('data-feature')));
    assert.deepEqual([...trends].sort(), [EVIL, 'age', 'amount', 'score'].sort());
    assert.equal(await page.$$eval('#trends svg polyline', (p) => p.length), 4);
    assert.equal(await page.$$eval('#trends svg circle', (c) => c.length), 8, '4 features × 2 checks');
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
    // The token survives a reload (sessionStorage), so no form the second time.
    await page.reload();
    await page.waitForSelector('body[data-loaded=true] #latest');

    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    const foreign = requests.filter((u) => new URL(u).hostname !== '127.0.0.1');
    assert.deepEqual(foreign, []);
    assert.deepEqual(problems, []);
    await page.close();
  });
});
