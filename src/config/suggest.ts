/** Edit distance (Levenshtein: insertions, deletions, substitutions), case-insensitive. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  let previous = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const row = [i];
    for (let j = 1; j <= t.length; j++)
      row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (s[i - 1] === t[j - 1] ? 0 : 1));
    previous = row;
  }
  return previous[t.length]!;
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
