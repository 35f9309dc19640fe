// Real feature populations for the calibration harness, loaded once through DuckDB: the Seattle
// weather of 2012 (test/fixtures/seattle_2012.csv, a real 366-row training file used as the
// baseline as it is) and three million real 2001 US flights (vega-datasets' flights-3m.parquet).
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Database } from '../src/store/database.js';
import { type CategoricalPopulation, type NumericPopulation, type Population, syntheticPopulations } from './calibration-sim.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const SEATTLE_CSV = join(ROOT, 'test', 'fixtures', 'seattle_2012.csv');
export const FLIGHTS_PARQUET = join(ROOT, 'node_modules', 'vega-datasets', 'data', 'flights-3m.parquet');

const sqlText = (s: string) => `'${s.replaceAll("'", "''")}'`;

async function categories(db: Database, from: string, column: string): Promise<{ labels: string[]; counts: number[] }> {
  const rows = await db.rows(
    `SELECT CAST(${column} AS VARCHAR) AS v, count(*)::DOUBLE AS n FROM ${from} WHERE ${column} IS NOT NULL GROUP BY 1 ORDER BY 1`,
  );
  return { labels: rows.map((r) => String(r.v)), counts: rows.map((r) => Number(r.n)) };
}

/**
 * Seattle 2012: the baseline is the file itself (fixed), and undrifted windows are drawn from it
 * with replacement, as if the weather of 2012 had gone on. Its four numeric features carry many
 * ties (precipitation is 0 on half the days), which the KS p-value must survive.
 */
export async function seattlePopulations(db: Database): Promise<Population[]> {
  const from = `read_csv(${sqlText(SEATTLE_CSV)}, header = true)`;
  const numeric = await Promise.all(
    ['precipitation', 'temp_max', 'temp_min', 'wind'].map(async (name): Promise<NumericPopulation> => {
      const values = await db.doubles(`SELECT ${name}::DOUBLE AS v FROM ${from} WHERE isfinite(${name}::DOUBLE) ORDER BY v`);
      return { kind: 'numeric', name: `seattle ${name}`, group: 'seattle', population: values, fixedBaseline: values };
    }),
  );
  const weather = await categories(db, from, 'weather');
  const total = weather.counts.reduce((a, b) => a + b, 0);
  const categorical: CategoricalPopulation = {
    kind: 'categorical',
    name: 'seattle weather',
    group: 'seattle',
    labels: weather.labels,
    shares: weather.counts.map((c) => c / total),
    fixedBaseline: weather.counts,
  };
  return [...numeric, categorical];
}

/**
 * Flights: the population is all 3,000,000 rows; each baseline is a fresh draw from it (10,000
 * values a numeric feature keeps, 20,000 rows of the categorical ones), and each window another.
 * Delay is heavy-tailed and in whole minutes; distance takes one value per route (massive ties);
 * origin and destination have about 230 airports each, most of them rare.
 */
export async function flightsPopulations(db: Database): Promise<Population[]> {
  const from = `read_parquet(${sqlText(FLIGHTS_PARQUET)})`;
  const numeric = await Promise.all(
    ['delay', 'distance'].map(
      async (name): Promise<NumericPopulation> => ({
        kind: 'numeric',
        name: `flights ${name}`,
        group: 'flights',
        population: await db.doubles(`SELECT ${name}::DOUBLE AS v FROM ${from} WHERE ${name} IS NOT NULL ORDER BY v`),
      }),
    ),
  );
  const categorical = await Promise.all(
    ['origin', 'destination'].map(async (name): Promise<CategoricalPopulation> => {
      const { labels, counts } = await categories(db, from, name);
      const total = counts.reduce((a, b) => a + b, 0);
      return { kind: 'categorical', name: `flights ${name}`, group: 'flights', labels, shares: counts.map((c) => c / total) };
    }),
  );
  return [...numeric, ...categorical];
}

/** Seattle and flights, through one in-memory DuckDB that is closed before returning. */
export async function realPopulations(options: { flights?: boolean } = {}): Promise<Population[]> {
  const db = await Database.open();
  try {
    const seattle = await seattlePopulations(db);
    return options.flights === false ? seattle : [...seattle, ...(await flightsPopulations(db))];
  } finally {
    db.close();
  }
}

/**
 * Every population of a simulated check, in a fixed order: 11 synthetic (7 numeric, 4
 * categorical), 5 Seattle and 4 flights features, 20 in all.
 */
export async function allPopulations(seed: number, poolSize?: number): Promise<Population[]> {
  return [...syntheticPopulations(seed, poolSize), ...(await realPopulations())];
}
