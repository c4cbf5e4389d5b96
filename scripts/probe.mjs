// Development aid: lints one snippet as fixtures/rules/file.ts with configs.all and prints each
// report with its fix or suggestions, then the output of `--fix`. Usage: node scripts/probe.mjs <file>
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import tsParser from '@typescript-eslint/parser';
import { Linter } from 'eslint';

const require = createRequire(import.meta.url);
const plugin = require('../dist/src/index.js');
const root = path.resolve(import.meta.dirname, '../fixtures/rules');
const code = readFileSync(process.argv[2], 'utf8');
const config = [
  { files: ['**/*.ts', '**/*.cjs'], languageOptions: { parser: tsParser, parserOptions: { projectService: true, tsconfigRootDir: root } } },
  plugin.configs.all,
];
const linter = new Linter();
const filename = path.join(root, process.argv[3] ?? 'file.ts');
for (const message of linter.verify(code, config, { filename })) {
  const offers = [message.fix ? 'autofix' : '', ...(message.suggestions ?? []).map((s) => `suggestion: ${s.desc}`)].filter(Boolean);
  console.log(`${message.line}:${message.column} ${message.ruleId} ${message.message}${offers.length ? `\n    ${offers.join('\n    ')}` : ''}`);
}
const fixed = linter.verifyAndFix(code, config, { filename });
console.log(fixed.fixed ? `--- after --fix:\n${fixed.output}` : '--- no autofix applied');
