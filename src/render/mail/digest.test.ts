import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Digest, FeatureTrend } from '../../contracts/digest.js';
import { HTML_BUDGET_BYTES, digestSubject, renderDigestEmail } from './digest.js';

const EVIL = '<script>x</script>';
const DASHBOARD = 'https://dash.example/models/fraud?range=7d&tab="drift"';
const day = (d: number, h = 0) => new Date(Date.UTC(2026, 0, d, h)).toISOString();

function trend(name: string, psis: (number | null)[], drifts: boolean[] = [], kind: FeatureTrend['kind'] = 'numeric'): FeatureTrend {
  const points = psis.map((psi, i) => ({ at: day(5 + Math.floor(i / 4), (i % 4) * 6), psi, drift: drifts[i] ?? false }));
  return {
    name,
    kind,
    drifted: points.filter((p) => p.drift).length,
    points,
    latest:
      kind === 'numeric'
        ? { psi: psis.at(-1) ?? 0, ks: { statistic: 0.2, pvalue: 3e-9 }, wasserstein_norm: 0.4 }
        : { psi: psis.at(-1) ?? 0, chi2: { statistic: 40, pvalue: 0.01 }, linf: 0.1 },
  };
}

function sample(overrides: Partial<Digest> = {}): Digest {
  return {
    model: 'fraud',
    period: { start: day(5), end: day(12) },
    volume: { events: 123456, quarantined: 17 },
    checks: { total: 5, drift: 2, ok: 2, insufficientData: 1 },
    features: [
      trend(EVIL, [0.05, 0.3, null, 0.4, 0.35], [false, true, false, true, false]),
      trend('country', [0.01, 0.02, null, 0.03, 0.02], [], 'categorical'),
      trend('age', [0.02, 0.01, null, 0.04, Number.NaN]),
    ],
    topDrifted: [EVIL],
    schema: {
      missing: [EVIL],
      unexpected: ['debug'],
      anomalies: [{ feature: EVIL, kind: 'null_share', message: `null share of ${EVIL} is 14%`, share: 0.14 }],
    },
    schemaCheckedAt: day(11, 18),
    alerts: {
      fired: [
        { feature: EVIL, kind: 'drift', severity: 'critical', at: day(6) },
        { feature: '*', kind: 'insufficient-data', severity: 'warning', at: day(7) },
      ],
      resolved: [{ feature: EVIL, kind: 'drift', at: day(9) }],
    },
    dashboardUrl: DASHBOARD,
    generatedAt: day(12, 1),
    ...overrides,
  };
}

/** The chart tables of the HTML: each ends where its caption starts (its bars are tables too). */
const chartsOf = (html: string) =>
  html
    .split('aria-hidden="true"')
    .slice(1)
    .map((c) => c.slice(0, c.indexOf('</tr></table><p ')));

