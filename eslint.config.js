// ESLint (flat config): typescript-eslint's strict, type-aware rules over every TypeScript file.
// Formatting is Prettier's job (prettier.config.js); import boundaries and cycles are dependency-cruiser's
// (.dependency-cruiser.cjs); unused files, exports and dependencies are knip's (knip.jsonc).
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  {
    ignores: ['node_modules/**', '.tools/**', 'dist/**', 'coverage/**', 'tmp/**'],
  },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.strictTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // node:test's test/describe return promises the runner itself awaits; awaiting them by hand changes nothing.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] }] },
      ],
      // `(x) => f(x)` as a callback that returns void is the idiom for one-line handlers; statements elsewhere are still checked.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      // An async function that implements a Promise-returning contract without awaiting is fine: a throw still becomes a rejection.
      '@typescript-eslint/require-await': 'off',
      // `Promise<Result | void>` lets a reconcile or handler with nothing to say just return; `| undefined` would force `return undefined`.
      '@typescript-eslint/no-invalid-void-type': 'off',
      // Rethrowing a caught value, or rejecting with an AbortSignal's reason, passes on what was thrown unchanged.
      '@typescript-eslint/only-throw-error': ['error', { allowThrowingAny: true, allowThrowingUnknown: true }],
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingAny: true, allowThrowingUnknown: true }],
      // Destructuring keys away to leave them out of `...rest` is how an object loses fields here.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
      // A number in a template prints as expected; other non-strings (undefined, objects) are still reported.
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowAny: false, allowBoolean: false, allowNullish: false, allowRegExp: false, allowNever: false },
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      // Tests read what the apiserver or the simulator answered: `?.` on a field the type says is there turns a
      // surprise into an assertion message instead of a TypeError.
      '@typescript-eslint/no-unnecessary-condition': 'off',
      // A `!` in a test fails the test when it is wrong, which is what a test should do.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // "undefined" or a /pattern/ printed in a test's message or label is information, not a bug.
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowNullish: true, allowBoolean: true, allowRegExp: true, allowAny: false, allowNever: false },
      ],
    },
  },
);
