// deploy/: the Grafana dashboard and the Prometheus alerting rules, checked against the metrics the
// service really exports (the registry src/api/metrics.ts builds, over a real store with a check and
// events in it): every metric a panel, variable or rule selects exists, with the labels it matches
// and groups by. The dashboard's structure is what Grafana needs to import it; the rules go through
// `promtool check rules` and `promtool test rules` (Debian's prometheus package; skipped without it).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { METRIC_NAMES, Metrics } from '../src/api/metrics.js';
import type { LiveReport } from '../src/contracts/report.js';
import { ROOT, tempDir } from './helpers/cli.js';
import { fixtureEvents, type Harness, startHarness } from './helpers/api-harness.js';
import { dashboardProblems, dashboardQueries, queryProblems, substituteVariables } from './helpers/grafana.js';
import { anchors } from './helpers/markdown.js';
import { type MetricCatalogue, metricCatalogue } from './helpers/metric-catalogue.js';
import { promqlReads } from './helpers/promql.js';

const DASHBOARD = join(ROOT, 'deploy', 'grafana', 'driftwatch.json');
const RULES = join(ROOT, 'deploy', 'prometheus', 'driftwatch-rules.yml');
const RULE_TESTS = join(ROOT, 'deploy', 'prometheus', 'driftwatch-rules.test.yml');
const OPERATIONS = join(ROOT, 'docs', 'operations.md');

const PROMTOOL = process.env.PROMTOOL_PATH ?? 'promtool';
const promtoolFound = spawnSync(PROMTOOL, ['--version'], { encoding: 'utf8' }).status === 0;
const SKIP_PROMTOOL = promtoolFound ? false : `no ${PROMTOOL} on PATH (Debian's prometheus package ships it; .ci/run installs it)`;
if (SKIP_PROMTOOL) console.log(`# skipped: ${SKIP_PROMTOOL}`);

