import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'coverage/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['bin/**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  // Scripts the dashboard pages load in the browser (jobs/http/assets.ts, jobs/http/client/).
  {
    files: ['jobs/http/*.js', 'jobs/http/client/*.js'],
    languageOptions: { globals: { document: 'readonly', window: 'readonly', Chart: 'readonly' } },
  },
);
