// The OpenAPI document against the real app: every route express has is documented and every
// documented operation is a route; each operation's security is what the server enforces.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Express } from 'express';
import { type Harness, startHarness } from '../../test/helpers/api-harness.js';
import type { OpenApiDocument } from './openapi.js';
import { expressPath } from './route.js';

/** The layers of express's router that hold a route (express 5: `app.router.stack`). */
interface RouteLayer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
}

/** `METHOD path` of every route registered on the app, as express holds them. */
function registeredRoutes(app: Express): string[] {
  const stack = (app.router as unknown as { stack: RouteLayer[] }).stack;
  return stack
    .flatMap((layer) => {
      if (!layer.route) return [];
      const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
      const methods = Object.keys(layer.route.methods).filter((m) => m !== '_all');
      return paths.flatMap((p) => methods.map((m) => `${m.toUpperCase()} ${p}`));
    })
    .sort();
}

function documentedRoutes(doc: OpenApiDocument): string[] {
  return Object.entries(doc.paths)
    .flatMap(([path, operations]) => Object.keys(operations).map((m) => `${m.toUpperCase()} ${expressPath(path)}`))
    .sort();
}

/** A concrete URL of a documented path, with plausible values for its parameters. */
function sampleUrl(path: string): string {
  const values: Record<string, string> = { model: 'fraud', version: 'v1', id: 'x-1', fingerprint: '0123456789abcdef' };
  return path.replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? 'x');
}

let h: Harness;
let doc: OpenApiDocument;

before(async () => {
  h = await startHarness();
  const response = await h.request('/api/v1/openapi.json');
  assert.equal(response.status, 200);
  doc = (await response.json()) as OpenApiDocument;
});
after(() => h.close());

describe('OpenAPI document', () => {
  it('documents exactly the routes express has registered', () => {
    const registered = registeredRoutes(h.app);
    const documented = documentedRoutes(doc);
    assert.ok(registered.length >= 17, `routes found: ${registered.join(', ')}`);
    assert.deepEqual(
      registered.filter((r) => !documented.includes(r)),
      [],
      'routes missing from the document',
    );
    assert.deepEqual(
      documented.filter((r) => !registered.includes(r)),
      [],
      'documented operations that are not routes',
    );
  });

  it('notices a route added outside the document', async () => {
    const extended = await startHarness({ deps: { extend: (app) => app.get('/api/v1/undocumented', (_req, res) => void res.json({})) } });
    try {
      assert.deepEqual(
        registeredRoutes(extended.app).filter((r) => !documentedRoutes(doc).includes(r)),
        ['GET /api/v1/undocumented'],
      );
    } finally {
      await extended.close();
    }
  });

  it('covers the contract routes of issue 5', () => {
    const documented = documentedRoutes(doc);
    for (const route of [
      'GET /healthz',
      'GET /readyz',
      'GET /metrics',
      'GET /api/v1/openapi.json',
      'GET /api/v1/models',
      'GET /api/v1/models/:model',
      'GET /api/v1/models/:model/baselines',
      'GET /api/v1/models/:model/baselines/:version',
      'POST /api/v1/models/:model/baselines',
      'POST /api/v1/models/:model/checks',
      'GET /api/v1/models/:model/checks',
      'GET /api/v1/checks/:id',
      'GET /api/v1/alerts',
      'POST /api/v1/alerts/:fingerprint/silence',
      'DELETE /api/v1/alerts/:fingerprint/silence',
      'GET /api/v1/outbox',
      'POST /api/v1/outbox/:id/retry',
      'POST /api/v1/models/:model/events',
    ])
      assert.ok(documented.includes(route), route);
  });

  it('is OpenAPI 3.1 with a bearer scheme, unique operation ids and every path parameter declared', () => {
    assert.equal(doc.openapi, '3.1.0');
    assert.deepEqual(doc.components.securitySchemes.bearerAuth, {
      type: 'http',
      scheme: 'bearer',
      description: (doc.components.securitySchemes.bearerAuth as { description: string }).description,
    });
    const ids = new Set<string>();
    for (const [path, operations] of Object.entries(doc.paths)) {
      const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      for (const [method, op] of Object.entries(operations)) {
        assert.ok(!ids.has(op.operationId), `duplicate ${op.operationId}`);
        ids.add(op.operationId);
        const declared = (op.parameters ?? [])
          .filter((p) => p.in === 'path')
          .map((p) => p.name)
          .sort();
        assert.deepEqual(declared, inPath, `${method} ${path}`);
        assert.ok(
          Object.keys(op.responses).some((s) => s.startsWith('2')),
          `${method} ${path} has a success response`,
        );
        if (op.security.length > 0) assert.ok(op.responses['401'] && op.responses['403'], `${method} ${path} documents 401 and 403`);
        if (op.requestBody) assert.ok(op.responses['400'], `${method} ${path} documents 400`);
      }
    }
  });

  it("each operation's security is what the server enforces", async () => {
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(operations)) {
        const response = await h.request(sampleUrl(path), { token: null, method: method.toUpperCase() });
        await response.arrayBuffer();
        if (op.security.length > 0) assert.equal(response.status, 401, `${method} ${path} without a token`);
        else assert.notEqual(response.status, 401, `${method} ${path} is open`);
        if (op['x-scope'] === 'admin' || op['x-scope'] === 'ingest') {
          const read = await h.request(sampleUrl(path), { token: 'read', method: method.toUpperCase() });
          await read.arrayBuffer();
          assert.equal(read.status, 403, `${method} ${path} with a read token`);
        }
      }
    }
  });

  it('documents /metrics as open exactly when api.metricsPublic is set (per app)', async () => {
    assert.deepEqual(doc.paths['/metrics']!.get!.security, [{ bearerAuth: [] }]);
    const open = await startHarness({ api: { metricsPublic: true } });
    try {
      const openDoc = (await (await open.request('/api/v1/openapi.json')).json()) as OpenApiDocument;
      assert.deepEqual(openDoc.paths['/metrics']!.get!.security, []);
      const again = (await (await h.request('/api/v1/openapi.json')).json()) as OpenApiDocument;
      assert.deepEqual(again.paths['/metrics']!.get!.security, [{ bearerAuth: [] }], 'each app its own document');
    } finally {
      await open.close();
    }
  });

  it('the document needs a read token, like the rest of the API', async () => {
    assert.equal((await h.request('/api/v1/openapi.json', { token: null })).status, 401);
  });
});
