import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Express, Response } from 'express';

/**
 * The dashboard: a public HTML shell at `/` and `/models/{model}` plus its script and stylesheet
 * under `/dashboard/`. The shell holds no data; the script asks for a token once (kept in
 * sessionStorage) and reads everything from the token-protected JSON API, inserting every data
 * string as text (never as HTML). Nothing is loaded from outside the app, so helmet's default
 * CSP (`script-src 'self'`, no inline script) holds and it works offline.
 * @example createApp({ ...deps, extend: (app) => mountDashboard(app) });
 */
export function mountDashboard(app: Express): void {
  const assets = readAssets();
  const send = (res: Response, name: keyof typeof assets) => {
    const asset = assets[name];
    // Short cache: the files change only with a new release, which restarts the process.
    res.type(asset.type).setHeader('Cache-Control', 'no-cache');
    res.send(asset.body);
  };
  app.get('/', (_req, res) => send(res, 'index.html'));
  app.get('/models/:model', (_req, res) => send(res, 'index.html'));
  app.get('/dashboard/dashboard.js', (_req, res) => send(res, 'dashboard.js'));
  app.get('/dashboard/dashboard.css', (_req, res) => send(res, 'dashboard.css'));
}

const ASSET_TYPES = {
  'index.html': 'text/html; charset=utf-8',
  'dashboard.js': 'text/javascript; charset=utf-8',
  'dashboard.css': 'text/css; charset=utf-8',
} as const;

type AssetName = keyof typeof ASSET_TYPES;

/** The assets, read once at mount: a missing file stops start-up rather than a page later. */
function readAssets(): Record<AssetName, { type: string; body: string }> {
  const dir = assetsDir();
  return Object.fromEntries(
    (Object.keys(ASSET_TYPES) as AssetName[]).map((name) => [
      name,
      { type: ASSET_TYPES[name], body: readFileSync(`${dir}/${name}`, 'utf8') },
    ]),
  ) as Record<AssetName, { type: string; body: string }>;
}

/**
 * Beside this module under src/; tsc does not copy non-TS files, so from dist/api/dashboard/ fall
 * back to the source tree (the package ships src/ too) until the build copies them.
 */
function assetsDir(): string {
  const candidates = [new URL('./assets', import.meta.url), new URL('../../../src/api/dashboard/assets', import.meta.url)].map((u) =>
    fileURLToPath(u),
  );
  const found = candidates.find((dir) => existsSync(`${dir}/index.html`));
  if (!found) throw new Error(`dashboard assets not found; looked in: ${candidates.join(', ')}`);
  return found;
}
