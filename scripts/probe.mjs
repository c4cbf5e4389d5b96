// Lints a snippet (argument: a file path) as fixtures/rules/file.ts and prints the reports. For development.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Linter } from 'eslint';
import tsParser from '@typescript-eslint/parser';
const require = createRequire(import.meta.url);
const plugin = require('../dist/src/index.js');
const root = path.resolve(import.meta.dirname, '../fixtures/rules');
const code = readFileSync(process.argv[2], 'utf8');
const linter = new Linter();
const messages = linter.verify(code, [{
  files: ['**/*.ts'],
  languageOptions: { parser: tsParser, parserOptions: { project: './tsconfig.json', tsconfigRootDir: root } },
  plugins: { 'async-race': plugin },
  rules: { 'async-race/no-lost-update': 'error', 'async-race/no-stale-check': 'error' },
}], { filename: path.join(root, 'file.ts') });
for (const m of messages) console.log(`${m.line}:${m.column} ${m.ruleId} ${m.message}`);
if (!messages.length) console.log('(no reports)');
