// ESLint with type information. The promise rules (no-floating-promises, no-misused-promises) catch a
// missed await or a promise handed to a callback that ignores it: the bugs a token server and a
// renewal helper cannot afford. Formatting is Prettier's (`.prettierrc.json`), not ESLint's.
import js from '@eslint/js'
import globals from 'globals'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  {
    ignores: ['dist/**', 'node_modules/**', '.agate/**', 'coverage/**', 'bench/go-docs-server/**', '.wrangler/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      // tsconfig.client.json holds the browser code (web/src) that the Node project leaves out.
      parserOptions: { project: ['./tsconfig.json', './tsconfig.client.json'], tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test's test() and describe() return promises that the runner itself awaits.
        {
          allowForKnownSafeCalls: [
            {
              from: 'package',
              package: 'node:test',
              name: ['test', 'it', 'describe', 'suite', 'before', 'after', 'beforeEach', 'afterEach'],
            },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      // Async functions that do not await conform to interfaces that return promises (stores,
      // token sources, route handlers); making them sync would only move the Promise.resolve().
      '@typescript-eslint/require-await': 'off',
      // A `let` that closures read before its one assignment (set once the server has started) stays a `let`.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // Passing on a caught `unknown` is how a wrapper keeps the original error.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
    },
  },
  {
    // Tests read decoded JSON, SDK objects and deliberately wrong input dynamically: the no-unsafe-*
    // rules would only add casts there. The promise rules stay on.
    files: ['test/**'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      // Tests hand methods to assert.throws, reject with plain values to mimic SDKs, and print
      // whatever a fake received.
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/prefer-promise-reject-errors': 'off',
      '@typescript-eslint/no-base-to-string': 'off',
      'preserve-caught-error': 'off',
    },
  },
  { files: ['**/*.mjs', '**/*.js'], ...tseslint.configs.disableTypeChecked },
  { files: ['web/src/**'], languageOptions: { globals: { ...globals.browser } } },
)