function promtool(...args: string[]): { status: number | null; output: string } {
  const r = spawnSync(PROMTOOL, args, { encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const rules = (): Rule[] => (parse(readFileSync(RULES, 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);
const dashboard = (): Record<string, unknown> => JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Record<string, unknown>;

let h: Harness;
let catalogue: MetricCatalogue;
const tmp = tempDir('driftwatch-deploy-');

before(async () => {
  // A store with events (good and quarantined), a stored check with features, and every in-process
  // metric observed once: each metric then has samples, whose labels the catalogue cross-checks.
  h = await startHarness();
  const events = [...fixtureEvents('synthetic_current.csv', 300), { features: { amount: 'lots', age: 30, score: 0.1, channel: 'web' } }];
  const post = await h.request('/api/v1/models/fraud/events', {
    token: 'ingest',
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(events),
  });
  assert.equal(post.status, 200);
  const run = await h.request('/api/v1/models/fraud/checks', { token: 'admin', method: 'POST' });
  assert.equal(run.status, 201);
  const report = (await run.json()) as LiveReport;
  const now = Date.now();
  const metrics = new Metrics({
    store: h.store,
    models: () => ['fraud'],
    lag: () => h.lag,
    missingTopics: () => new Map([['fraud', ['fraud-late']]]),
    checks: () =>
      new Map([
        [
          'fraud',
          { failedTotal: 1, last: { at: now, ok: false }, failing: { model: 'fraud', count: 1, since: now, last: now, error: 'x' } },
        ],
      ]),
  });
  metrics.recordCheck(report);
  metrics.recordSkippedCheck('fraud', 'waiting_for_topic');
  metrics.recordClockStep(-5000);
  metrics.recordLateRun('check:fraud');
  catalogue = await metricCatalogue(metrics);
});
after(async () => {
  await h?.close();
  tmp.cleanup();
});

describe('the metric catalogue', () => {
  it('is read from the registry: every contract metric, a histogram as its series, prom-client defaults', () => {
    for (const name of Object.values(METRIC_NAMES)) {
      const type = catalogue.types.get(name);
      assert.ok(type, `${name} is registered`);
      assert.ok(catalogue.series.has(type === 'histogram' ? `${name}_bucket` : name), name);
    }
    assert.deepEqual([...catalogue.series.get('driftwatch_check_duration_seconds_bucket')!].sort(), ['le', 'model']);
    assert.deepEqual([...catalogue.series.get('driftwatch_consumer_lag')!].sort(), ['model', 'partition', 'topic']);
    assert.deepEqual([...catalogue.series.get('driftwatch_outbox_dead')!], []);
    assert.ok(catalogue.series.has('process_start_time_seconds'), 'prom-client default metrics');
    assert.equal(catalogue.series.has('driftwatch_check_duration_seconds'), false, 'a histogram has no series of its bare name');
  });
});

describe('promqlReads', () => {
  it('finds selectors, matcher labels and grouping labels, skipping strings, ranges, numbers and variables', () => {
    const r = promqlReads(
      'histogram_quantile(0.95, sum by (model, le) (rate(a_bucket{model=~"$model", x!="a{b}"}[$__rate_interval]))) > 1e3 and on (job) b offset 5m',
    );
    assert.deepEqual(r.selectors, [
      { metric: 'a_bucket', labels: ['model', 'x'] },
      { metric: 'b', labels: [] },
    ]);
    assert.deepEqual(r.grouping, ['model', 'le', 'job']);
    assert.deepEqual(r.problems, []);
    assert.deepEqual(promqlReads('time() - max without (instance) (c)').selectors, [{ metric: 'c', labels: [] }]);
    assert.match(promqlReads('{__name__=~"driftwatch_.*"}').problems[0]!, /without a metric name/);
  });
});

describe('the Grafana dashboard', () => {
  it('has the structure Grafana imports, and queries only exported metrics and their labels', () => {
    assert.deepEqual(dashboardProblems(dashboard(), catalogue), []);
  });

  it('shows drift, ingest, lag, checks, quarantine and the outbox', () => {
    const used = new Set(dashboardQueries(dashboard()).flatMap((q) => promqlReads(q.expr).selectors.map((s) => s.metric)));
    for (const name of [
      METRIC_NAMES.featureDriftScore,
      METRIC_NAMES.featureDrifted,
      METRIC_NAMES.eventsConsumed,
      METRIC_NAMES.consumerLag,
      `${METRIC_NAMES.checkDuration}_bucket`,
      METRIC_NAMES.checkFailures,
      METRIC_NAMES.eventsQuarantined,
      METRIC_NAMES.outboxPending,
      METRIC_NAMES.outboxDead,
      METRIC_NAMES.outboxDelivered,
    ])
      assert.ok(used.has(name), `a panel queries ${name}`);
  });

  it('fails on a metric the service does not export, naming the panel and the nearest name', () => {
    const d = dashboard();
    const target = (d.panels as { targets?: { expr: string }[] }[]).find((p) =>
      p.targets?.some((t) => t.expr.includes(METRIC_NAMES.eventsConsumed)),
    )!.targets![0]!;
    target.expr = target.expr.replace(METRIC_NAMES.eventsConsumed, 'driftwatch_events_consumd_total');
    const problems = dashboardProblems(d, catalogue);
    assert.equal(problems.length, 1, problems.join('\n'));
    assert.match(
      problems[0]!,
      /^panel 'Events per second' \(id \d+\) query A: metric 'driftwatch_events_consumd_total' is not exported by the service \(did you mean 'driftwatch_events_consumed_total'\?\)/,
    );
    assert.deepEqual(
      queryProblems('q', 'rate(driftwatch_check_duration_seconds[5m])', catalogue).map((p) => p.split(';')[0]),
      ["q: metric 'driftwatch_check_duration_seconds' is not exported by the service"],
      "a histogram's bare name is not a series",
    );
  });

  it('fails on a label the metric does not have, in a selector, a grouping or a variable', () => {
    assert.deepEqual(
      queryProblems('q', 'driftwatch_outbox_dead{model="fraud"}', catalogue).map((p) => p.split(';')[0]),
      ["q: metric 'driftwatch_outbox_dead' has no label 'model'"],
    );
    assert.match(queryProblems('q', 'sum by (feature) (driftwatch_consumer_lag)', catalogue)[0]!, /groups by 'feature'/);
    assert.deepEqual(queryProblems('q', 'driftwatch_consumer_lag{job="driftwatch", instance=~".+", partition="0"}', catalogue), []);
    const d = dashboard();
    const model = (d.templating as { list: { name: string; query: { query: string } }[] }).list.find((v) => v.name === 'model')!;
    model.query.query = 'label_values(driftwatch_outbox_pending, model)';
    assert.deepEqual(dashboardProblems(d, catalogue), [
      "variable 'model': groups by 'model', a label none of its metrics has (job, instance)",
    ]);
  });

  it('fails on broken structure: repeated ids, overlapping panels, another data source, no targets, an unknown variable', () => {
    const d = dashboard();
    const panels = d.panels as Record<string, unknown>[];
    const [a, b] = panels.filter((p) => p.type === 'timeseries') as {
      id: number;
      gridPos: object;
      datasource: unknown;
      targets: { expr: string }[];
    }[];
    b!.id = a!.id;
    b!.gridPos = { ...a!.gridPos };
    a!.datasource = { type: 'prometheus', uid: 'my-prometheus' };
    a!.targets[0]!.expr = a!.targets[0]!.expr.replace('$model', '$modle');
    const stat = panels.find((p) => p.type === 'stat')!;
    stat.targets = [];
    const problems = dashboardProblems(d, catalogue).join('\n');
    assert.match(problems, /id \d+ is used twice/);
    assert.match(problems, /gridPos overlaps panel/);
    assert.match(problems, /datasource must be \{"type":"prometheus","uid":"\$\{datasource\}"\}/);
    assert.match(problems, /no targets/);
    assert.match(problems, /uses \$modle, which is not a variable/);
    assert.deepEqual(dashboardProblems({ ...dashboard(), schemaVersion: 16 }, catalogue), [
      "schemaVersion is 16; a current Grafana's is 39 or more",
    ]);
  });

  it("has queries promtool parses (with Grafana's variables filled in)", { skip: SKIP_PROMTOOL }, () => {
    const d = dashboard();
    const variables = (d.templating as { list: { type: string; query: { query: string } }[] }).list.filter((v) => v.type === 'query');
    const exprs = [
      ...dashboardQueries(d).map((q) => q.expr),
      ...variables.map((v) => /^label_values\((.+),\s*\w+\)$/.exec(v.query.query)![1]!),
    ];
    const file = join(tmp.dir, 'dashboard-queries.yml');
    const rulesOf = (list: string[]) => ({
      groups: [{ name: 'dashboard', rules: list.map((expr, i) => ({ record: `dashboard:query_${i}`, expr: substituteVariables(expr) })) }],
    });
    writeFileSync(file, JSON.stringify(rulesOf(exprs)));
    const ok = promtool('check', 'rules', file);
    assert.equal(ok.status, 0, ok.output);
    assert.match(ok.output, new RegExp(`SUCCESS: ${exprs.length} rules found`));
    writeFileSync(file, JSON.stringify(rulesOf(['sum by (model (driftwatch_consumer_lag)'])));
    assert.notEqual(promtool('check', 'rules', file).status, 0, 'promtool refuses a broken query');
  });
});

describe('the Prometheus alerting rules', () => {
  it('select only exported metrics (and up), with their labels', () => {
    const problems = rules().flatMap((r) => queryProblems(`rule ${r.alert ?? r.record}`, r.expr, catalogue));
    assert.deepEqual(problems, []);
  });

  it('each has for:, a severity, a summary, a description and a runbook link to a heading of docs/operations.md', () => {
    const headings = anchors(readFileSync(OPERATIONS, 'utf8'));
    const alerts = rules().filter((r) => r.alert);
    assert.deepEqual(
      alerts.map((r) => r.alert),
      [
        'DriftwatchDown',
        'DriftwatchChecksFailing',
        'DriftwatchChecksStale',
        'DriftwatchConsumerLagGrowing',
        'DriftwatchOutboxDeadLetters',
        'DriftwatchNoEvents',
      ],
    );
    for (const r of alerts) {
      assert.match(r.for ?? '', /^\d+[smh]$/, `${r.alert}: for`);
      assert.match(r.labels?.severity ?? '', /^(critical|warning)$/, `${r.alert}: severity`);
      assert.ok(r.annotations?.summary && r.annotations.description, `${r.alert}: summary and description`);
      const runbook = /^docs\/operations\.md#(.+)$/.exec(r.annotations?.runbook_url ?? '');
      assert.ok(runbook, `${r.alert}: runbook_url docs/operations.md#...`);
      assert.ok(headings.has(runbook[1]!), `${r.alert}: docs/operations.md has a heading #${runbook[1]}`);
    }
  });

  it('have unit tests with a firing and a quiet case for each alert', () => {
    const tests = (
      parse(readFileSync(RULE_TESTS, 'utf8')) as { tests: { alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[] }[] }
    ).tests.flatMap((t) => t.alert_rule_test ?? []);
    for (const r of rules().filter((x) => x.alert)) {
      const cases = tests.filter((t) => t.alertname === r.alert);
      assert.ok(
        cases.some((t) => (t.exp_alerts ?? []).length > 0),
        `${r.alert}: a case where it fires`,
      );
      assert.ok(
        cases.some((t) => (t.exp_alerts ?? []).length === 0),
        `${r.alert}: a case where it does not`,
      );
    }
  });

  it('pass promtool check rules', { skip: SKIP_PROMTOOL }, () => {
    const r = promtool('check', 'rules', RULES);
    assert.equal(r.status, 0, r.output);
    assert.match(r.output, new RegExp(`SUCCESS: ${rules().length} rules found`));
  });

  it('pass promtool test rules, and the tests fail when a rule changes', { skip: SKIP_PROMTOOL }, () => {
    const r = promtool('test', 'rules', RULE_TESTS);
    assert.equal(r.status, 0, r.output);
    // The same tests against rules where one failure in a row pages: they must notice.
    const mutated = readFileSync(RULES, 'utf8').replace(
      'driftwatch_check_consecutive_failures >= 2',
      'driftwatch_check_consecutive_failures >= 1',
    );
    assert.notEqual(mutated, readFileSync(RULES, 'utf8'));
    writeFileSync(join(tmp.dir, 'driftwatch-rules.yml'), mutated);
    writeFileSync(join(tmp.dir, 'driftwatch-rules.test.yml'), readFileSync(RULE_TESTS, 'utf8'));
    const failed = promtool('test', 'rules', join(tmp.dir, 'driftwatch-rules.test.yml'));
    assert.notEqual(failed.status, 0);
    assert.match(failed.output, /FAILED[\s\S]*DriftwatchChecksFailing/);
  });
});
