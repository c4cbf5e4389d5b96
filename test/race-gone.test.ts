// The race is really gone: every fixture in fixtures/race-gone is a small racy module with a `scenario()`
// that runs N operations concurrently and a `serialResult` (what N operations one at a time give).
// For each, the original is compiled and run to show the lost update happens; then `eslint --fix`'s
// output (the critical section wrapped in an async-mutex `runExclusive`) must type-check, lint clean,
// and, run with the real `async-mutex`, give the serial result. Run after `npm run build` (it loads the
// built plugin). Compiled files go to .tmp/race-gone inside the repo, so `require('async-mutex')`
// resolves from the repo's node_modules.
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';

import tsParser from '@typescript-eslint/parser';
import { ESLint, type Linter } from 'eslint';
import * as ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';

const require = createRequire(__filename);

interface BuiltPlugin {
  configs: { all: { plugins: Record<string, unknown>; rules: Record<string, string> } };
}

interface FixtureModule {
  scenario: () => Promise<unknown>;
  serialResult: unknown;
}

const root = path.resolve(__dirname, '..');
const plugin = require(path.join(root, 'dist/src/index.js')) as BuiltPlugin;

const fixturesDir = path.join(root, 'fixtures/race-gone');
const tsconfigPath = path.join(fixturesDir, 'tsconfig.json');
const tmpDir = path.join(root, '.tmp/race-gone');
const originalDir = path.join(tmpDir, 'original');
const fixedDir = path.join(tmpDir, 'fixed');
const PREFIX = 'async-race/';

const fixtureNames = fs
  .readdirSync(fixturesDir)
  .filter((file) => file.endsWith('.ts'))
  .map((file) => file.replace(/\.ts$/, ''))
  .sort();

// One config and one fixing and one checking ESLint instance for every fixture: `parserOptions.project`
// makes typescript-eslint build the fixture program once and reuse it for every file and every pass.
const config = [
  {
    files: ['**/*.ts'],
    languageOptions: {
      parser: tsParser,
      parserOptions: { project: tsconfigPath, tsconfigRootDir: fixturesDir },
    },
  },
  plugin.configs.all,
] as unknown as Linter.Config[];

const fixer = new ESLint({ cwd: fixturesDir, overrideConfigFile: true, overrideConfig: config, fix: true });
const checker = new ESLint({ cwd: fixturesDir, overrideConfigFile: true, overrideConfig: config, fix: false });

function describeMessages(messages: Linter.LintMessage[]): string[] {
  return messages.map((m) => `${m.ruleId ?? 'fatal'}:${m.line}:${m.column} ${m.message}`);
}

function sourceOf(name: string): string {
  return fs.readFileSync(path.join(fixturesDir, `${name}.ts`), 'utf8');
}

/** Lints `code` as the fixture file (never writing it) with the given instance; one result per call. */
async function lintAs(eslint: ESLint, name: string, code: string): Promise<ESLint.LintResult> {
  const [result] = await eslint.lintText(code, { filePath: path.join(fixturesDir, `${name}.ts`) });
  return result;
}

const fixResults = new Map<string, Promise<ESLint.LintResult>>();

function fixResult(name: string): Promise<ESLint.LintResult> {
  let result = fixResults.get(name);
  if (!result) {
    result = lintAs(fixer, name, sourceOf(name));
    fixResults.set(name, result);
  }
  return result;
}

/** The `--fix` output of a fixture; throws, naming what the plugin still reports, when no fix was applied. */
async function fixedText(name: string): Promise<string> {
  const result = await fixResult(name);
  if (result.output === undefined || result.output === sourceOf(name)) {
    throw new Error(
      `eslint --fix changed nothing in ${name}.ts; remaining reports:\n${describeMessages(result.messages).join('\n')}`,
    );
  }
  return result.output;
}

/** Transpiles TypeScript to CommonJS at `outFile` and loads it fresh with Node's own `require`. */
function compileAndLoad(code: string, outFile: string): FixtureModule {
  const { outputText, diagnostics = [] } = ts.transpileModule(code, {
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
      strict: true,
    },
    fileName: outFile.replace(/\.js$/, '.ts'),
    reportDiagnostics: true,
  });
  expect(diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))).toEqual([]);
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  fs.writeFileSync(outFile, outputText);
  Reflect.deleteProperty(require.cache, outFile);
  const loaded = require(outFile) as Partial<FixtureModule>;
  expect(typeof loaded.scenario).toBe('function');
  expect('serialResult' in loaded).toBe(true);
  return loaded as FixtureModule;
}

// Type-checking the fixed files: compiler options from the fixtures' tsconfig, copied next to the fixed
// files; library and declaration files are parsed once and shared by every program.
let compilerOptions: ts.CompilerOptions;
let compilerHost: ts.CompilerHost;

