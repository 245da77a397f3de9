// ESLint flat config: @eslint/js recommended + typescript-eslint recommended (no type-aware
// rules, so `eslint .` stays fast; `npm run typecheck` does the type checking).
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import { layerRules } from './eslint.layers.mjs';

const nodeGlobals = {
  require: 'readonly',
  module: 'writable',
  exports: 'writable',
  __dirname: 'readonly',
  __filename: 'readonly',
  process: 'readonly',
  console: 'readonly',
  Buffer: 'readonly',
  URL: 'readonly',
  setTimeout: 'readonly',
  clearTimeout: 'readonly',
};

export default defineConfig([
  globalIgnores(['**/dist/', '**/node_modules/', '**/.test-services/', '**/data/', '**/coverage/', '**/*.generated.ts']),

  {
    files: ['{apps,libs,test,bench}/**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.recommended],
    languageOptions: { ecmaVersion: 2022, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          args: 'after-used',
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
      // Nest modules and DI tokens are often empty classes; `any` is sometimes the honest type at
      // library boundaries (reported, not fatal); `require()` is needed for a few CommonJS-only paths.
      '@typescript-eslint/no-extraneous-class': 'off',
      '@typescript-eslint/no-explicit-any': 'warn',
      '@typescript-eslint/no-require-imports': 'off',
      '@typescript-eslint/no-empty-function': 'off',
      'no-empty': ['error', { allowEmptyCatch: true }],
    },
  },

  {
    // tests may use non-null assertions and loose helpers freely
    files: ['**/*.spec.ts', '**/*.e2e-spec.ts', 'test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },

  {
    // the portal: a browser app (React), built by Vite; it talks to the api over HTTP only
    files: ['apps/portal/**/*.{ts,tsx,mts}'],
    extends: [js.configs.recommended, tseslint.configs.recommended],
    plugins: { 'react-hooks': reactHooks },
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: globals.browser },
    rules: {
      ...reactHooks.configs.recommended.rules,
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true }],
      'no-restricted-imports': ['error', { patterns: [{ group: ['@wharf/*', '**/libs/**', '**/apps/api/**'], message: 'the portal reaches the api over HTTP (src/api/client.ts), never its code' }] }],
    },
  },
  { files: ['apps/portal/vite.config.mts'], languageOptions: { globals: globals.node } },

  // one-way imports between apps and libs (eslint.layers.mjs holds the graph and says why)
  ...layerRules,

  {
    // root-level tool configs (jest.config.js is CommonJS, this file is ESM) and build scripts
    files: ['*.js', '*.cjs', '*.mjs', 'scripts/**/*.js'],
    extends: [js.configs.recommended],
    languageOptions: { ecmaVersion: 2022, globals: nodeGlobals },
  },
  { files: ['*.js', '*.cjs', 'scripts/**/*.js'], languageOptions: { sourceType: 'commonjs' } },
]);
