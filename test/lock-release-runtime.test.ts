// Lock hygiene at run time. The lock leak is real, and the fix really ends it: fixtures/lock-release/release-missing.ts releases
// its mutex at the end of the section only, so a save that throws leaves the mutex held. Compiled and
// run with the real async-mutex, the call after a failed one never gets the lock; after the rule's own
// `eslint --fix` (the release moved into a `finally`), it does. A call that has not got the lock within
// the bound is taken as blocked: the bound only ends a wait that would otherwise never end, it does not
// measure speed. And work left unawaited in a critical section really escapes the lock:
// fixtures/lock-release/unawaited-work.ts starts its write in a non-async runExclusive callback, so
// concurrent writes overlap; with the rule's suggestion applied (return the promise) they do not.
// Run after `npm run build` (it loads the built plugin). Compiled files go to
// .tmp/lock-release inside the repo, so `require('async-mutex')` resolves from the repo's node_modules.
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';

import tsParser from '@typescript-eslint/parser';
import { ESLint, type Linter } from 'eslint';
import * as ts from 'typescript';
import { describe, expect, it } from 'vitest';

const require = createRequire(__filename);

interface Journal {
  append: (entry: string) => Promise<void>;
  entries: () => readonly string[];
}

const root = path.resolve(__dirname, '..');
const plugin = require(path.join(root, 'dist/src/index.js')) as { configs: { all: object } };
const fixturesDir = path.join(root, 'fixtures/lock-release');
const tmpDir = path.join(root, '.tmp/lock-release');
const fixtureFile = path.join(fixturesDir, 'release-missing.ts');
const original = fs.readFileSync(fixtureFile, 'utf8');
const unawaitedFile = path.join(fixturesDir, 'unawaited-work.ts');
const unawaited = fs.readFileSync(unawaitedFile, 'utf8');

const config = [
  {
    files: ['**/*.ts'],
    languageOptions: {
      parser: tsParser,
      parserOptions: { project: path.join(fixturesDir, 'tsconfig.json'), tsconfigRootDir: fixturesDir },
    },
  },
  plugin.configs.all,
] as unknown as Linter.Config[];

async function lint(code: string, fix: boolean, filePath = fixtureFile): Promise<ESLint.LintResult> {
  const eslint = new ESLint({ cwd: fixturesDir, overrideConfigFile: true, overrideConfig: config, fix });
  const [result] = await eslint.lintText(code, { filePath });
  return result;
}

/** Type-checks a rewritten fixture next to the originals, with the fixtures' compiler options. */
function typeCheck(code: string, name: string): string[] {
  const dir = path.join(tmpDir, 'typed');
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(path.join(fixturesDir, 'tsconfig.json'), path.join(dir, 'tsconfig.json'));
  const file = path.join(dir, `${name}.ts`);
  fs.writeFileSync(file, code);
  const read = ts.readConfigFile(path.join(dir, 'tsconfig.json'), (fileName) => ts.sys.readFile(fileName));
  const options = ts.parseJsonConfigFileContent(read.config, ts.sys, dir).options;
  const program = ts.createProgram({ rootNames: [file], options });
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
}

const describeMessages = (messages: readonly Linter.LintMessage[]) =>
  messages.map((message) => `${message.ruleId ?? 'fatal'}:${message.line} ${message.message}`);

/** Transpiles to CommonJS under .tmp and loads a fresh instance (with its own mutex). */
function load(code: string, name: string): unknown {
  const { outputText } = ts.transpileModule(code, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  });
  const outFile = path.join(tmpDir, `${name}.js`);
  fs.mkdirSync(tmpDir, { recursive: true });
  fs.writeFileSync(outFile, outputText);
  Reflect.deleteProperty(require.cache, outFile);
  return require(outFile);
}

const BOUND_MS = 200;

/** Does `append` get the lock after a failed call? 'blocked' when it has not within the bound. */
async function appendAfterFailure(journal: Journal): Promise<'appended' | 'blocked'> {
  await expect(journal.append('')).rejects.toThrow('an empty entry cannot be saved');
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<'blocked'>((resolve) => {
    timer = setTimeout(() => {
      resolve('blocked');
    }, BOUND_MS);
  });
  const outcome = await Promise.race([journal.append('second').then(() => 'appended' as const), bound]);
  clearTimeout(timer);
  return outcome;
}

describe('release-missing.ts', () => {
  it('is reported by require-lock-release', async () => {
    const result = await lint(original, false);
    expect(describeMessages(result.messages)).toEqual([
      'async-race/require-lock-release:15 `mutex` is acquired on line 15 and still held when line 16 throws: every later acquire of it then waits forever. Release it in a `finally` block.',
    ]);
  });

  it('as written, the call after a failed save never gets the lock', async () => {
    const journal = load(original, 'original') as Journal;
    expect(await appendAfterFailure(journal)).toBe('blocked');
    expect(journal.entries()).toEqual([]);
  });

  it('after eslint --fix, the call after a failed save gets the lock and appends', async () => {
    const fixed = (await lint(original, true)).output;
    expect(fixed).toBeDefined();
    expect(fixed).toContain('} finally {\n    release();\n  }');
    expect(describeMessages((await lint(fixed ?? '', false)).messages)).toEqual([]);
    expect(typeCheck(fixed ?? '', 'release-missing')).toEqual([]);
    const journal = load(fixed ?? '', 'fixed') as Journal;
    expect(await appendAfterFailure(journal)).toBe('appended');
    expect(journal.entries()).toEqual(['second']);
  });
});

interface Device {
  send: (data: string) => Promise<void>;
  mostConcurrentWriters: () => number;
  idle: () => Promise<void>;
}

/** Three concurrent sends; how many writes ran at once at most. */
async function concurrentSends(device: Device): Promise<number> {
  await Promise.all(['a', 'bb', 'ccc'].map((data) => device.send(data)));
  await device.idle();
  return device.mostConcurrentWriters();
}

describe('unawaited-work.ts', () => {
  it('is reported by no-unawaited-in-lock, with the return suggestion', async () => {
    const result = await lint(unawaited, false, unawaitedFile);
    expect(describeMessages(result.messages)).toEqual([
      'async-race/no-unawaited-in-lock:19 This promise is neither awaited nor returned inside the critical section of `mutex` (taken on line 18): its work goes on after the lock is released, unprotected.',
    ]);
    expect(result.messages[0].suggestions?.map((suggestion) => suggestion.desc)).toEqual([
      'Return the promise, so that the lock is held until it settles.',
    ]);
  });

  it('as written, the writes of concurrent senders overlap', async () => {
    expect(await concurrentSends(load(unawaited, 'unawaited-original') as Device)).toBe(3);
  });

  it('with the suggestion applied, one write runs at a time', async () => {
    const [message] = (await lint(unawaited, false, unawaitedFile)).messages;
    const fix = message.suggestions?.[0]?.fix;
    expect(fix).toBeDefined();
    const [start, end] = fix?.range ?? [0, 0];
    const suggested = `${unawaited.slice(0, start)}${fix?.text ?? ''}${unawaited.slice(end)}`;
    expect(suggested).toContain('return write(data);');
    expect(describeMessages((await lint(suggested, false, unawaitedFile)).messages)).toEqual([]);
    expect(typeCheck(suggested, 'unawaited-work')).toEqual([]);
    expect(await concurrentSends(load(suggested, 'unawaited-suggested') as Device)).toBe(1);
  });
});
