/**
 * Edit distance, case-insensitive: insertions, deletions, substitutions and swaps of two
 * neighbouring letters (optimal string alignment), so `pis` is one edit from `psi`.
 * @example editDistance('featurePath', 'featuresPath') // => 1
 */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  const d: number[][] = Array.from({ length: s.length + 1 }, (_, i) =>
    Array.from({ length: t.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= s.length; i++) {
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[s.length]![t.length]!;
}

/**
 * The known name closest to a mistyped one, when it is close enough to be what was meant: at most
 * a third of the name's letters apart (at least 1, at most 3), so `featurePath` gets `featuresPath`
 * and `colour` gets nothing.
 * @example closestName('featurePath', ['featuresPath', 'features']) // => 'featuresPath'
 */
export function closestName(name: string, known: readonly string[]): string | undefined {
  // Names longer than any key are not typos of one (and a 5 MB key costs nothing to skip).
  if (name.length > 64) return undefined;
  const limit = Math.min(3, Math.max(1, Math.floor(name.length / 3)));
  let best: { name: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(name, candidate);
    if (distance <= limit && (!best || distance < best.distance)) best = { name: candidate, distance };
  }
  return best?.name;
}
