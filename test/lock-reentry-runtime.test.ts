// Re-entry really deadlocks: each fixture in fixtures/lock-reentry exports a `scenario()`. The ones
// no-lock-reentry reports are compiled and run with the real async-mutex and never finish (the run is
// raced against a 200 ms bound: a bound on a hang, not a timing assertion); the fixed versions, the
// helper split by hand and the rule's own suggestion applied, are not reported and finish with the
// expected result. Run after `npm run build` (it loads the built plugin). Compiled files go to
// .tmp/lock-reentry inside the repo, so `require('async-mutex')` resolves from the repo's node_modules.
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';

import tsParser from '@typescript-eslint/parser';
import { type ESLint, Linter } from 'eslint';
import * as ts from 'typescript';
import { describe, expect, it } from 'vitest';

import { locate } from './locate';

const require = createRequire(__filename);
const root = path.resolve(__dirname, '..');
const plugin = require(path.join(root, 'dist/src/index.js')) as ESLint.Plugin;
const fixturesDir = path.join(root, 'fixtures/lock-reentry');
const tmpDir = path.join(root, '.tmp/lock-reentry');
const RULE = 'async-race/no-lock-reentry';
const HANG_BOUND_MS = 200;

const linter = new Linter({ configType: 'flat', cwd: root });
const config: Linter.Config[] = [
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tsParser, parserOptions: { projectService: true, tsconfigRootDir: fixturesDir } },
    plugins: { 'async-race': plugin },
    rules: { [RULE]: 'error' },
  },
];

const sourceOf = (name: string): string => fs.readFileSync(path.join(fixturesDir, `${name}.ts`), 'utf8');
const lint = (name: string, code: string): Linter.LintMessage[] =>
  linter.verify(code, config, { filename: path.join(fixturesDir, `${name}.ts`) });

/** Transpiles to CommonJS under .tmp and runs `scenario()`: its result, or 'hung' past the bound. */
async function run(name: string, code: string): Promise<unknown> {
  const { outputText } = ts.transpileModule(code, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  });
  const outFile = path.join(tmpDir, `${name}.js`);
  fs.mkdirSync(tmpDir, { recursive: true });
  fs.writeFileSync(outFile, outputText);
  Reflect.deleteProperty(require.cache, outFile);
  const { scenario } = require(outFile) as { scenario: () => Promise<unknown> };
  let bound: NodeJS.Timeout | undefined;
  const hung = new Promise<string>((resolve) => {
    bound = setTimeout(() => {
      resolve('hung');
    }, HANG_BOUND_MS);
  });
  try {
    return await Promise.race([scenario(), hung]);
  } finally {
    clearTimeout(bound);
  }
}

describe('a method that takes the lock, awaited while the lock is held', () => {
  it('is reported, naming the call', () => {
    const source = sourceOf('through-method');
    expect(lint('through-method', source).map((m) => [m.ruleId, m.line, m.messageId])).toEqual([
      [RULE, locate(source, 'this.add(n)').line, 'reentryThroughCall'],
      [RULE, locate(source, 'this.add(n)', 2).line, 'reentryThroughCall'],
    ]);
  });

  it('deadlocks when run', async () => {
    expect(await run('through-method', sourceOf('through-method'))).toBe('hung');
  });

  it('with the body moved into an unlocked helper, is not reported and completes', async () => {
    const split = sourceOf('through-method-split');
    expect(lint('through-method-split', split)).toEqual([]);
    expect(await run('through-method-split', split)).toBe(2);
  });
});

describe('runExclusive nested in a section of the same mutex', () => {
  it('is reported, with a suggestion', () => {
    const source = sourceOf('nested');
    expect(lint('nested', source).map((m) => [m.ruleId, m.line, m.messageId, m.suggestions?.length])).toEqual([
      [RULE, locate(source, 'mutex.runExclusive', 2).line, 'reentry', 1],
    ]);
  });

  it('deadlocks when run', async () => {
    expect(await run('nested', sourceOf('nested'))).toBe('hung');
  });

  it('with the suggestion applied, is not reported and completes', async () => {
    const original = sourceOf('nested');
    const [message] = lint('nested', original);
    const fix = message.suggestions![0].fix;
    const fixed = original.slice(0, fix.range[0]) + fix.text + original.slice(fix.range[1]);
    expect(fixed).not.toContain('await mutex.runExclusive(async () => {\n      log.push');
    expect(lint('nested', fixed)).toEqual([]);
    expect(await run('nested-fixed', fixed)).toEqual(['a', 'b']);
  });
});
