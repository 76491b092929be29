// ESLint (flat config): typescript-eslint's strict, type-aware rules over every TypeScript file.
// Formatting is Prettier's job (prettier.config.js); import boundaries and cycles are dependency-cruiser's
// (.dependency-cruiser.cjs); unused files, exports and dependencies are knip's (knip.json).
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
      // A number in a template prints as expected; other non-strings (undefined, objects) are still reported.
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowAny: false, allowBoolean: false, allowNullish: false, allowRegExp: false, allowNever: false },
      ],
    },
  },
);
