/**
 * What a PromQL expression reads, for checking dashboards and alert rules against the metrics the
 * service exports: its vector selectors (metric name and matched labels) and the labels its
 * aggregations and vector matches name (`by`, `without`, `on`, `ignoring`, `group_left/right`).
 * A tokenizer, not a parser: enough to find every name, with string literals, durations, numbers
 * and Grafana variables skipped. The syntax itself is left to promtool (test/deploy.test.ts).
 */

/** A vector selector: `name{label="v", other=~"x"}`. */
export interface Selector {
  metric: string;
  /** The labels of its matchers. */
  labels: string[];
}

/** Everything an expression names. */
export interface Reads {
  selectors: Selector[];
  /** Labels of `by (...)`, `without (...)`, `on (...)`, `ignoring (...)`, `group_left (...)`, `group_right (...)`. */
  grouping: string[];
  /** Problems the tokenizer found: a selector without a metric name, an unclosed string or brace. */
  problems: string[];
}

/** Words that are operators or modifiers, never metric names. */
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'atan2', 'inf', 'nan']);
/** Aggregation operators: a `by (...)` may stand between the name and its arguments. */
const AGGREGATIONS = new Set([
  'sum',
  'min',
  'max',
  'avg',
  'group',
  'stddev',
  'stdvar',
  'count',
  'count_values',
  'bottomk',
  'topk',
  'quantile',
  'limitk',
  'limit_ratio',
]);
/** Words followed by a list of label names. */
const GROUPING = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
const IDENT_START = /[a-zA-Z_:]/;
const IDENT = /[a-zA-Z0-9_:]/;

/**
 * The selectors and grouping labels of `expr`.
 * @example promqlReads('sum by (model) (rate(x_total{model=~"$model"}[5m]))')
 * // => { selectors: [{ metric: 'x_total', labels: ['model'] }], grouping: ['model'], problems: [] }
 */
export function promqlReads(expr: string): Reads {
  const selectors: Selector[] = [];
  const grouping: string[] = [];
  const problems: string[] = [];
  let i = 0;
  const skipSpace = () => {
    while (i < expr.length && /\s/.test(expr[i]!)) i++;
  };
  const readString = (): string => {
    const quote = expr[i]!;
    const start = ++i;
    while (i < expr.length && expr[i] !== quote) i += quote !== '`' && expr[i] === '\\' ? 2 : 1;
    if (i >= expr.length) problems.push(`unclosed string at ${start - 1}: ${expr.slice(start - 1, start + 20)}`);
    return expr.slice(start, i++);
  };
  const readIdent = (): string => {
    const start = i;
    while (i < expr.length && IDENT.test(expr[i]!)) i++;
    return expr.slice(start, i);
  };
  // `{a="x", b!~"y"}` at i: the matchers' label names.
  const readMatchers = (): string[] => {
    const labels: string[] = [];
    i++; // {
    for (;;) {
      skipSpace();
      if (i >= expr.length) {
        problems.push('unclosed {');
        return labels;
      }
      if (expr[i] === '}') {
        i++;
        return labels;
      }
      if (expr[i] === ',') {
        i++;
        continue;
      }
      if (expr[i] === '"' || expr[i] === "'" || expr[i] === '`') {
        readString();
        continue;
      }
      if (IDENT_START.test(expr[i]!)) {
        labels.push(readIdent());
        continue;
      }
      i++; // = != =~ !~
    }
  };
  // `(a, b)` at i: a list of label names.
  const readLabelList = (): string[] => {
    const labels: string[] = [];
    skipSpace();
    if (expr[i] !== '(') return labels;
    i++;
    while (i < expr.length && expr[i] !== ')') {
      if (IDENT_START.test(expr[i]!)) labels.push(readIdent());
      else i++;
    }
    i++;
    return labels;
  };

  while (i < expr.length) {
    const c = expr[i]!;
    if (c === '"' || c === "'" || c === '`') {
      readString();
    } else if (c === '#') {
      while (i < expr.length && expr[i] !== '\n') i++;
    } else if (c === '[') {
      // A range or subquery: durations and Grafana's $__rate_interval.
      while (i < expr.length && expr[i] !== ']') i++;
      i++;
    } else if (c === '$') {
      // A Grafana variable: $name or ${name} (or ${name:format}).
      i++;
      if (expr[i] === '{') while (i < expr.length && expr[i - 1] !== '}') i++;
      else readIdent();
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(expr[i + 1] ?? ''))) {
      // A number or a duration: 0.95, 1e3, 0x1f, 5m, 1h30m.
      while (i < expr.length && /[0-9a-zA-Z._]/.test(expr[i]!)) i++;
    } else if (c === '{') {
      const labels = readMatchers();
      problems.push(`a selector without a metric name: {${labels.join(', ')}} (name the metric, so it can be checked)`);
    } else if (IDENT_START.test(c)) {
      const word = readIdent();
      const lower = word.toLowerCase();
      skipSpace();
      if (GROUPING.has(lower)) grouping.push(...readLabelList());
      else if (KEYWORDS.has(lower) || AGGREGATIONS.has(lower)) continue;
      else if (expr[i] === '(')
        continue; // a function (or an aggregation: its `by` may follow the arguments)
      else if (expr[i] === '{') selectors.push({ metric: word, labels: readMatchers() });
      else selectors.push({ metric: word, labels: [] });
    } else {
      i++;
    }
  }
  return { selectors, grouping, problems };
}

/**
 * Grafana's `label_values(metric_or_selector, label)` of a query variable, as a selector of the
 * metric plus the label it lists; undefined for another kind of variable query.
 */
export function labelValuesQuery(query: string): { reads: Reads; label: string } | undefined {
  const match = /^\s*label_values\(\s*(.+?)\s*,\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)\s*$/.exec(query);
  if (!match) return undefined;
  return { reads: promqlReads(match[1]!), label: match[2]! };
}
