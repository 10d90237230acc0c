// Proves that every boundary rule of `pnpm lint` bites: plants one violation per rule in a
// temporary file inside the tree (where the rule applies), runs ESLint and dependency-cruiser on
// them, and expects each named rule to fail on its own file. A file in an allowed place must pass.
// The planted files are removed however the run ends. Run: node --test scripts/lint-rules.test.mjs
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tag = randomBytes(4).toString('hex');
const planted = [];
const plantedDirs = [];

function remove() {
  for (const file of planted.splice(0)) rmSync(file, { force: true });
  for (const dir of plantedDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}
// Also on Ctrl-C or a crash: nothing of the probe may stay in the tree.
process.on('exit', remove);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));

/** Writes a probe file (relative to the root) and returns its relative path. */
function plant(relative, code) {
  const file = path.join(root, relative);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, code);
  planted.push(file);
  return relative;
}
/** A folder of probes of its own (a fake web feature), removed with its files. */
function plantDir(relative) {
  plantedDirs.push(path.join(root, relative));
  return relative;
}

const webProbes = plantDir(`apps/web/src/features/lint-probe-${tag}`);
const strategyProbes = plantDir(`apps/web/src/features/auth/strategies/lint-probe-${tag}`);

/** ESLint: rule → a file that breaks it, and words its message must contain. */
const ESLINT_CASES = [
  {
    what: 'only apps/server/src/tokens/ imports jose',
    rule: 'no-restricted-imports',
    words: 'Only apps/server/src/tokens/ imports jose',
    file: () => plant(`apps/server/src/lint-probe-${tag}-jose.ts`, "import { decodeJwt } from 'jose';\nexport const probe = decodeJwt;\n"),
  },
  {
    what: 'packages/shared uses no DOM',
    rule: 'no-restricted-globals',
    words: 'no DOM',
    file: () => plant(`packages/shared/src/lint-probe-${tag}-dom.ts`, 'export const probe = () => document.title;\n'),
  },
  {
    what: 'packages/shared uses no Node',
    rule: 'no-restricted-globals',
    words: 'no Node',
    file: () => plant(`packages/shared/src/lint-probe-${tag}-node-global.ts`, 'export const probe = () => process.env;\n'),
  },
  {
    what: 'only the strategy module touches localStorage',
    rule: 'no-restricted-globals',
    words: 'Only the storage-strategy module touches web storage',
    file: () => plant(`${webProbes}/local-storage.ts`, "export const probe = () => localStorage.getItem('jwtlab.accessToken');\n"),
  },
  {
    what: 'only the strategy module touches sessionStorage, even through window',
    rule: 'no-restricted-properties',
    words: 'Only the storage-strategy module touches web storage',
    file: () => plant(`${webProbes}/session-storage.ts`, "export const probe = () => window.sessionStorage.getItem('token');\n"),
  },
  {
    what: 'only the strategy module sets Authorization',
    rule: 'no-restricted-syntax',
    words: 'Only the storage-strategy module sets or reads Authorization',
    file: () => plant(`${webProbes}/authorization.ts`, "export const probe = (token: string) => fetch('/api/private', { headers: { Authorization: `Bearer ${token}` } });\n"),
  },
  {
    what: 'only the strategy module sets X-CSRF-Token',
    rule: 'no-restricted-syntax',
    words: 'Only the storage-strategy module sets or reads Authorization, DPoP and X-CSRF-Token',
    file: () => plant(`${webProbes}/csrf-header.ts`, "export const probe = (headers: Headers, token: string) => headers.set('X-CSRF-Token', token);\n"),
  },
  {
    what: 'only the strategy module sets DPoP',
    rule: 'no-restricted-syntax',
    words: 'Only the storage-strategy module sets or reads Authorization, DPoP and X-CSRF-Token',
    file: () => plant(`${webProbes}/dpop-header.ts`, "export const probe = (proof: string) => ({ 'DPoP': proof });\n"),
  },
  {
    what: 'no `as unknown as`',
    rule: 'no-restricted-syntax',
    words: '`as unknown as` turns off the type checker',
    file: () => plant(`apps/server/src/lint-probe-${tag}-double-cast.ts`, 'export const probe = (value: string) => value as unknown as number;\n'),
  },
  {
    what: 'no cast of JSON.parse (server)',
    rule: 'no-restricted-syntax',
    words: 'never cast JSON.parse',
    file: () => plant(`apps/server/src/lint-probe-${tag}-json-cast.ts`, 'export const probe = (text: string) => JSON.parse(text) as { port: number };\n'),
  },
  {
    what: 'no cast of JSON.parse (page)',
    rule: 'no-restricted-syntax',
    words: 'never cast JSON.parse',
    file: () => plant(`${webProbes}/json-cast.ts`, 'export const probe = (text: string) => JSON.parse(text) as { csrfToken: string };\n'),
  },
];

