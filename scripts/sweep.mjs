// Lints real code with configs.all, as a new user would, and prints every report and crash.
// Usage: node scripts/sweep.mjs <dir> [more dirs…]   (JavaScript and TypeScript sources; nothing is modified)
import { cpSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { ESLint } from 'eslint';
import tsParser from '@typescript-eslint/parser';

const require = createRequire(import.meta.url);
const plugin = require('../dist/src/index.js');
const work = mkdtempSync(path.join(os.tmpdir(), 'async-race-sweep-'));
process.argv.slice(2).forEach((dir, i) => {
  cpSync(dir, path.join(work, `src${i}`), {
    recursive: true,
    filter: (source) => !/node_modules|\.d\.ts$|\.map$|\.json$|\.md$/.test(path.basename(source)) || source === dir,
  });
});
writeFileSync(path.join(work, 'tsconfig.json'), JSON.stringify({
  compilerOptions: { allowJs: true, checkJs: false, noEmit: true, target: 'ES2022', module: 'nodenext', moduleResolution: 'nodenext', skipLibCheck: true, strict: false, types: [] },
  include: ['src*/**/*'],
}));
const eslint = new ESLint({
  cwd: work,
  overrideConfigFile: true,
  overrideConfig: [
    { files: ['**/*.{js,mjs,cjs,ts,mts,cts}'], linterOptions: { noInlineConfig: true, reportUnusedDisableDirectives: 'off' }, languageOptions: { parser: tsParser, parserOptions: { project: './tsconfig.json', tsconfigRootDir: work } } },
    plugin.configs.all,
  ],
});
const started = performance.now();
const results = await eslint.lintFiles(['src*/**/*.{js,mjs,cjs,ts,mts,cts}']);
let reports = 0;
let crashes = 0;
for (const result of results) {
  for (const message of result.messages) {
    if (!message.fatal && !message.ruleId) continue; // notes about inline directives
    if (message.fatal) { crashes++; console.log(`CRASH ${path.relative(work, result.filePath)}: ${message.message}`); continue; }
    reports++;
    console.log(`${path.relative(work, result.filePath)}:${message.line}:${message.column} ${message.ruleId} ${message.message}`);
  }
}
console.log(`${results.length} files, ${reports} reports, ${crashes} crashes, ${Math.round(performance.now() - started)} ms`);
rmSync(work, { recursive: true, force: true });
