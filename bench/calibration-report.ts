// Tables (Markdown) and the chart (hand-written SVG) of the calibration harness's results.
import { DRIFTS, type DriftName, RULES, type RuleName, type Tally, upperBound95 } from './calibration-sim.js';

/** A finished batch: the null (no drift) or one drift into one group of features. */
export interface Result {
  drift: DriftName | null;
  /** Which features the drift went into: 'large' (baselines of 10,000+ values) or 'seattle'. */
  targets: 'large' | 'seattle';
  tally: Tally;
}

const percent = (x: number) =>
  x === 0 ? '0%' : x < 0.001 ? `${(x * 100).toFixed(2)}%` : x < 0.1 ? `${(x * 100).toFixed(1)}%` : `${Math.round(x * 100)}%`;
const count = (n: number) => n.toLocaleString('en-US');

/** The false-alarm table: per window size, each rule's share of checks with any alarm. */
export function falseAlarmTable(results: readonly Result[]): string {
  const rows = results.filter((r) => r.drift === null).sort((a, b) => a.tally.n - b.tally.n);
  const lines = [
    '| window n | checks | driftwatch | driftwatch, upper 95% bound | PSI > 0.1 | per-feature p < 0.05 |',
    '|---:|---:|---:|---:|---:|---:|',
  ];
  for (const { tally: t } of rows) {
    const rate = (rule: RuleName) => t.falseAlarms[rule] / t.checks;
    lines.push(
      `| ${count(t.n)} | ${count(t.checks)} | ${percent(rate('driftwatch'))} (${t.falseAlarms.driftwatch}) | ${(upperBound95(t.falseAlarms.driftwatch, t.checks) * 100).toFixed(2)}% | ${percent(rate('PSI > 0.1'))} | ${percent(rate('p < 0.05'))} |`,
    );
  }
  return lines.join('\n');
}

function sizes(results: readonly Result[]): number[] {
  return [...new Set(results.filter((r) => r.drift !== null).map((r) => r.tally.n))].sort((a, b) => a - b);
}

function powerCell(results: readonly Result[], drift: DriftName, targets: Result['targets'], n: number, rule: RuleName): string {
  const r = results.find((x) => x.drift === drift && x.targets === targets && x.tally.n === n);
  return r ? percent(r.tally.detected[rule] / r.tally.checks) : '';
}

/** Power: the share of drifted checks in which a rule flags the drifted feature, by window size. */
export function powerTable(results: readonly Result[], rules: readonly RuleName[] = ['driftwatch']): string {
  const ns = sizes(results);
  const lines = [
    `| drift | ${rules.length > 1 ? 'rule | ' : ''}${ns.map(count).join(' | ')} |`,
    `|---|${rules.length > 1 ? '---|' : ''}${ns.map(() => '---:').join('|')}|`,
  ];
  const groups = [...new Set(results.filter((r) => r.drift !== null).map((r) => `${r.targets}\u0000${r.drift}`))];
  for (const key of groups) {
    const [targets, drift] = key.split('\u0000') as [Result['targets'], DriftName];
    const label = targets === 'seattle' ? `${drift}, Seattle (366-row baseline)` : drift;
    for (const rule of rules)
      lines.push(
        `| ${label} | ${rules.length > 1 ? `${rule} | ` : ''}${ns.map((n) => powerCell(results, drift, targets, n, rule)).join(' | ')} |`,
      );
  }
  return lines.join('\n');
}

/** The targets of issue 6, checked against the results: one line each, met or missed. */
export function targetLines(results: readonly Result[]): string[] {
  const nulls = results.filter((r) => r.drift === null && r.tally.n >= 50);
  const worst = Math.max(...nulls.map((r) => upperBound95(r.tally.falseAlarms.driftwatch, r.tally.checks)));
  const power = (drift: DriftName, from: number) => {
    const rows = results.filter((r) => r.drift === drift && r.targets === 'large' && r.tally.n >= from);
    return rows.length ? Math.min(...rows.map((r) => r.tally.detected.driftwatch / r.tally.checks)) : NaN;
  };
  const shift = power('mean +0.2 SD', 2000);
  const share = power('share +10 pts', 1000);
  const verdict = (ok: boolean) => (ok ? '**met**' : '**missed**');
  return [
    `- false alarms per check at most 1% at every window size >= 50 (upper 95% bound): worst bound ${(worst * 100).toFixed(2)}%, ${verdict(worst <= 0.01)}`,
    `- power >= 95% for a 0.2-SD mean shift at n >= 2,000: lowest ${percent(shift)}, ${verdict(shift >= 0.95)}`,
    `- power >= 95% for a 10-point category share change at n >= 1,000: lowest ${percent(share)}, ${verdict(share >= 0.95)}`,
  ];
}

const esc = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
/** Colour-blind-safe (Okabe-Ito). */
const COLOURS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'];

interface Series {
  label: string;
  points: [number, number][];
  colour: string;
  dashed?: boolean;
}

