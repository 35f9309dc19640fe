import { isNumericType, type LoadedTable, loadTable } from '../baseline/source.js';
import type { SkewFeature, SkewReport, SkewSide } from '../contracts/skew.js';
import { UserError, messageOf } from '../errors.js';
import { type ColumnInfo, Database } from '../store/database.js';
import { quoteIdent } from '../store/sql.js';

/** Defaults of `driftwatch skew`, in one place. */
export const SKEW_DEFAULTS = {
  /** Numbers t, s are equal when |t - s| <= tolerance * max(1, |t|, |s|): absolute below 1, relative above. */
  tolerance: 1e-6,
  /** A feature is skewed when more than this share of its compared ids differ: 0, any differing id (the same request should give the same features). */
  failOnSkew: 0,
  /** Differing ids quoted per feature, and ids quoted per one-side-only or duplicated count. */
  examples: 5,
  /** (training value -> serving value) pairs listed per categorical feature. */
  topPairs: 10,
} as const;

/** Options of `driftwatch skew`. */
export interface SkewRequest {
  training: string;
  serving: string;
  /** The join key: a column of both files. */
  id: string;
  /** Compare only these columns (default: every column both files have, but the id). */
  features?: string[];
  tolerance?: number;
  failOnSkew?: number;
}

/** One compared feature: its column on each side and how its values are compared. */
interface FeaturePlan {
  name: string;
  comparison: 'numeric' | 'categorical';
  training: ColumnInfo;
  serving: ColumnInfo;
}

const TRAINING = 'skew_training';
const SERVING = 'skew_serving';
const JOINED = 'skew_joined';

/**
 * `driftwatch skew` without the CLI: joins the training pipeline's rows and the served rows by id
 * (one FULL OUTER JOIN in DuckDB, over ids found once per side) and compares every feature value
 * by value. Ids duplicated on a side are counted, quoted and left out, never joined many-to-many.
 */
export async function runSkew(request: SkewRequest): Promise<SkewReport> {
  const tolerance = request.tolerance ?? SKEW_DEFAULTS.tolerance;
  const failOnSkew = request.failOnSkew ?? SKEW_DEFAULTS.failOnSkew;
  if (!(tolerance >= 0 && Number.isFinite(tolerance))) throw new UserError(`--tolerance must be a number >= 0, got ${tolerance}`);
  if (!(failOnSkew >= 0 && failOnSkew <= 1)) throw new UserError(`--fail-on-skew must be a share between 0 and 1, got ${failOnSkew}`);
  const db = await Database.open();
  try {
    const training = await loadSide(db, request.training, TRAINING, '--training');
    const serving = await loadSide(db, request.serving, SERVING, '--serving');
    const idTraining = requireColumn(training, request.id, '--id', 'training');
    const idServing = requireColumn(serving, request.id, '--id', 'serving');
    const plans = planFeatures(training, serving, request);
    // Ids of different types (BIGINT and VARCHAR) are joined as text.
    const sameIdType = idTraining.type === idServing.type;
    await joinSides(db, plans, request.id, sameIdType);
    const summary = await db.row(summarySql(plans, request.id, tolerance));
    const count = (key: string) => Number(summary[key] ?? 0);
    const joined = count('joined');
    // The alias is not `k`: ORDER BY k must sort the ids as they are (numbers as numbers), not as text.
    const examples = async (where: string) =>
      (await db.rows(`SELECT CAST(k AS VARCHAR) AS quoted FROM ${JOINED} WHERE ${where} ORDER BY k LIMIT ${SKEW_DEFAULTS.examples}`)).map(
        (r) => String(r.quoted),
      );
    const side = async (prefix: 't' | 's', loaded: LoadedTable, other: LoadedTable): Promise<SkewSide> => {
      const mine = prefix === 't' ? 'tn' : 'sn';
      const theirs = prefix === 't' ? 'sn' : 'tn';
      const otherColumns = new Set(other.columns.map((c) => c.name));
      return {
        file: loaded.file,
        rows: loaded.rows,
        nullIds: count(`${prefix}_null_ids`),
        duplicateIds: { count: count(`${prefix}_dup_ids`), rows: count(`${prefix}_dup_rows`), examples: await examples(`${mine} > 1`) },
        only: { count: count(`${prefix}_only`), examples: await examples(`${mine} IS NOT NULL AND ${theirs} IS NULL`) },
        unmatchedColumns: loaded.columns.map((c) => c.name).filter((name) => !otherColumns.has(name)),
      };
    };
    const features: SkewFeature[] = [];
    for (const [i, plan] of plans.entries()) {
      const differing = count(`d_${i}`);
      const differs = `tn = 1 AND sn = 1 AND NOT (${equalSql(plan, i, tolerance)})`;
      const samples =
        differing === 0
          ? []
          : (
              await db.rows(
                `SELECT CAST(k AS VARCHAR) AS quoted, CAST(t_${i} AS VARCHAR) AS t, CAST(s_${i} AS VARCHAR) AS s FROM ${JOINED} WHERE ${differs} ORDER BY k LIMIT ${SKEW_DEFAULTS.examples}`,
              )
            ).map((r) => ({ id: String(r.quoted), training: textOrNull(r.t), serving: textOrNull(r.s) }));
      const share = joined === 0 ? 0 : differing / joined;
      const feature: SkewFeature = {
        name: plan.name,
        comparison: plan.comparison,
        types: { training: plan.training.type, serving: plan.serving.type },
        compared: joined,
        differing,
        share,
        nullOnlyIn: { training: count(`tnull_${i}`), serving: count(`snull_${i}`) },
        samples,
        skew: share > failOnSkew,
      };
      if (plan.comparison === 'numeric') {
        const max = summary[`m_${i}`];
        feature.maxAbsDifference = max === null || max === undefined ? null : Number(max);
      } else {
        feature.topPairs =
          differing === 0
            ? []
            : (
                await db.rows(
                  `SELECT t_${i} AS t, s_${i} AS s, count(*)::DOUBLE AS n FROM ${JOINED} WHERE ${differs}
                   GROUP BY ALL ORDER BY n DESC, t NULLS FIRST, s NULLS FIRST LIMIT ${SKEW_DEFAULTS.topPairs}`,
                )
              ).map((r) => ({ training: textOrNull(r.t), serving: textOrNull(r.s), count: Number(r.n) }));
      }
      features.push(feature);
    }
    return {
      id: request.id,
      idTypes: { training: idTraining.type, serving: idServing.type },
      training: await side('t', training, serving),
      serving: await side('s', serving, training),
      joined,
      tolerance,
      failOnSkew,
      skew: features.some((f) => f.skew),
      features,
      generatedAt: new Date().toISOString(),
    };
  } finally {
    db.close();
  }
}

