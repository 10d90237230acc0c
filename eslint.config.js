// ESLint for the whole workspace: typescript-eslint with type information, and the boundary rules
// of the house style (../shared/STYLE.md) as rules that fail the build. Import boundaries between
// folders (web ↔ server, feature ↔ feature, no cycles) are dependency-cruiser's (.dependency-cruiser.cjs);
// `pnpm lint` runs both, and scripts/lint-rules.test.mjs proves that every rule here bites.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// ---------------------------------------------------------------------------------------------
// The paths the boundary rules allow. One place, so that moving a module means editing one list.

/** The page's storage-strategy module: the only code that touches web storage or credential headers. */
export const CREDENTIAL_STRATEGY_MODULES = [
  // One module per strategy.
  'apps/web/src/features/auth/strategies/**',
];

/**
 * Code that must touch storage and credential headers because it plays the attacker: the XSS
 * payload reads storage and catches the next Authorization header, as a real injected script would.
 */
export const ATTACKER_SIMULATION_MODULES = ['apps/web/src/features/attack-lab/xss-payload.ts'];

/**
 * Files that break a rule today and are being rewritten on another branch: file → the rules it may
 * still break, and why. Each entry leaves this list when that rewrite lands (issue 17's note).
 * No eslint-disable comments anywhere: exceptions live here, where they can be seen. Empty today.
 * @type {Record<string, string[]>}
 */
export const PENDING_FIXES = {};

/** The only server code that may import jose: it pins algorithms, issuer, audience and typ in one place. */
export const JOSE_MODULES = ['apps/server/src/tokens/**'];

/** Tests and their helpers: they play the browser, the server or the attacker on purpose. */
const TESTS = ['**/*.test.ts', '**/*.test.tsx', '**/test/**', 'apps/web/src/test/**', 'e2e/**'];

// ---------------------------------------------------------------------------------------------

const CREDENTIAL_HEADER = '/^(authorization|x-csrf-token|dpop)$/i';
/** As a plain object key or a property of `headers` (`dpop` alone is also a strategy's name). */
const CREDENTIAL_HEADER_IDENTIFIER = '/^(authorization|Authorization|DPoP)$/';
const STORAGE_MESSAGE = 'Only the storage-strategy module touches web storage (CREDENTIAL_STRATEGY_MODULES in eslint.config.js).';
const HEADER_MESSAGE = 'Only the storage-strategy module sets or reads Authorization, DPoP and X-CSRF-Token (CREDENTIAL_STRATEGY_MODULES in eslint.config.js).';

/** Casts that let untrusted data or a wrong type through unchecked: banned everywhere. */
const UNCHECKED_CASTS = [
  {
    selector: "TSAsExpression[expression.type='TSAsExpression'][expression.typeAnnotation.type='TSUnknownKeyword']",
    message: '`as unknown as` turns off the type checker: parse the value, or give it a type it really has.',
  },
  {
    selector: "TSAsExpression > CallExpression.expression[callee.object.name='JSON'][callee.property.name='parse']",
    message: 'Parse JSON with a schema (typebox Value.Parse, or the shared schemas), never cast JSON.parse.',
  },
];

/** The credential headers, spelled as object keys, header-method arguments or property reads. */
const CREDENTIAL_HEADER_USES = [
  { selector: `ObjectExpression > Property > Literal.key[value=${CREDENTIAL_HEADER}]`, message: HEADER_MESSAGE },
  { selector: `ObjectExpression > Property[computed=false] > Identifier.key[name=${CREDENTIAL_HEADER_IDENTIFIER}]`, message: HEADER_MESSAGE },
  { selector: `CallExpression[callee.property.name=/^(get|set|append|has|delete)$/] > Literal.arguments[value=${CREDENTIAL_HEADER}]`, message: HEADER_MESSAGE },
  { selector: `MemberExpression[object.name='headers'] > Identifier.property[name=${CREDENTIAL_HEADER_IDENTIFIER}]`, message: HEADER_MESSAGE },
  { selector: `MemberExpression[object.property.name='headers'] > Identifier.property[name=${CREDENTIAL_HEADER_IDENTIFIER}]`, message: HEADER_MESSAGE },
  { selector: `MemberExpression[object.name='headers'][computed=true] > Literal.property[value=${CREDENTIAL_HEADER}]`, message: HEADER_MESSAGE },
  { selector: "Identifier[name='CSRF_HEADER']", message: HEADER_MESSAGE },
];

