// What `eslint --fix` does to a real code base: applies every autofix of the plugin (configuration
// `all`) to a copy of the corpus, then type-checks the copy and lints it again, each in a fresh
// process (typescript-eslint keeps its programs per process). A fix must never break the build, and
// what it wraps must not be reported again. Prints one JSON line on stdout.
// Usage: node scripts/bench/fix-check.mjs <project dir>   (the copy goes beside it, as <dir>-fixed)
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

import { ESLint } from 'eslint';

import { typeCheck } from './corpora.mjs';
import { createESLint } from './lint-run.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

/** `before` and `after` as multisets: the entries of `after` that `before` does not account for. */
function added(before, after) {
  const left = new Map();
  for (const entry of before) left.set(entry, (left.get(entry) ?? 0) + 1);
  return after.filter((entry) => {
    const count = left.get(entry) ?? 0;
    if (count === 0) return true;
    left.set(entry, count - 1);
    return false;
  });
}

/** A TypeScript error without its line, which fixes above it move. */
const withoutLine = (error) => error.replace(/\(\d+\):/, ':');

function childJson(script, args) {
  const child = spawnSync(process.execPath, [path.join(here, script), ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (child.status !== 0) throw new Error(`${script} ${args.join(' ')} failed:\n${child.stderr}`);
  return JSON.parse(child.stdout);
}

async function main() {
  const [source, phase] = process.argv.slice(2);
  const dir = path.resolve(source);
  if (phase === '--type-check') {
    process.stdout.write(`${JSON.stringify(typeCheck(dir).errors)}\n`);
    return;
  }
  const copy = `${dir}-fixed`;
  fs.rmSync(copy, { recursive: true, force: true });
  fs.cpSync(dir, copy, { recursive: true });
  const errorsBefore = childJson('fix-check.mjs', [copy, '--type-check']);

  process.chdir(copy);
  const eslint = createESLint(copy, 'all', { fix: true });
  const results = await eslint.lintFiles(['src/**/*.ts']);
  await ESLint.outputFixes(results);
  const fixedFiles = results.filter((result) => result.output !== undefined).map((result) => path.relative(copy, result.filePath));

  const errorsAfter = childJson('fix-check.mjs', [copy, '--type-check']);
  const relint = childJson('lint-run.mjs', ['all', copy]);
  const left = relint.reports.filter((report) => report.ruleId.startsWith('async-race/'));
  const out = {
    fixedFiles,
    errorsBefore: errorsBefore.length,
    errorsAfter: errorsAfter.length,
    newErrors: added(errorsBefore.map(withoutLine), errorsAfter.map(withoutLine)),
    left: left.map(({ file, line, ruleId, message }) => ({ file, line, ruleId, message })),
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