const textOrNull = (value: unknown) => (value === null || value === undefined ? null : String(value));

/** Loads one side through the data file reader; its errors name the flag, so the user knows which file. */
async function loadSide(db: Database, file: string, table: string, flag: string): Promise<LoadedTable> {
  try {
    return await loadTable(db, file, table);
  } catch (error) {
    if (error instanceof UserError) throw new UserError(`${flag}: ${messageOf(error)}`);
    throw error;
  }
}

function requireColumn(side: LoadedTable, name: string, flag: string, which: 'training' | 'serving'): ColumnInfo {
  const column = side.columns.find((c) => c.name === name);
  if (!column)
    throw new UserError(
      `${flag}: '${name}' is not a column of the ${which} file '${side.file}'; its columns: ${side.columns.map((c) => c.name).join(', ')}`,
    );
  return column;
}

/** The features to compare, and how: numbers when both sides hold a number type, text otherwise. */
function planFeatures(training: LoadedTable, serving: LoadedTable, request: SkewRequest): FeaturePlan[] {
  const servingNames = new Set(serving.columns.map((c) => c.name));
  let names: string[];
  if (request.features && request.features.length > 0) {
    for (const name of request.features) {
      if (name === request.id) throw new UserError(`--features: '${name}' is the --id column; it is the join key, not a feature`);
      requireColumn(training, name, '--features', 'training');
      requireColumn(serving, name, '--features', 'serving');
    }
    names = [...new Set(request.features)];
  } else {
    names = training.columns.map((c) => c.name).filter((name) => name !== request.id && servingNames.has(name));
    if (names.length === 0)
      throw new UserError(
        `no column but the id '${request.id}' is in both files: training '${training.file}' has ${training.columns.map((c) => c.name).join(', ')}; serving '${serving.file}' has ${serving.columns.map((c) => c.name).join(', ')}`,
      );
  }
  return names.map((name) => {
    const t = training.columns.find((c) => c.name === name)!;
    const s = serving.columns.find((c) => c.name === name)!;
    return { name, comparison: isNumericType(t.type) && isNumericType(s.type) ? 'numeric' : 'categorical', training: t, serving: s };
  });
}

