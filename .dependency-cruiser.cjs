// dependency-cruiser: the import graph's rules, run by `pnpm lint` beside ESLint. Paths are
// resolved (symlinks, package exports, TypeScript's .js → .ts), so a rule holds however an import
// is spelled. scripts/lint-rules.test.mjs plants a violation of each rule and expects it named.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A module never depends on itself through others: cycles make load order and reading order matter.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'web-never-imports-server',
      severity: 'error',
      comment: 'The page talks to the server over HTTP only; what both need lives in packages/shared.',
      from: { path: '^apps/web/' },
      to: { path: '^apps/server/' },
    },
    {
      name: 'server-never-imports-web',
      severity: 'error',
      comment: 'The server serves the built page as files; it never imports page code.',
      from: { path: '^apps/server/' },
      to: { path: '^apps/web/' },
    },
    {
      name: 'shared-imports-no-node',
      severity: 'error',
      comment: 'packages/shared runs in the page and in the server: no Node built-ins.',
      from: { path: '^packages/shared/src/', pathNot: '\\.test\\.ts$' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'shared-imports-no-app',
      severity: 'error',
      comment: 'packages/shared is below both apps: it imports neither (and so no DOM code either).',
      from: { path: '^packages/shared/' },
      to: { path: '^(apps|e2e)/' },
    },
    {
      name: 'features-stay-apart',
      severity: 'error',
      comment:
        'A web feature never imports another feature (bulletproof-react): compose them in app/, share through lib/. A test may compose them as app/ does.',
      from: { path: '^apps/web/src/features/([^/]+)/', pathNot: '\\.test\\.tsx?$' },
      to: { path: '^apps/web/src/features/([^/]+)/', pathNot: '^apps/web/src/features/$1/' },
    },
  ],
  options: {
    exclude: { path: '(^|/)(node_modules|dist|build-types|test-results|playwright-report)/' },
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count: a cycle through types is still a cycle for a reader.
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      // packages/shared is used from source in the workspace (its "@jwt-lab/source" export condition).
      conditionNames: ['@jwt-lab/source', 'import', 'require', 'node', 'default'],
      exportsFields: ['exports'],
      extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.json'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
