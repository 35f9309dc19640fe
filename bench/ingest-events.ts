// Prediction events for the ingest benchmark: the 20 features of bench/check.ts's data (14 numeric,
// 6 categorical), as a model would log them to Kafka. Deterministic in the event's index, so a
// cached topic and a fresh one hold the same events.
import { mulberry32 } from '../test/helpers/random.js';

/** Numeric column i: a normal (kind 0), a log-normal (kind 1) or a small integer (kind 2), as in check.ts. */
const NUMERIC = 14;
/** Categories per categorical column, as in check.ts. */
const CATEGORIES = [3, 5, 12, 40, 200, 8] as const;
/** Event times start here (fixed, so the topic's content does not depend on the day it was made). */
const BASE_TS = Date.UTC(2025, 0, 1);

/** The feature fields of one event, as JSON object members (no braces). */
function featureMembers(random: () => number): string {
  const parts: string[] = [];
  for (let i = 0; i < NUMERIC; i++) {
    const kind = i % 3;
    if (kind === 2) {
      parts.push(`"num_${i}":${Math.floor(random() * (20 + i))}`);
      continue;
    }
    const normal = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    parts.push(
      kind === 0
        ? `"num_${i}":${Math.round((normal * 10 + 50) * 1000) / 1000}`
        : `"num_${i}":${Math.round(Math.exp(normal) * 10000) / 10000}`,
    );
  }
  CATEGORIES.forEach((k, i) => parts.push(`"cat_${i}":"c${Math.floor(random() ** 2 * k)}"`));
  return parts.join(',');
}

/** Event `i`: its key and its JSON payload (`features`, `prediction`, `ts`). */
export function benchEvent(i: number): { key: string; value: string } {
  const random = mulberry32(Math.imul(i + 1, 0x9e3779b1));
  const features = featureMembers(random);
  const score = Math.round(random() * 10000) / 10000;
  return {
    key: `evt-${i}`,
    value: `{"features":{${features}},"prediction":{"score":${score},"label":${score > 0.5}},"ts":${BASE_TS + i}}`,
  };
}

/** The feature rows of events 0..n-1 as CSV (for a baseline when check.ts's is not there). */
export function benchFeaturesCsv(n: number): string {
  const header = [...Array.from({ length: NUMERIC }, (_, i) => `num_${i}`), ...CATEGORIES.map((_, i) => `cat_${i}`)].join(',');
  const lines = [header];
  for (let i = 0; i < n; i++) {
    const json = JSON.parse(benchEvent(i).value) as { features: Record<string, number | string> };
    lines.push(Object.values(json.features).join(','));
  }
  return `${lines.join('\n')}\n`;
}
