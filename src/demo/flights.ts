import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { UserError } from '../errors.js';
import { Database } from '../store/database.js';
import { quoteLiteral } from '../store/sql.js';

/**
 * The demo's data: 3 million US domestic flights of January–June 2001 (the `vega-datasets`
 * package's flights-3m.parquet: date, delay, distance, origin, destination). January is the
 * training data of the bundled baseline; February to June are replayed as live events.
 */

/** The model the demo monitors, and its bundled baseline (built by scripts/demo-baseline.ts). */
export const DEMO_MODEL = 'flight-delays';
export const DEMO_BASELINE = join('baselines', 'flights', 'v1.json');

/** The training month and the replayed months (UTC; the file's times are naive local times, read as UTC). */
export const TRAINING = { from: '2001-01-01', to: '2001-02-01' } as const;
export const REPLAY = { from: '2001-02-01', to: '2001-07-01' } as const;

/** The parquet file shipped by vega-datasets (a dependency), found through node's resolution. */
export function flightsParquet(): string {
  // The package exports only its JS entry (build/index.js); the data folder sits beside build/.
  const entry = createRequire(import.meta.url).resolve('vega-datasets');
  const file = join(dirname(entry), '..', 'data', 'flights-3m.parquet');
  if (!existsSync(file)) throw new UserError(`flights data not found at ${file}: run npm ci (vega-datasets is a dependency)`);
  return file;
}

/** Airports the model knows by name: the busiest of the training month (66% of its flights). */
export const HUBS = 30;

/**
 * The features of one flight as the model logs them, from the `flights` view and the `hubs`
 * table that {@link openFlights} makes. An airport outside the hubs is `other`, as a model's
 * top-k encoding would log it; that also keeps a day's sample of a few hundred flights from
 * spreading over 220 airports, where PSI would measure mostly sampling noise ((K-1)/n). `hour`
 * (of departure) comes from the date; the date itself is the event time, never a feature.
 */
const FEATURES_SQL = `delay::DOUBLE AS delay, distance::DOUBLE AS distance,
  CASE WHEN origin IN (SELECT code FROM hubs) THEN origin ELSE 'other' END AS origin,
  CASE WHEN destination IN (SELECT code FROM hubs) THEN destination ELSE 'other' END AS destination,
  hour(date)::DOUBLE AS hour`;

const between = (range: { from: string; to: string }) =>
  `date >= TIMESTAMP ${quoteLiteral(range.from)} AND date < TIMESTAMP ${quoteLiteral(range.to)}`;

/** An in-memory DuckDB with the `flights` view of the parquet file and the training month's `hubs`. */
async function openFlights(parquet: string): Promise<Database> {
  const db = await Database.open();
  try {
    await db.run(`CREATE VIEW flights AS SELECT * FROM read_parquet(${quoteLiteral(parquet)})`);
    await db.run(
      `CREATE TABLE hubs AS SELECT origin AS code FROM flights WHERE ${between(TRAINING)} GROUP BY origin ORDER BY count(*) DESC, origin LIMIT ${HUBS}`,
    );
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** A flight as a prediction event: `features` for the decoder, `ts` for the event time, `id` as the key. */
export interface FlightEvent {
  id: string;
  ts: string;
  features: { delay: number | null; distance: number | null; origin: string | null; destination: string | null; hour: number | null };
}

/**
 * Writes the training month's flights (the baseline's input) to a Parquet file.
 * @example await writeTrainingFile('/tmp/january.parquet')
 */
export async function writeTrainingFile(out: string, parquet = flightsParquet()): Promise<number> {
  const db = await openFlights(parquet);
  try {
    await db.run(
      `COPY (SELECT ${FEATURES_SQL} FROM flights WHERE ${between(TRAINING)} ORDER BY date) TO ${quoteLiteral(out)} (FORMAT parquet)`,
    );
    return Number((await db.row(`SELECT count(*) AS n FROM read_parquet(${quoteLiteral(out)})`)).n);
  } finally {
    db.close();
  }
}

/**
 * A reproducible sample of the replayed months: `perDay` flights of each day, chosen by a hash
 * (the same ones every run), in time order, grouped by day. Sampling keeps `--once` fast:
 * 150 days × 300 flights is 45,000 events instead of 2.5 million.
 */
export async function sampleDays(options: {
  perDay: number;
  from?: string;
  to?: string;
  parquet?: string;
}): Promise<{ day: string; events: FlightEvent[] }[]> {
  const db = await openFlights(options.parquet ?? flightsParquet());
  try {
    const range = { from: options.from ?? REPLAY.from, to: options.to ?? REPLAY.to };
    const rows = await db.rows(
      `SELECT strftime(date, '%Y-%m-%dT%H:%M:00Z') AS ts, strftime(date, '%Y-%m-%d') AS day, ${FEATURES_SQL},
              row_number() OVER (PARTITION BY date ORDER BY origin, destination, delay, distance) AS nth
       FROM flights WHERE ${between(range)}
       QUALIFY row_number() OVER (PARTITION BY date_trunc('day', date) ORDER BY hash(date, origin, destination, delay, distance)) <= ?
       ORDER BY date, nth`,
      [options.perDay],
    );
    const days = new Map<string, FlightEvent[]>();
    for (const r of rows) {
      const day = String(r.day);
      const event: FlightEvent = {
        // Unique within the file: the departure minute, the route and the rank among same-minute flights.
        id: `${String(r.ts).slice(0, 16)}-${String(r.origin)}-${String(r.destination)}-${Number(r.nth)}`,
        ts: String(r.ts),
        features: {
          delay: num(r.delay),
          distance: num(r.distance),
          origin: str(r.origin),
          destination: str(r.destination),
          hour: num(r.hour),
        },
      };
      let list = days.get(day);
      if (!list) days.set(day, (list = []));
      list.push(event);
    }
    return [...days].map(([day, events]) => ({ day, events }));
  } finally {
    db.close();
  }
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