function prepareTypeCheck(): void {
  fs.mkdirSync(fixedDir, { recursive: true });
  for (const file of fs.readdirSync(fixturesDir)) {
    fs.copyFileSync(path.join(fixturesDir, file), path.join(fixedDir, file));
  }
  const configPath = path.join(fixedDir, 'tsconfig.json');
  const read = ts.readConfigFile(configPath, (file) => ts.sys.readFile(file));
  if (read.error) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, fixedDir, undefined, configPath);
  if (parsed.errors.length > 0) throw new Error(parsed.errors.map((e) => ts.flattenDiagnosticMessageText(e.messageText, '\n')).join('\n'));
  compilerOptions = parsed.options;
  compilerHost = ts.createCompilerHost(compilerOptions, true);
  const getSourceFile = compilerHost.getSourceFile.bind(compilerHost);
  const declarations = new Map<string, ts.SourceFile | undefined>();
  compilerHost.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    if (!fileName.endsWith('.d.ts')) return getSourceFile(fileName, languageVersion, onError, shouldCreate);
    if (!declarations.has(fileName)) declarations.set(fileName, getSourceFile(fileName, languageVersion, onError, shouldCreate));
    return declarations.get(fileName);
  };
}

const formatHost: ts.FormatDiagnosticsHost = {
  getCanonicalFileName: (fileName) => fileName,
  getCurrentDirectory: () => fixedDir,
  getNewLine: () => '\n',
};

function typeCheck(name: string, code: string): string[] {
  const file = path.join(fixedDir, `${name}.ts`);
  fs.writeFileSync(file, code);
  const program = ts.createProgram({ rootNames: [file], options: compilerOptions, host: compilerHost });
  const sourceFile = program.getSourceFile(file);
  if (!sourceFile) throw new Error(`${file} is not in the program`);
  return ts.getPreEmitDiagnostics(program, sourceFile).map((d) => ts.formatDiagnostics([d], formatHost).trim());
}

beforeAll(() => {
  fs.rmSync(tmpDir, { recursive: true, force: true });
  prepareTypeCheck();
});

it('has at least eight racy fixtures', () => {
  expect(fixtureNames.length).toBeGreaterThanOrEqual(8);
});

describe.each(fixtureNames)('%s', (name) => {
  it('the original is reported by the plugin', async () => {
    const result = await lintAs(checker, name, sourceOf(name));
    expect(result.messages.filter((m) => m.ruleId === null).map((m) => m.message)).toEqual([]);
    expect(result.messages.filter((m) => m.ruleId?.startsWith(PREFIX)).length).toBeGreaterThan(0);
  });

  it('the original loses updates or repeats guarded work when run concurrently', async () => {
    const original = compileAndLoad(sourceOf(name), path.join(originalDir, `${name}.js`));
    const observed = await original.scenario();
    expect(observed).not.toEqual(original.serialResult);
  });

  it('eslint --fix rewrites it', async () => {
    const result = await fixResult(name);
    expect(result.messages.filter((m) => m.ruleId === null).map((m) => m.message)).toEqual([]);
    expect(result.output, `no fix applied; remaining reports:\n${describeMessages(result.messages).join('\n')}`).toBeDefined();
    expect(result.output).not.toBe(sourceOf(name));
  });

  it('the fixed output type-checks', async () => {
    const fixed = await fixedText(name);
    expect(typeCheck(name, fixed)).toEqual([]);
  });

  it('the fixed output lints clean', async () => {
    const fixed = await fixedText(name);
    const result = await lintAs(checker, name, fixed);
    expect(describeMessages(result.messages)).toEqual([]);
  });

  it('the fixed output gives the serial result when run concurrently', async () => {
    const fixed = compileAndLoad(await fixedText(name), path.join(fixedDir, `${name}.js`));
    const observed = await fixed.scenario();
    expect(observed).toEqual(fixed.serialResult);
  });
});

// The second way out of a lazy initialisation: share the in-flight promise instead of locking. Where
// no-stale-check offers it, the suggestion's output must type-check, lint clean and, run, do the
// guarded work once.
const MEMO = 'memoizeInFlight';

async function memoizedText(name: string): Promise<string | undefined> {
  const result = await lintAs(checker, name, sourceOf(name));
  const suggestion = result.messages.flatMap((m) => m.suggestions ?? []).find((s) => s.messageId === MEMO);
  if (!suggestion) return undefined;
  const code = sourceOf(name);
  return code.slice(0, suggestion.fix.range[0]) + suggestion.fix.text + code.slice(suggestion.fix.range[1]);
}

it('the in-flight memo is offered for the lazy initialisations and not for the others', async () => {
  const offered: string[] = [];
  for (const name of fixtureNames) if ((await memoizedText(name)) !== undefined) offered.push(name);
  expect(offered).toEqual(['lazy-init', 'token-refresh']);
});

describe.each(['lazy-init', 'token-refresh'])('%s with the in-flight memo', (name) => {
  it('type-checks, lints clean, and does the work once when run concurrently', async () => {
    const memoized = await memoizedText(name);
    if (memoized === undefined) throw new Error(`no ${MEMO} suggestion on ${name}.ts`);
    expect(typeCheck(`${name}-memo`, memoized)).toEqual([]);
    expect(describeMessages((await lintAs(checker, name, memoized)).messages)).toEqual([]);
    const loaded = compileAndLoad(memoized, path.join(fixedDir, `${name}-memo.js`));
    expect(await loaded.scenario()).toEqual(loaded.serialResult);
  });
});
