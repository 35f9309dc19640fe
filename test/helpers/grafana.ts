import { closestName } from '../../src/config/suggest.js';
import { type MetricCatalogue, SYNTHETIC_SERIES, TARGET_LABELS } from './metric-catalogue.js';
import { labelValuesQuery, promqlReads, type Reads } from './promql.js';

/**
 * Checks of a Grafana dashboard (the classic JSON model that Grafana imports) and of PromQL
 * against the metrics the service exports: the problems found, each a sentence naming the panel
 * or rule, the metric and what is wrong. An empty list means the dashboard is sound.
 */

/** The width of Grafana's grid. */
const GRID_COLUMNS = 24;
/** Grafana 11's dashboard schema; older ones are migrated on load, so a current file says at least this. */
const MIN_SCHEMA_VERSION = 39;
/** The data source every panel and query uses: the dashboard's `datasource` variable. */
const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };
/** Variables Grafana defines itself. */
const BUILTIN_VARIABLES = new Set(['__rate_interval', '__interval', '__interval_ms', '__range', '__range_s', '__range_ms']);

/** One PromQL query of a dashboard, with where it is. */
export interface DashboardQuery {
  where: string;
  expr: string;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Problems of what `reads` selects: metrics the service does not export, labels they do not have. */
export function readsProblems(where: string, reads: Reads, catalogue: MetricCatalogue): string[] {
  const problems = reads.problems.map((p) => `${where}: ${p}`);
  const known = new Map([...catalogue.series, ...SYNTHETIC_SERIES]);
  const seen = new Set<string>(TARGET_LABELS);
  let unknown = false;
  for (const { metric, labels } of reads.selectors) {
    const series = known.get(metric);
    if (!series) {
      const near = closestName(metric, [...known.keys()]);
      problems.push(
        `${where}: metric '${metric}' is not exported by the service${near ? ` (did you mean '${near}'?)` : ''}; it exports ${[
          ...known.keys(),
        ]
          .filter((n) => n.startsWith('driftwatch_'))
          .join(', ')}`,
      );
      unknown = true;
      continue;
    }
    for (const label of series) seen.add(label);
    for (const label of labels) {
      if (!series.has(label) && !(TARGET_LABELS as readonly string[]).includes(label))
        problems.push(`${where}: metric '${metric}' has no label '${label}'; its labels: ${[...series, ...TARGET_LABELS].join(', ')}`);
    }
  }
  // A `by (x)` or `on (x)` over labels none of the selected series has groups everything into one series
  // (not said after an unknown metric: its labels are unknown too).
  for (const label of unknown ? [] : reads.grouping) {
    if (!seen.has(label)) problems.push(`${where}: groups by '${label}', a label none of its metrics has (${[...seen].join(', ')})`);
  }
  return problems;
}

/** Problems of one PromQL expression against the catalogue. */
export function queryProblems(where: string, expr: string, catalogue: MetricCatalogue): string[] {
  return readsProblems(where, promqlReads(expr), catalogue);
}

/** The panels, rows' nested panels included. */
function allPanels(dashboard: Json): Json[] {
  const top = Array.isArray(dashboard.panels) ? dashboard.panels.filter(isObject) : [];
  return top.flatMap((p) => [p, ...(Array.isArray(p.panels) ? p.panels.filter(isObject) : [])]);
}

/** Every PromQL query of the dashboard's panels. */
export function dashboardQueries(dashboard: unknown): DashboardQuery[] {
  if (!isObject(dashboard)) return [];
  return allPanels(dashboard).flatMap((p) =>
    (Array.isArray(p.targets) ? p.targets.filter(isObject) : [])
      .filter((t) => typeof t.expr === 'string')
      .map((t) => ({ where: `panel '${String(p.title)}' (id ${String(p.id)}) query ${String(t.refId)}`, expr: String(t.expr) })),
  );
}

const sameDatasource = (ds: unknown) => isObject(ds) && ds.type === DATASOURCE.type && ds.uid === DATASOURCE.uid;

/** The structure Grafana needs to import and lay out the dashboard, and its queries against the catalogue. */
export function dashboardProblems(dashboard: unknown, catalogue: MetricCatalogue): string[] {
  if (!isObject(dashboard)) return ['the dashboard is not a JSON object'];
  const problems: string[] = [];
  for (const key of ['title', 'uid'] as const)
    if (typeof dashboard[key] !== 'string' || dashboard[key] === '') problems.push(`the dashboard has no ${key}`);
  if (!Number.isInteger(dashboard.schemaVersion) || (dashboard.schemaVersion as number) < MIN_SCHEMA_VERSION)
    problems.push(`schemaVersion is ${String(dashboard.schemaVersion)}; a current Grafana's is ${MIN_SCHEMA_VERSION} or more`);

  // Variables: ${datasource} (Prometheus data sources) and query variables from label values.
  const templating = isObject(dashboard.templating) && Array.isArray(dashboard.templating.list) ? dashboard.templating.list : [];
  const variables = new Map<string, Json>();
  for (const v of templating.filter(isObject)) variables.set(String(v.name), v);
  const ds = variables.get('datasource');
  if (ds?.type !== 'datasource' || ds.query !== 'prometheus')
    problems.push("no 'datasource' variable of type datasource listing Prometheus data sources");
  if (!variables.has('model')) problems.push("no 'model' variable");
  for (const [name, v] of variables) {
    if (v.type !== 'query') continue;
    if (!sameDatasource(v.datasource)) problems.push(`variable '${name}': its datasource is not \${datasource}`);
    const query = isObject(v.query) ? v.query.query : v.query;
    const parsed = typeof query === 'string' ? labelValuesQuery(query) : undefined;
    if (!parsed) {
      problems.push(`variable '${name}': expected a label_values(metric, label) query, got ${JSON.stringify(query)}`);
      continue;
    }
    const where = `variable '${name}'`;
    problems.push(...readsProblems(where, { ...parsed.reads, grouping: [...parsed.reads.grouping, parsed.label] }, catalogue));
  }

  // Panels: unique ids, a place on the grid that no other panel takes, the data source and queries.
  const panels = allPanels(dashboard);
  if (panels.length === 0) problems.push('the dashboard has no panels');
  const ids = new Set<number>();
  const placed: { name: string; x: number; y: number; w: number; h: number }[] = [];
  for (const p of panels) {
    const name = `panel '${String(p.title)}' (id ${String(p.id)})`;
    if (!Number.isInteger(p.id) || (p.id as number) <= 0) problems.push(`${name}: id must be a positive integer`);
    else if (ids.has(p.id as number)) problems.push(`${name}: id ${String(p.id)} is used twice`);
    else ids.add(p.id as number);
    if (typeof p.type !== 'string' || p.type === '') problems.push(`${name}: no type`);
    if (typeof p.title !== 'string' || p.title === '') problems.push(`${name}: no title`);
    const g = p.gridPos;
    if (!isObject(g) || !['x', 'y', 'w', 'h'].every((k) => Number.isInteger(g[k]))) {
      problems.push(`${name}: gridPos needs integer x, y, w and h`);
    } else {
      const box = { name, x: g.x as number, y: g.y as number, w: g.w as number, h: g.h as number };
      if (box.x < 0 || box.y < 0 || box.w < 1 || box.h < 1 || box.x + box.w > GRID_COLUMNS)
        problems.push(`${name}: gridPos ${JSON.stringify(g)} is outside the ${GRID_COLUMNS}-column grid`);
      const over = placed.find((o) => box.x < o.x + o.w && o.x < box.x + box.w && box.y < o.y + o.h && o.y < box.y + box.h);
      if (over) problems.push(`${name}: gridPos overlaps ${over.name}`);
      placed.push(box);
    }
    if (p.type === 'row') continue;
    if (!sameDatasource(p.datasource)) problems.push(`${name}: datasource must be ${JSON.stringify(DATASOURCE)}`);
    const targets = Array.isArray(p.targets) ? p.targets.filter(isObject) : [];
    if (targets.length === 0) problems.push(`${name}: no targets`);
    const refIds = new Set<string>();
    for (const t of targets) {
      const where = `${name} query ${String(t.refId)}`;
      if (typeof t.refId !== 'string' || t.refId === '' || refIds.has(t.refId)) problems.push(`${where}: refId missing or repeated`);
      refIds.add(String(t.refId));
      if (!sameDatasource(t.datasource)) problems.push(`${where}: datasource must be ${JSON.stringify(DATASOURCE)}`);
      if (typeof t.expr !== 'string' || t.expr.trim() === '') {
        problems.push(`${where}: no expr`);
        continue;
      }
      for (const [, variable] of t.expr.matchAll(/\$\{?([a-zA-Z_][a-zA-Z0-9_]*)/g))
        if (!variables.has(variable!) && !BUILTIN_VARIABLES.has(variable!))
          problems.push(`${where}: uses $${variable}, which is not a variable`);
      problems.push(...queryProblems(where, t.expr, catalogue));
    }
  }
  return problems;
}

/**
 * The dashboard's queries as PromQL Prometheus can parse: Grafana's variables replaced by what
 * they stand for (a regex of any value, an interval), so promtool can check their syntax.
 */
export function substituteVariables(expr: string): string {
  return expr
    .replace(/\$\{?__(rate_interval|interval|range)\}?/g, '5m')
    .replace(/\$\{?__(interval_ms|range_ms|range_s)\}?/g, '300')
    .replace(/\$\{?[a-zA-Z_][a-zA-Z0-9_]*(?::[a-z]+)?\}?/g, '.+');
}