/** One panel: log-x window size, y either log (rates) or linear (power). */
function panel(
  x0: number,
  title: string,
  series: Series[],
  y: { log: boolean; min: number; max: number; ticks: number[]; line?: { at: number; label: string } },
  ns: number[],
): string {
  const w = 430;
  const h = 300;
  const left = x0 + 56;
  const right = x0 + w - 10;
  const top = 34;
  const bottom = h - 40;
  const lx = (n: number) => left + ((Math.log10(n) - Math.log10(ns[0]!)) / (Math.log10(ns.at(-1)!) - Math.log10(ns[0]!))) * (right - left);
  const ly = (v: number) => {
    const t = y.log
      ? (Math.log10(Math.max(v, y.min)) - Math.log10(y.min)) / (Math.log10(y.max) - Math.log10(y.min))
      : (v - y.min) / (y.max - y.min);
    return bottom - t * (bottom - top);
  };
  const parts = [`<text x="${x0 + w / 2}" y="18" text-anchor="middle" font-weight="bold">${esc(title)}</text>`];
  for (const t of y.ticks)
    parts.push(
      `<line x1="${left}" x2="${right}" y1="${ly(t)}" y2="${ly(t)}" stroke="#ddd"/><text x="${left - 6}" y="${ly(t) + 4}" text-anchor="end">${percent(t)}</text>`,
    );
  for (const n of ns)
    parts.push(
      `<line x1="${lx(n)}" x2="${lx(n)}" y1="${bottom}" y2="${bottom + 4}" stroke="#333"/><text x="${lx(n)}" y="${bottom + 16}" text-anchor="middle">${n >= 1000 ? `${n / 1000}k` : n}</text>`,
    );
  parts.push(`<text x="${(left + right) / 2}" y="${h - 6}" text-anchor="middle">window size n (log scale)</text>`);
  parts.push(`<rect x="${left}" y="${top}" width="${right - left}" height="${bottom - top}" fill="none" stroke="#333"/>`);
  if (y.line)
    parts.push(
      `<line x1="${left}" x2="${right}" y1="${ly(y.line.at)}" y2="${ly(y.line.at)}" stroke="#333" stroke-dasharray="2 3"/><text x="${right - 4}" y="${ly(y.line.at) - 4}" text-anchor="end">${esc(y.line.label)}</text>`,
    );
  series.forEach((s, i) => {
    const d = s.points.map(([n, v], k) => `${k ? 'L' : 'M'}${lx(n).toFixed(1)},${ly(v).toFixed(1)}`).join(' ');
    parts.push(`<path d="${d}" fill="none" stroke="${s.colour}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    for (const [n, v] of s.points) parts.push(`<circle cx="${lx(n).toFixed(1)}" cy="${ly(v).toFixed(1)}" r="2.5" fill="${s.colour}"/>`);
    // The legend sits under the panel, two columns, so it never hides a line.
    const lx0 = x0 + 20 + (i % 2) * 205;
    const ly0 = h + 8 + Math.floor(i / 2) * 16;
    parts.push(
      `<line x1="${lx0}" x2="${lx0 + 20}" y1="${ly0}" y2="${ly0}" stroke="${s.colour}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/><text x="${lx0 + 24}" y="${ly0 + 4}">${esc(s.label)}</text>`,
    );
  });
  return parts.join('\n');
}

/** The chart: false alarms per check (left, log scale) and driftwatch's power (right) against window size. */
export function chartSvg(results: readonly Result[]): string {
  const nulls = results.filter((r) => r.drift === null).sort((a, b) => a.tally.n - b.tally.n);
  const ns = nulls.map((r) => r.tally.n);
  const rate = (rule: RuleName) => nulls.map((r): [number, number] => [r.tally.n, r.tally.falseAlarms[rule] / r.tally.checks]);
  const left: Series[] = [
    ...RULES.map((rule, i) => ({ label: rule === 'driftwatch' ? 'driftwatch (observed)' : rule, points: rate(rule), colour: COLOURS[i]! })),
    {
      label: 'driftwatch, upper 95% bound',
      points: nulls.map((r): [number, number] => [r.tally.n, upperBound95(r.tally.falseAlarms.driftwatch, r.tally.checks)]),
      colour: COLOURS[0]!,
      dashed: true,
    },
  ];
  const drifts = [...new Set(results.filter((r) => r.drift !== null && r.targets === 'large').map((r) => r.drift!))];
  const right: Series[] = drifts.map((drift, i) => ({
    label: drift,
    colour: COLOURS[(i + 1) % COLOURS.length]!,
    dashed: drift.includes('harmless'),
    points: results
      .filter((r) => r.drift === drift && r.targets === 'large')
      .sort((a, b) => a.tally.n - b.tally.n)
      .map((r): [number, number] => [r.tally.n, r.tally.detected.driftwatch / r.tally.checks]),
  }));
  const body = [
    panel(
      0,
      'False alarms per check (20 undrifted features; 0 drawn at the bottom)',
      left,
      { log: true, min: 0.0001, max: 1, ticks: [0.0001, 0.001, 0.01, 0.1, 1], line: { at: 0.01, label: 'target 1%' } },
      ns,
    ),
    panel(
      440,
      'driftwatch: power to flag the drifted feature',
      right,
      { log: false, min: 0, max: 1, ticks: [0, 0.25, 0.5, 0.75, 1], line: { at: 0.95, label: '95%' } },
      ns,
    ),
  ].join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="880" height="372" viewBox="0 0 880 372" font-family="sans-serif" font-size="11">\n<rect width="880" height="372" fill="#fff"/>\n${body}\n</svg>\n`;
}

/** The drift descriptions, for docs/statistics.md. */
export function driftList(): string {
  return Object.entries(DRIFTS)
    .map(([name, d]) => `- \`${name}\`: ${d.text}`)
    .join('\n');
}