const browserOnlyGlobals = Object.keys(globals.browser).filter((name) => !(name in globals.node) && !(name in globals.builtin));
const nodeOnlyGlobals = Object.keys(globals.node).filter((name) => !(name in globals.browser) && !(name in globals.builtin));

export default tseslint.config(
  {
    ignores: ['**/node_modules/**', '**/dist/**', '**/build-types/**', '**/test-results/**', '**/playwright-report/**', '**/bench-results/**', '**/data/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        project: ['packages/shared/tsconfig.test.json', 'apps/server/tsconfig.test.json', 'apps/web/tsconfig.json', 'e2e/tsconfig.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      'no-restricted-syntax': ['error', ...UNCHECKED_CASTS],
      // Fastify handlers and hooks are async by contract (a returned promise is the answer), awaited or not.
      '@typescript-eslint/require-await': 'off',
      // Our services are factories returning closures that never use `this`: passing
      // `controller.subscribe` along is how they are meant to be used.
      '@typescript-eslint/unbound-method': 'off',
      // `const { d: _private, ...rest } = jwk` leaves a property out on purpose.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  // Plain JavaScript (configs, build scripts): no type information.
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { ...tseslint.configs.disableTypeChecked.languageOptions, globals: globals.node },
  },

  // Only tokens/ imports jose.
  {
    files: ['apps/server/src/**/*.ts'],
    ignores: JOSE_MODULES,
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'jose', message: 'Only apps/server/src/tokens/ imports jose (JOSE_MODULES in eslint.config.js): ask the token service.' }] }],
    },
  },

  // packages/shared: neither Node nor the DOM (its imports are checked by dependency-cruiser too).
  {
    files: ['packages/shared/src/**/*.ts'],
    ignores: TESTS,
    rules: {
      'no-restricted-globals': [
        'error',
        ...browserOnlyGlobals.map((name) => ({ name, message: 'packages/shared runs in the page and the server: no DOM.' })),
        ...nodeOnlyGlobals.map((name) => ({ name, message: 'packages/shared runs in the page and the server: no Node.' })),
      ],
    },
  },

  // The page: only the storage-strategy module touches storage and credential headers.
  {
    files: ['apps/web/src/**/*.ts', 'apps/web/src/**/*.tsx'],
    ignores: [...CREDENTIAL_STRATEGY_MODULES, ...ATTACKER_SIMULATION_MODULES, ...TESTS],
    rules: {
      'no-restricted-globals': ['error', { name: 'localStorage', message: STORAGE_MESSAGE }, { name: 'sessionStorage', message: STORAGE_MESSAGE }],
      'no-restricted-properties': [
        'error',
        ...['window', 'globalThis', 'self', 'document'].flatMap((object) =>
          ['localStorage', 'sessionStorage'].map((property) => ({ object, property, message: STORAGE_MESSAGE })),
        ),
      ],
      'no-restricted-syntax': ['error', ...UNCHECKED_CASTS, ...CREDENTIAL_HEADER_USES],
    },
  },

  // Tests read the app's answers as `any` on purpose and assert on them: the no-unsafe family has
  // nothing to protect there. The boundary and cast rules still apply.
  {
    files: TESTS,
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  ...Object.entries(PENDING_FIXES).map(([file, rules]) => ({ files: [file], rules: Object.fromEntries(rules.map((rule) => [rule, 'off'])) })),
);
