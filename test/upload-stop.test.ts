// A baseline upload in progress when `serve` stops (issue 15, HTTP 7): the temporary folder of the
// upload is removed on the way out (before: it stayed in the temporary directory for good), and
// one left by a killed process is removed by the next process's first upload.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { tempDir } from './helpers/cli.js';
import { testBaseline } from './helpers/events.js';
import { ServeProcess, writeConfig } from './helpers/service.js';

const tmp = tempDir('driftwatch-test-upload-stop-');
after(() => tmp.cleanup());
const ADMIN = 'admin-token-upload-stop-0123456789';

/** The upload folders of a process in the temporary directory. */
const uploadDirs = (pid: number) => readdirSync(tmpdir()).filter((n) => n.startsWith(`driftwatch-upload-${pid}-`));

/** A CSV of `rows` rows of four features: big enough that its profile takes seconds. */
function bigCsv(rows: number): string {
  const lines = ['amount,age,score,channel'];
  for (let i = 0; i < rows; i++) lines.push(`${i % 1000}.5,${20 + (i % 50)},0.${i % 97},${['web', 'app', 'store'][i % 3]}`);
  return `${lines.join('\n')}\n`;
}

describe('baseline upload when serve stops', { timeout: 120_000 }, () => {
  it("SIGTERM during a profile: the upload's temporary folder is gone after exit; a killed process's is swept", async () => {
    const baseline = await testBaseline(tmp.dir, 'uploads');
    const config = writeConfig(tmp.dir, { storage: { path: join(tmp.dir, 'uploads.duckdb') }, models: [{ name: 'uploads', baseline }] });
    // A folder a killed process left behind (no process has this id).
    const stale = join(tmpdir(), 'driftwatch-upload-999999999-leftover');
    mkdirSync(stale, { recursive: true });
    writeFileSync(join(stale, 'body'), 'x');
    const serve = await ServeProcess.start(config, 1, { DRIFTWATCH_API_TOKENS: `admin:${ADMIN}` });
    const pid = serve.child.pid!;
    let code: number | null;
    try {
      const upload = fetch(`${serve.apiUrl()}/api/v1/models/uploads/baselines?version=big`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'text/csv' },
        body: bigCsv(1_500_000),
      }).catch((error: unknown) => error);
      const deadline = Date.now() + 30_000;
      while (uploadDirs(pid).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.equal(uploadDirs(pid).length, 1, 'the upload has its temporary folder');
      assert.ok(!existsSync(stale), "the killed process's folder is removed by the first upload");
      await new Promise((r) => setTimeout(r, 500));
      code = await serve.stop();
      await upload;
    } finally {
      if (serve.child.exitCode === null) await serve.kill();
    }
    assert.equal(code, 0, serve.lines.slice(-10).join('\n'));
    assert.deepEqual(uploadDirs(pid), [], 'no temporary folder remains after the process exits');
  });
});
