// Lint: typescript-eslint's recommended rules, plus the project's own few.
const tseslint = require('typescript-eslint');

module.exports = tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.local/**', 'coverage/**', 'services/management-api/console/vendor/**', 'deploy/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-restricted-syntax': [
        'error',
        { selector: "MemberExpression[object.name='process'][property.name='env']", message: 'read configuration through the service config (config/), not process.env' },
      ],
    },
  },
  {
    // configuration loaders, tests, benchmarks and CLIs are where the environment is read
    files: ['**/config/**/*.ts', 'libs/config/**/*.ts', '**/*.spec.ts', '**/test/**/*.ts', 'e2e/**/*.ts', '**/bench/**/*.ts', 'libs/testing/**/*.ts', 'scripts/**/*.ts', '**/cli.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', process: 'readonly', console: 'readonly', __dirname: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // the admin console: browser ES modules served as they are (no build step)
    files: ['services/management-api/console/**/*.js'],
    languageOptions: { sourceType: 'module', globals: { window: 'readonly', document: 'readonly', navigator: 'readonly', history: 'readonly', location: 'readonly', sessionStorage: 'readonly', console: 'readonly' } },
  },
);