/** Every http(s) URL in the HTML, attribute escaping undone. */
const urls = (html: string) =>
  [...html.matchAll(/https?:\/\/[^\s"'<>]*/g)].map((m) => m[0].replaceAll('&quot;', '"').replaceAll('&amp;', '&'));

describe('renderDigestEmail', () => {
  it('puts the model, the drifted checks and the period in the subject', () => {
    assert.equal(digestSubject(sample()), '[driftwatch] REPORT fraud: 2 of 5 checks drifted, 2026-01-05 – 2026-01-11');
    // A period that does not end at midnight names the day it ends.
    assert.equal(
      digestSubject(sample({ period: { start: day(5, 6), end: day(6, 6) } })),
      '[driftwatch] REPORT fraud: 2 of 5 checks drifted, 2026-01-05 – 2026-01-06',
    );
    assert.equal(digestSubject(sample({ model: 'a\r\nBcc: x@y' })).includes('\n'), false, 'one header line');
  });

  it('shows every feature in both parts, and the summary figures', () => {
    const { html, text } = renderDigestEmail(sample());
    for (const part of [html, text]) {
      assert.match(part, /123,456/);
      assert.match(part, /17/);
    }
    for (const name of ['country', 'age']) {
      assert.ok(html.includes(`<bdi>${name}</bdi>`), `${name} in the HTML`);
      assert.ok(text.includes(name), `${name} in the text`);
    }
    assert.ok(text.includes(EVIL), 'the text part is plain text: no escaping');
    assert.match(
      text,
      /SUMMARY[\s\S]*TOP DRIFTED FEATURES[\s\S]*ALERTS[\s\S]*SCHEMA FINDINGS[\s\S]*\nFEATURES/,
      'the order of the HTML part',
    );
    assert.match(text, /\(whole model\)\s+insufficient-data/);
    assert.ok(text.includes(`Dashboard: ${DASHBOARD}`));
  });

  it('escapes every text from the data', () => {
    const { html } = renderDigestEmail(sample({ model: 'fraud<b>"&' }));
    assert.equal(html.includes(EVIL), false);
    assert.equal(/<script/i.test(html), false);
    assert.ok(html.includes('&lt;script&gt;x&lt;/script&gt;'));
    assert.ok(html.includes('fraud&lt;b&gt;&quot;&amp;'));
    // In the features, the top drifted list, the schema findings and both alert lists.
    assert.ok(html.split('&lt;script&gt;x&lt;/script&gt;').length - 1 >= 7);
  });

  it('loads nothing: no http(s) URL but the dashboard link, no images, scripts or style sheets', () => {
    const { html } = renderDigestEmail(sample());
    assert.deepEqual([...new Set(urls(html))], [DASHBOARD]);
    assert.ok(html.includes(`href="${DASHBOARD.replaceAll('&', '&amp;').replaceAll('"', '&quot;')}"`));
    for (const forbidden of [/<img/i, /<script/i, /<link/i, /<style/i, /<iframe/i, /<object/i, /\ssrc=/i, /url\(/i, /@import/i]) {
      assert.equal(forbidden.test(html), false, String(forbidden));
    }
    assert.deepEqual(urls(renderDigestEmail(sample({ dashboardUrl: null })).html), []);
  });

  it('shows a dashboard URL that is not http(s) as text, not as a link', () => {
    const { html } = renderDigestEmail(sample({ dashboardUrl: 'javascript:alert(1)' }));
    assert.equal(html.includes('href='), false);
    assert.ok(html.includes('Dashboard: javascript:alert(1)'));
  });

  it('draws a bar per check, red when it drifted, a gap where nothing was compared', () => {
    const { html } = renderDigestEmail(sample());
    const charts = chartsOf(html);
    assert.equal(charts.length, 3, 'one chart per feature');
    const evil = charts[0]!;
    assert.equal(evil.match(/<td width="[\d.%]+"( height="48")? valign="bottom">/g)?.length, 5, 'a column per check');
    assert.equal(evil.match(/bgcolor="#b42318"/g)?.length, 2, 'two drifted checks');
    assert.equal(evil.match(/bgcolor="#0072b2"/g)?.length, 2, 'two checks without drift, one not compared');
    // NaN is not drawn.
    assert.equal(charts[2]!.match(/<td height="\d+" bgcolor=/g)?.length, 3);
  });

  it('groups many checks into at most 28 columns', () => {
    const many = Array.from({ length: 168 }, (_, i) => (i % 50) / 100);
    const d = sample({
      features: [
        trend(
          'busy',
          many,
          many.map((p) => p > 0.45),
        ),
      ],
      topDrifted: ['busy'],
    });
    const { html, text } = renderDigestEmail(d);
    assert.equal(chartsOf(html)[0]?.match(/valign="bottom"/g)?.length, 28);
    assert.match(html, /a bar: highest of 6 checks/);
    assert.match(text, /a character = highest of 6 checks/);
  });

  it('keeps a large digest under the clipping size, listing the features past the budget without a chart', () => {
    const features = Array.from({ length: 60 }, (_, i) =>
      trend(
        `feature_${String(i).padStart(2, '0')}`,
        Array.from({ length: 168 }, (_, j) => ((i + j) % 7) / 50),
      ),
    );
    const { html, text } = renderDigestEmail(sample({ features, topDrifted: [] }));
    assert.ok(Buffer.byteLength(html) <= HTML_BUDGET_BYTES, `${Buffer.byteLength(html)} bytes`);
    for (const f of features) {
      assert.ok(html.includes(`<bdi>${f.name}</bdi>`), `${f.name} in the HTML`);
      assert.ok(text.includes(f.name), `${f.name} in the text`);
    }
    assert.match(html, /listed without a chart/);
  });

  it('says plainly when no check ran, with no chart', () => {
    const d = sample({
      volume: { events: 0, quarantined: 0 },
      checks: { total: 0, drift: 0, ok: 0, insufficientData: 0 },
      features: [],
      topDrifted: [],
      schema: { missing: [], unexpected: [], anomalies: [] },
      schemaCheckedAt: null,
      alerts: { fired: [], resolved: [] },
    });
    const { subject, html, text } = renderDigestEmail(d);
    assert.equal(subject, '[driftwatch] REPORT fraud: 0 of 0 checks drifted, 2026-01-05 – 2026-01-11');
    for (const part of [html, text]) {
      assert.match(part, /No checks ran in this period/);
      assert.match(part, /No alert fired or resolved in this period/);
    }
    assert.equal(html.includes('aria-hidden'), false);
    assert.equal(/Features/.test(html), false);
  });

  it('says so when every check had too few rows', () => {
    const d = sample({
      checks: { total: 3, drift: 0, ok: 0, insufficientData: 3 },
      features: [],
      topDrifted: [],
      schemaCheckedAt: null,
      schema: { missing: [], unexpected: [], anomalies: [] },
    });
    const { html, text } = renderDigestEmail(d);
    for (const part of [html, text]) assert.match(part, /all 3 had insufficient data/);
    assert.equal(html.includes('aria-hidden'), false);
  });
});
