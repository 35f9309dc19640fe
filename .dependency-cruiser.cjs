/**
 * The layout's rules (issue 13), checked by `npm run lint` and test/layout.test.ts.
 * Layers, lowest first: stats (pure statistics) -> contracts (zod schemas of the report, alert,
 * event and profile) -> config -> store (the only code that reads or writes the service's tables)
 * -> ingest, checks, render -> alerts -> api, schedule -> serve.ts, cli.ts (composition roots).
 */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'No import cycle between files: a cycle means two files are one module, or a contract sits in the wrong place.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'stats-are-pure',
      severity: 'error',
      comment: 'src/stats/ computes statistics from numbers; it imports nothing else of driftwatch.',
      from: { path: '^src/stats/' },
      to: { path: '^src/', pathNot: '^src/stats/' },
    },
    {
      name: 'contracts-import-only-stats',
      severity: 'error',
      comment: 'Contracts (zod schemas of the report, alert, event, profile) import nothing above src/stats/.',
      from: { path: '^src/contracts/' },
      to: { path: '^src/', pathNot: '^src/(contracts|stats)/' },
    },
    {
      name: 'config-imports-only-contracts',
      severity: 'error',
      comment: 'The config schema imports only contracts and stats (and its own helpers), never the parts it configures.',
      from: { path: '^src/config/' },
      to: { path: '^src/', pathNot: '^src/(config|contracts|stats)/|^src/errors\\.ts$' },
    },
    {
      name: 'store-below-its-users',
      severity: 'error',
      comment: 'The store answers questions; it imports nothing from the parts that ask them.',
      from: { path: '^src/store/', pathNot: '\\.test\\.ts$' },
      to: { path: '^src/(ingest|checks|alerts|api|schedule|render|reports|demo|baseline)/|^src/(serve|cli)\\.ts$' },
    },
    {
      name: 'render-is-presentation',
      severity: 'error',
      comment: 'Renderers turn contracts into text, HTML and charts; they run no query and send nothing.',
      from: { path: '^src/render/' },
      to: { path: '^src/', pathNot: '^src/(render|contracts|stats|config)/' },
    },
    {
      name: 'no-sibling-channels',
      severity: 'error',
      comment: "A channel never imports a sibling channel; channels share the parent's helpers and src/render/.",
      from: { path: '^src/alerts/channels/([^/]+)/' },
      to: { path: '^src/alerts/channels/[^/]+/', pathNot: '^src/alerts/channels/$1/' },
    },
    {
      name: 'no-test-code-in-src',
      severity: 'error',
      comment: 'What ships does not import tests, test helpers or benchmarks.',
      from: { path: '^src/', pathNot: '\\.test\\.ts$' },
      to: { path: '^(test|bench)/|\\.test\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
      extensions: ['.ts', '.js'],
    },
  },
};
