// The same statistics as `driftwatch check`, written the plain JavaScript way: read the whole CSV
// into memory, split lines, parseFloat into arrays, sort with a comparator, count with loops.
// Only the p-value distributions are shared with driftwatch (their cost is negligible).
// Usage: node --import tsx bench/plain-check.ts PROFILE.json CURRENT.csv
import { readFileSync } from 'node:fs';
import type { BaselineProfile } from '../src/contracts/profile.js';
import { chi2Sf } from '../src/stats/distributions/chi2.js';
import { ksExactTwoSided } from '../src/stats/distributions/ks-exact.js';
import { kstwoSf } from '../src/stats/distributions/kolmogorov.js';

const [profilePath, csvPath] = process.argv.slice(2);
const profile = JSON.parse(readFileSync(profilePath!, 'utf8')) as BaselineProfile;
const lines = readFileSync(csvPath!, 'utf8')
  .split('\n')
  .filter((l) => l.length > 0);
const header = lines[0]!.split(',');
const rows = lines.slice(1).map((l) => l.split(','));

const shares = (counts: number[]) => {
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.map((c) => c / total);
};
const psi = (p: number[], q: number[]) =>
  p.reduce((s, pi, i) => {
    const a = pi || 1e-4;
    const b = q[i] || 1e-4;
    return s + (b - a) * Math.log(b / a);
  }, 0);
const js = (p: number[], q: number[]) => {
  const m = p.map((x, i) => (x + q[i]!) / 2);
  const kl = (x: number[]) => x.reduce((s, xi, i) => (xi > 0 ? s + xi * Math.log2(xi / m[i]!) : s), 0);
  return Math.sqrt(Math.max((kl(p) + kl(q)) / 2, 0));
};
const hellinger = (p: number[], q: number[]) => Math.sqrt(Math.max(1 - p.reduce((s, x, i) => s + Math.sqrt(x * q[i]!), 0), 0));

function ecdfDistances(a: number[], b: number[]) {
  const all = [...a, ...b].sort((x, y) => x - y);
  let i = 0;
  let j = 0;
  let d = 0;
  let w = 0;
  for (let k = 0; k < all.length; k++) {
    const x = all[k]!;
    while (i < a.length && a[i]! <= x) i++;
    while (j < b.length && b[j]! <= x) j++;
    const diff = Math.abs(i / a.length - j / b.length);
    d = Math.max(d, diff);
    if (k + 1 < all.length) w += diff * (all[k + 1]! - x);
  }
  return { d, w };
}

const out: Record<string, unknown> = {};
for (const feature of profile.features) {
  const col = header.indexOf(feature.name);
  if (feature.kind === 'numeric') {
    const values = rows
      .map((r) => parseFloat(r[col]!))
      .filter((x) => Number.isFinite(x))
      .sort((x, y) => x - y);
    const edges = feature.bins.edges;
    const counts = new Array(edges.length + 1).fill(0);
    for (const v of values) {
      let bin = 0;
      while (bin < edges.length && v > edges[bin]!) bin++;
      counts[bin]++;
    }
    const base = feature.sample.values;
    const { d, w } = ecdfDistances(base, values);
    const n = Math.round((base.length * values.length) / (base.length + values.length));
    const pvalue = Math.max(base.length, values.length) > 10000 ? kstwoSf(d, n) : ksExactTwoSided(base.length, values.length, d).pvalue;
    const p = shares(feature.bins.counts);
    const q = shares(counts);
    out[feature.name] = {
      psi: psi(p, q),
      ks: { statistic: d, pvalue },
      wasserstein: w,
      wasserstein_norm: w / Math.max(feature.std ?? 0, 0.001),
      jensen_shannon: js(p, q),
      hellinger: hellinger(p, q),
    };
  } else {
    const counts = new Map<string, number>();
    for (const r of rows) {
      const v = r[col];
      if (v !== undefined && v !== '') counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    const base = [...feature.categories.map((c) => c.count), 0];
    const known = new Set(feature.categories.map((c) => c.value));
    let unseen = 0;
    for (const [v, n] of counts) if (!known.has(v)) unseen += n;
    const cur = [...feature.categories.map((c) => counts.get(c.value) ?? 0), unseen];
    const totalB = base.reduce((a, b) => a + b, 0);
    const totalC = cur.reduce((a, b) => a + b, 0);
    let chi = 0;
    let k = 0;
    base.forEach((b, i) => {
      const c = cur[i]!;
      if (b + c === 0) return;
      k++;
      const eb = ((b + c) * totalB) / (totalB + totalC);
      const ec = ((b + c) * totalC) / (totalB + totalC);
      chi += (b - eb) ** 2 / eb + (c - ec) ** 2 / ec;
    });
    const p = shares(base);
    const q = shares(cur);
    out[feature.name] = {
      psi: psi(p, q),
      chi2: { statistic: chi, pvalue: chi2Sf(chi, k - 1), dof: k - 1 },
      jensen_shannon: js(p, q),
      hellinger: hellinger(p, q),
      linf: Math.max(...p.map((x, i) => Math.abs(x - q[i]!))),
    };
  }
}
process.stdout.write(`${JSON.stringify(out)}\n`);