/** The value of a feature as it is compared: DOUBLE for numbers, VARCHAR otherwise. */
function valueSql(plan: FeaturePlan, column: ColumnInfo): string {
  return `CAST(${quoteIdent(column.name)} AS ${plan.comparison === 'numeric' ? 'DOUBLE' : 'VARCHAR'})`;
}

/**
 * One row per id and side (its row count, and its values when it is on one row), then the two
 * sides joined by id in one FULL OUTER JOIN: every id of either side, once.
 */
async function joinSides(db: Database, plans: readonly FeaturePlan[], id: string, sameIdType: boolean): Promise<void> {
  const key = sameIdType ? quoteIdent(id) : `CAST(${quoteIdent(id)} AS VARCHAR)`;
  const keyed = (table: string, side: 'training' | 'serving') =>
    `SELECT ${key} AS k, count(*) AS n${plans.map((p, i) => `, first(${valueSql(p, p[side])}) AS c_${i}`).join('')}
     FROM ${table} WHERE ${quoteIdent(id)} IS NOT NULL GROUP BY ${key}`;
  await db.run(
    `CREATE OR REPLACE TEMP TABLE ${JOINED} AS
     SELECT coalesce(t.k, s.k) AS k, t.n AS tn, s.n AS sn${plans.map((_, i) => `, t.c_${i} AS t_${i}, s.c_${i} AS s_${i}`).join('')}
     FROM (${keyed(TRAINING, 'training')}) t FULL OUTER JOIN (${keyed(SERVING, 'serving')}) s ON t.k = s.k`,
  );
}

/**
 * SQL that is true when feature i's two values are equal: both null, or the same, or (numbers)
 * both finite and within the tolerance. Null against a value is a difference.
 */
function equalSql(plan: FeaturePlan, i: number, tolerance: number): string {
  const t = `t_${i}`;
  const s = `s_${i}`;
  if (plan.comparison === 'categorical') return `(${t} IS NULL AND ${s} IS NULL) OR coalesce(${t} = ${s}, false)`;
  // DuckDB's = holds for NaN = NaN and inf = inf; the tolerance applies to finite numbers only.
  return `(${t} IS NULL AND ${s} IS NULL) OR coalesce(${t} = ${s} OR (isfinite(${t}) AND isfinite(${s}) AND abs(${t} - ${s}) <= CAST(${tolerance} AS DOUBLE) * greatest(1, abs(${t}), abs(${s}))), false)`;
}

/** One pass over the joined ids: the counts of both sides and of every feature. */
function summarySql(plans: readonly FeaturePlan[], id: string, tolerance: number): string {
  const both = 'tn = 1 AND sn = 1';
  const perFeature = plans.map((plan, i) => {
    const differs = `${both} AND NOT (${equalSql(plan, i, tolerance)})`;
    return [
      `count(*) FILTER (WHERE ${differs})::DOUBLE AS d_${i}`,
      `count(*) FILTER (WHERE ${both} AND t_${i} IS NULL AND s_${i} IS NOT NULL)::DOUBLE AS tnull_${i}`,
      `count(*) FILTER (WHERE ${both} AND s_${i} IS NULL AND t_${i} IS NOT NULL)::DOUBLE AS snull_${i}`,
      ...(plan.comparison === 'numeric'
        ? [`max(abs(t_${i} - s_${i})) FILTER (WHERE ${differs} AND isfinite(t_${i}) AND isfinite(s_${i})) AS m_${i}`]
        : []),
    ].join(', ');
  });
  const nullIds = (table: string) => `(SELECT count(*) FROM ${table} WHERE ${quoteIdent(id)} IS NULL)::DOUBLE`;
  return `SELECT
      ${nullIds(TRAINING)} AS t_null_ids,
      ${nullIds(SERVING)} AS s_null_ids,
      count(*) FILTER (WHERE ${both})::DOUBLE AS joined,
      count(*) FILTER (WHERE tn IS NOT NULL AND sn IS NULL)::DOUBLE AS t_only,
      count(*) FILTER (WHERE sn IS NOT NULL AND tn IS NULL)::DOUBLE AS s_only,
      count(*) FILTER (WHERE tn > 1)::DOUBLE AS t_dup_ids,
      coalesce(sum(tn) FILTER (WHERE tn > 1), 0)::DOUBLE AS t_dup_rows,
      count(*) FILTER (WHERE sn > 1)::DOUBLE AS s_dup_ids,
      coalesce(sum(sn) FILTER (WHERE sn > 1), 0)::DOUBLE AS s_dup_rows${perFeature.length ? `,\n      ${perFeature.join(',\n      ')}` : ''}
    FROM ${JOINED}`;
}
