import { closeSync, copyFileSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { readProfile } from '../../src/baseline/profile.js';
import { runLiveCheck } from '../../src/checks/live.js';
import { ModelConfig } from '../../src/config/schema.js';
import { Database } from '../../src/store/database.js';
import { csvEvents, storeEvents } from './samples.js';

/** DuckDB's file: three 4 KiB headers, then 256 KiB blocks, each checksummed. */
const HEADER_BYTES = 12_288;
const BLOCK_BYTES = 262_144;

/** Overwrites 64 bytes inside block `block` of a DuckDB file (its checksum then fails when the block is read). */
function smashBlock(path: string, block: number): void {
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, Buffer.alloc(64, 0xab), 0, 64, HEADER_BYTES + block * BLOCK_BYTES + 1000);
  } finally {
    closeSync(fd);
  }
}

/**
 * Corrupts one data block of a model's samples in a closed store, chosen so that a real check of
 * `window` fails on it ("Corrupt database file: computed checksum ...") while the catalog and the
 * alert tables still read, and a check succeeds again once `recovery` newer events are stored
 * (the window then lies past the corrupt rows). Each block is tried on a copy; returns the block.
 */
export async function corruptSamplesBlock(
  store: string,
  model: { name: string; baseline: string; window: string; minRows: number },
  recovery: number,
): Promise<number> {
  const config = ModelConfig.parse(model);
  const profile = readProfile(model.baseline);
  const copy = `${store}.try`;
  const blocks = Math.floor((statSync(store).size - HEADER_BYTES) / BLOCK_BYTES);
  const fresh = csvEvents('synthetic_baseline.csv').slice(0, recovery);
  for (let block = 1; block < blocks; block++) {
    rmSync(`${copy}.wal`, { force: true });
    copyFileSync(store, copy);
    smashBlock(copy, block);
    if (!(await failsThenRecovers(copy, config, profile, model.baseline, fresh))) continue;
    smashBlock(store, block);
    rmSync(copy, { force: true });
    rmSync(`${copy}.wal`, { force: true });
    return block;
  }
  throw new Error(`no block of ${store} fails the check of '${model.window}' alone`);
}

async function failsThenRecovers(
  path: string,
  config: ModelConfig,
  profile: ReturnType<typeof readProfile>,
  baseline: string,
  fresh: Record<string, unknown>[],
): Promise<boolean> {
  let db: Database;
  try {
    db = await Database.open(path);
  } catch {
    return false; // the catalog's block
  }
  try {
    for (const table of ['alert_state', 'alert_groups', 'outbox', 'reports', 'ingest_counts']) await db.rows(`SELECT * FROM ${table}`);
    const failed = await runLiveCheck(db, config, profile).then(
      () => false,
      (error: unknown) => /Corrupt database file/.test(String(error)),
    );
    if (!failed) return false;
  } catch {
    return false;
  } finally {
    db.close();
  }
  try {
    await storeEvents(path, config.name, baseline, fresh, Date.now(), 10_000_000);
    const after = await Database.open(path);
    try {
      await runLiveCheck(after, config, profile);
      return true;
    } finally {
      after.close();
    }
  } catch {
    return false;
  }
}
