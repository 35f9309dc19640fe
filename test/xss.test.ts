// Script injection through data: feature names (from the training file's header) and category
// values (from events sent to HTTP ingest) carry <script>, <img onerror> and attribute-breaking
// payloads. A real `driftwatch serve` stores them and checks them; headless Chromium opens the
// dashboard's pages and the HTML check report. No payload runs, no dialog opens, and each payload
// is shown as the text it is.
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { renderHtml } from '../src/render/check/html.js';
import type { CheckReport } from '../src/contracts/report.js';
import { runCli, tempDir } from './helpers/cli.js';
import { ServeProcess, writeConfig } from './helpers/service.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const TOKEN = 'xss-read-admin-token-0123456789';

/** Each payload sets window.__pwned (or opens a dialog) if it ever runs. */
const PAYLOADS = {
  script: '<script>window.__pwned="script"</script>',
  img: '<img src=x onerror="window.__pwned=\'img\'">',
  attr: '"><svg onload="window.__pwned=\'attr\'">',
  alert: "<img src=x onerror=alert('xss')>",
  link: 'javascript:window.__pwned="link"',
};
const NAMES = [PAYLOADS.script, PAYLOADS.img, 'amount'];
const CATEGORIES = ['web', 'app', PAYLOADS.attr];

function csv(rows: number, shift: number, unseen: string[] = []): string {
  const field = (s: string) => `"${s.replaceAll('"', '""')}"`;
  const lines = Array.from({ length: rows }, (_, i) => {
    const category = unseen.length > 0 && i % 3 === 0 ? unseen[i % unseen.length]! : CATEGORIES[i % CATEGORIES.length]!;
    return [String((i % 50) + shift), field(category), String(i % 7)].join(',');
  });
  return `${NAMES.map(field).join(',')}\n${lines.join('\n')}\n`;
}

describe('xss: payloads in feature names and category values', {
  timeout: 180_000,
  skip: existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}`,
}, () => {
  const tmp = tempDir('driftwatch-xss-');
  let serve: ServeProcess;
  let browser: Browser;
  let checkId: string;
  const unseen = [PAYLOADS.img, PAYLOADS.alert, PAYLOADS.link, PAYLOADS.script];

  before(async () => {
    const train = join(tmp.dir, 'train.csv');
    writeFileSync(train, csv(600, 0));
    const baseline = join(tmp.dir, 'xss.json');
    const created = await runCli(['baseline', 'create', '--data', train, '--name', 'xss', '--out', baseline]);
    assert.equal(created.code, 0, created.stderr);
    const config = writeConfig(tmp.dir, {
      storage: { path: join(tmp.dir, 'store.duckdb') },
      models: [{ name: 'xss', baseline, minRows: 50 }],
    });
    serve = await ServeProcess.start(config, 1, { DRIFTWATCH_API_TOKENS: `admin:${TOKEN}` });
    // Events whose values are payloads: a shifted numeric feature (drift) and unseen categories.
    const events = Array.from({ length: 400 }, (_, i) => ({
      features: {
        [PAYLOADS.script]: (i % 50) + 30,
        [PAYLOADS.img]: i % 3 === 0 ? unseen[i % unseen.length] : CATEGORIES[i % 3],
        amount: i % 7,
        [PAYLOADS.attr]: 'extra field',
      },
    }));
    const ingest = await fetch(`${serve.apiUrl()}/api/v1/models/xss/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(events),
    });
    assert.equal(ingest.status, 200, await ingest.text());
    for (let i = 0; i < 2; i++) {
      const check = await fetch(`${serve.apiUrl()}/api/v1/models/xss/checks`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      const text = await check.text();
      assert.equal(check.status, 201, text);
      checkId = (JSON.parse(text) as { id: string }).id;
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
    await serve?.stop();
    tmp.cleanup();
  });

  /** A page that records dialogs, page errors and requests, and fails the test on any of them. */
  async function watched(): Promise<{ page: Page; problems: string[] }> {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('dialog', (d) => {
      problems.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('request', (r) => {
      const url = new URL(r.url());
      if (url.hostname !== '127.0.0.1' || url.pathname === '/x') problems.push(`request: ${r.url()}`);
    });
    return { page, problems };
  }

  async function assertNothingRan(page: Page, problems: string[]): Promise<void> {
    // An <img onerror> would fire as its image fails: give it the time to.
    await page.waitForTimeout(200);
    assert.equal(await page.evaluate(() => (globalThis as { __pwned?: unknown }).__pwned), undefined, 'no payload ran');
    assert.deepEqual(problems, []);
    // No element or attribute the payloads would have made.
    assert.equal(await page.$$eval('img[src="x"], svg[onload], [onerror], [onload]', (els) => els.length), 0);
  }

  it('the dashboard shows every payload as text on the models and model pages', async () => {
    const { page, problems } = await watched();
    await page.goto(`${serve.apiUrl()}/`);
    await page.fill('#token-form input[name=token]', TOKEN);
    await page.click('#token-form button');
    await page.waitForSelector('body[data-loaded=true] #models');
    await assertNothingRan(page, problems);
    await page.click('#models a[href="/models/xss"]');
    await page.waitForSelector('body[data-loaded=true] #latest');
    const names = await page.$$eval('#latest tbody tr td.name', (cells) => cells.map((c) => c.textContent));
    for (const name of NAMES) assert.ok(names.includes(name), `feature '${name}' shown as text: ${JSON.stringify(names)}`);
    const text = await page.innerText('body');
    assert.ok(text.includes(PAYLOADS.attr), 'the unexpected field named like markup, as text');
    assert.ok(
      unseen.some((u) => text.includes(u)),
      'unseen category values shown as text',
    );
    assert.equal(await page.$$eval('script', (s) => s.filter((x) => !x.src).length), 0, 'no inline script element');
    await assertNothingRan(page, problems);
    await page.close();
  });

  it('the HTML check report (API and CLI) escapes names and values', async () => {
    const { page, problems } = await watched();
    const response = await page.goto(`${serve.apiUrl()}/api/v1/checks/${checkId}?format=html`, { waitUntil: 'load' }).catch(() => null);
    // The API needs the token: load the report's HTML with it, then render it in the page.
    const html = await fetch(`${serve.apiUrl()}/api/v1/checks/${checkId}?format=html`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    }).then((r) => r.text());
    assert.ok(response === null || response.status() === 401);
    for (const p of Object.values(PAYLOADS)) assert.ok(!html.includes(p), `raw payload in the HTML: ${p}`);
    await page.setContent(html, { waitUntil: 'load' });
    const text = await page.innerText('body');
    for (const name of NAMES) assert.ok(text.includes(name), `'${name}' shown as text`);
    await assertNothingRan(page, problems);

    const report = (await fetch(`${serve.apiUrl()}/api/v1/checks/${checkId}`, { headers: { authorization: `Bearer ${TOKEN}` } }).then((r) =>
      r.json(),
    )) as CheckReport;
    await page.setContent(renderHtml(report), { waitUntil: 'load' });
    await assertNothingRan(page, problems);
    await page.close();
  });
});
