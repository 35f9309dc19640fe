import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { Database } from '../../src/store/database.js';
import { samplesTable } from '../../src/store/schema.js';
import { quoteIdent } from '../../src/store/sql.js';
import { ROOT } from './cli.js';

/** A `driftwatch serve` process, with its log lines collected. */
export class ServeProcess {
  readonly lines: string[] = [];
  private readonly exited: Promise<number | null>;

  private constructor(readonly child: ChildProcess) {
    let buffer = '';
    child.stderr!.on('data', (d: Buffer) => {
      buffer += d.toString();
      const parts = buffer.split('\n');
      buffer = parts.pop() ?? '';
      this.lines.push(...parts);
    });
    this.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))));
  }

  /** Starts the real CLI (node dist/cli.js serve) and waits until `models` consumers run. */
  static async start(configPath: string, models: number, env: NodeJS.ProcessEnv = {}): Promise<ServeProcess> {
    const child = spawn(process.execPath, [join(ROOT, 'dist', 'cli.js'), 'serve', '--config', configPath], {
      cwd: ROOT,
      env: { ...process.env, DRIFTWATCH_LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const serve = new ServeProcess(child);
    await serve.waitForLog(/model ingest started/, 60_000, models);
    await serve.waitForLog(/"msg":"serving"/, 60_000);
    return serve;
  }

  /** The API's base URL, from the service's "API listening" log line. */
  apiUrl(): string {
    const line = this.lines.find((l) => /"msg":"API listening"/.test(l));
    if (!line) throw new Error('the service logged no API URL');
    return String(JSON.parse(line).url);
  }

  /** Waits until `count` log lines match; throws with the log on exit or time-out. */
  async waitForLog(pattern: RegExp, timeoutMs = 30_000, count = 1): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.lines.filter((l) => pattern.test(l)).length < count) {
      if (this.child.exitCode !== null)
        throw new Error(`serve exited (${this.child.exitCode}) before ${pattern}:\n${this.lines.join('\n')}`);
      if (Date.now() > deadline) throw new Error(`no ${pattern} within ${timeoutMs} ms:\n${this.lines.slice(-30).join('\n')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** SIGTERM: the service finishes its batch, closes the store, exits. Returns the exit code. */
  async stop(): Promise<number | null> {
    this.child.kill('SIGTERM');
    return this.exited;
  }

  /** Waits for the process to exit by itself; returns its exit code (-1 for a signal). */
  async waitForExit(timeoutMs: number): Promise<number | null> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`serve did not exit within ${timeoutMs} ms:\n${this.lines.slice(-30).join('\n')}`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGKILL: no chance to flush anything. */
  async kill(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited;
  }
}

/** Writes a config file for tests. */
export function writeConfig(dir: string, config: Record<string, unknown>, name = 'driftwatch.yaml'): string {
  const path = join(dir, name);
  // Port 0: each service of the suite gets a free port (tests run in parallel).
  writeFileSync(path, stringify({ api: { port: 0 }, ...config }));
  return path;
}

/** Reads the store after the service exited (DuckDB lets one process hold the file). */
export async function readStore<T>(path: string, read: (db: Database) => Promise<T>): Promise<T> {
  const db = await Database.open(path);
  try {
    return await read(db);
  } finally {
    db.close();
  }
}

/**
 * Asserts what "stored exactly once" means for a model fed from one topic: `total` rows, all
 * distinct by (partition, offset); per partition as many rows as its stored `next_offset`; and
 * the `consumed` counter at `total`. Reads the store after the service exited.
 */
export async function assertStoredOnce(store: string, model: string, total: number): Promise<void> {
  const table = quoteIdent(samplesTable(model));
  const found = await readStore(store, async (db) => ({
    total: await db.row(`SELECT count(*)::INTEGER AS n, count(DISTINCT (_partition, _offset))::INTEGER AS d FROM ${table}`),
    partitions: await db.rows(
      `SELECT o."partition" AS p, o.next_offset::INTEGER AS next, (SELECT count(*)::INTEGER FROM ${table} s WHERE s._partition = o."partition") AS n FROM offsets o WHERE model = ? ORDER BY 1`,
      [model],
    ),
    consumed: Number((await db.row(`SELECT value FROM ingest_counts WHERE model = ? AND counter = 'consumed'`, [model])).value),
  }));
  assert.deepEqual(found.total, { n: total, d: total }, 'every event stored once');
  for (const p of found.partitions) assert.equal(p.n, p.next, `partition ${p.p}: rows == next_offset`);
  assert.equal(found.consumed, total, 'the consumed counter counted each event once');
}