/** dependency-cruiser: rule → the files that break it. */
const DEPCRUISE_CASES = [
  {
    rule: 'web-never-imports-server',
    files: () => [plant(`${webProbes}/imports-server.ts`, "import { ERROR_TABLE } from '../../../../server/src/errors/api-error';\nexport const probe = ERROR_TABLE;\n")],
  },
  {
    rule: 'server-never-imports-web',
    files: () => [plant(`apps/server/src/lint-probe-${tag}-imports-web.ts`, "import { formatClock } from '../../web/src/lib/time.js';\nexport const probe = formatClock;\n")],
  },
  {
    rule: 'shared-imports-no-node',
    files: () => [plant(`packages/shared/src/lint-probe-${tag}-node-import.ts`, "import { readFileSync } from 'node:fs';\nexport const probe = readFileSync;\n")],
  },
  {
    rule: 'shared-imports-no-app',
    files: () => [plant(`packages/shared/src/lint-probe-${tag}-imports-app.ts`, "import { formatClock } from '../../../apps/web/src/lib/time.js';\nexport const probe = formatClock;\n")],
  },
  {
    rule: 'features-stay-apart',
    files: () => [plant(`${webProbes}/imports-feature.ts`, "import { createRequestLog } from '../request-log/request-log-store';\nexport const probe = createRequestLog;\n")],
  },
  {
    rule: 'no-circular',
    files: () => [
      plant(`apps/server/src/lint-probe-${tag}-cycle-a.ts`, `import { b } from './lint-probe-${tag}-cycle-b.js';\nexport const a = () => b;\n`),
      plant(`apps/server/src/lint-probe-${tag}-cycle-b.ts`, `import { a } from './lint-probe-${tag}-cycle-a.js';\nexport const b = () => a;\n`),
    ],
  },
];

const eslintFiles = new Map();
const depcruiseFiles = new Map();
let allowedFile;
let lintResults;
let depcruiseViolations;

before(async () => {
  for (const entry of ESLINT_CASES) eslintFiles.set(entry, entry.file());
  for (const entry of DEPCRUISE_CASES) depcruiseFiles.set(entry, entry.files());
  allowedFile = plant(`${strategyProbes}/strategy.ts`, "export const probe = (token: string) => { localStorage.setItem('jwtlab.accessToken', token); return { Authorization: `Bearer ${token}` }; };\n");

  // One ESLint run over every probe: the type information is built once per project.
  const eslint = new ESLint({ cwd: root });
  lintResults = new Map((await eslint.lintFiles([...eslintFiles.values(), allowedFile])).map((result) => [path.relative(root, result.filePath), result.messages]));

  const cruise = spawnSync(
    process.execPath,
    [path.join(root, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs'), '--config', '.dependency-cruiser.cjs', '--output-type', 'json', ...[...depcruiseFiles.values()].flat()],
    { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  assert.ok(cruise.stdout, `dependency-cruiser printed nothing: ${cruise.stderr}`);
  depcruiseViolations = JSON.parse(cruise.stdout).summary.violations;
});
after(remove);

describe('ESLint rules bite', () => {
  for (const entry of ESLINT_CASES) {
    it(`${entry.what}: ${entry.rule}`, () => {
      const messages = lintResults.get(eslintFiles.get(entry)) ?? [];
      assert.deepEqual(messages.filter((message) => message.fatal), [], 'the probe must parse');
      const hits = messages.filter((message) => message.ruleId === entry.rule && message.message.includes(entry.words));
      assert.ok(hits.length > 0, `expected ${entry.rule} ("${entry.words}"), got: ${JSON.stringify(messages.map((message) => `${message.ruleId}: ${message.message}`))}`);
    });
  }

  it('the storage-strategy module may touch storage and credential headers', () => {
    assert.deepEqual(lintResults.get(allowedFile), []);
  });
});

describe('dependency-cruiser rules bite', () => {
  for (const entry of DEPCRUISE_CASES) {
    it(entry.rule, () => {
      const files = depcruiseFiles.get(entry);
      const hits = depcruiseViolations.filter((violation) => violation.rule.name === entry.rule && files.includes(violation.from));
      assert.ok(hits.length > 0, `expected ${entry.rule} from ${files.join(', ')}, got: ${JSON.stringify(depcruiseViolations.map((violation) => `${violation.rule.name}: ${violation.from} → ${violation.to}`))}`);
    });
  }
});
