// ESLint flat config: typescript-eslint's recommended rules plus the type-aware ones that catch real
// faults in a process that owns children and streams (a promise nobody awaits or catches, a
// promise passed where a callback's result is ignored). Formatting is Prettier's job, not ESLint's.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'build/', 'node_modules/', 'test-artifacts/', 'models/', 'native/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['src/**/*.{ts,mjs}', 'test/**/*.{ts,mjs}', '*.{ts,js}'],
    languageOptions: {
      globals: globals.node,
      parserOptions: {
        projectService: { allowDefaultProject: ['eslint.config.js', 'test/fixtures/*.mjs'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      // Unused imports and variables are errors; unused parameters are not (callbacks keep their signature).
      '@typescript-eslint/no-unused-vars': ['error', { args: 'none', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Names, uploads and terminal output are checked for control characters on purpose.
      'no-control-regex': 'off',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-console': 'off',
    },
  },
  {
    // Tests read JSON answers ad hoc; production code keeps typed boundaries.
    files: ['**/*.test.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // The player and pages run in the browser as plain ES modules (hls.js from the page).
    files: ['player/**/*.js'],
    languageOptions: { globals: { ...globals.browser, Hls: 'readonly' } },
  },
);
