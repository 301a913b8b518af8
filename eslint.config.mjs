// ESLint: JavaScript's and typescript-eslint's recommended rules over every source and test.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      'flux/**',
      'environments/**',
      '**/fixtures/**',
      '.nx/**',
      'packages/spec/schemas/**',
      '.gitlab-ci-local/**',
      'apps/ui/dist/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: globals.node },
    rules: {
      // `_name` marks what is deliberately unused: a rest sibling dropped, a callback's position.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    // The control panel's web app runs in the browser, under React's rules of hooks.
    files: ['apps/ui/src/**/*.{ts,tsx}', 'apps/ui/test/**/*.{ts,tsx}'],
    languageOptions: { globals: globals.browser },
    plugins: { 'react-hooks': reactHooks },
    rules: reactHooks.configs.recommended.rules,
  },
  {
    // Tests walk rendered Kubernetes objects, which are untyped JSON by nature.
    files: ['test/**/*.ts', '**/test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
