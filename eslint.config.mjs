// Lint rules that protect the project's promises. Workflow code runs in Temporal's
// deterministic sandbox: no Node built-ins, no I/O libraries, and activities only as types.
// DETERMINISTIC_FOLDERS must hold every module the workflow bundle contains
// (test/workflow/replay.test.ts checks it against bundleWorkflowCode's output).
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

export const DETERMINISTIC_FOLDERS = ['workflows', 'engine'];

const nodeBuiltins = builtinModules.flatMap((m) => [m, `node:${m}`]);

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.data/**', '.bench/**', 'test-artifacts/**'] },
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      'no-eval': 'error',
      'no-new-func': 'error',
    },
  },
  {
    files: DETERMINISTIC_FOLDERS.map((dir) => `${dir}/**/*.ts`),
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: nodeBuiltins.map((name) => ({ name, message: 'Workflow code must stay deterministic: no Node built-ins.' })),
        patterns: [
          { group: ['**/activities', '**/activities/**'], allowTypeImports: true, message: 'Import activities as types only (import type).' },
          { group: ['mongodb', 'koa', 'nodemailer', 'pino', '@temporalio/worker', '@temporalio/client', '@temporalio/activity'], message: 'No I/O libraries in workflow code.' },
        ],
      }],
    },
  },
);
