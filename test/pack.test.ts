import * as fs from 'node:fs';
import * as path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  builtEntry,
  linkPackages,
  makeTempDir,
  racyCounter,
  removeTempDirs,
  repoRoot,
  run,
  userTsconfig,
  writeFiles,
} from './temp-project';

/**
 * What `npm pack` / `npm publish` ship, and that the shipped package works: the tarball is installed
 * (extracted) into a project outside this repository and linted with through ESLint's CLI, loaded by
 * `import` from eslint.config.mjs and by `require` from eslint.config.cjs.
 *
 * `--ignore-scripts` skips `prepack` (a clean rebuild of dist/, which would pull the files from under
 * the tests running next to this one); the suite runs after `npm run build`, so dist/ is current.
 */

interface PackResult {
  filename: string;
  files: Array<{ path: string }>;
}

interface PackageJson {
  name: string;
  version: string;
  main: string;
  types: string;
  exports: Record<string, string | Record<string, string>>;
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const plugin = require(builtEntry) as { rules: Record<string, unknown> };
const ruleNames = Object.keys(plugin.rules);
const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as PackageJson;

function npmPack(args: readonly string[]): PackResult {
  const result = run('npm', ['pack', '--json', '--ignore-scripts', ...args], { cwd: repoRoot });
  expect(result.stderr).not.toMatch(/npm (error|ERR!)/);
  expect(result.status).toBe(0);
  const packed = JSON.parse(result.stdout) as PackResult[];
  expect(packed).toHaveLength(1);
  return packed[0];
}

afterAll(removeTempDirs);

describe('npm pack', () => {
  let files: string[] = [];

  beforeAll(() => {
    files = npmPack(['--dry-run'])
      .files.map((file) => file.path)
      .sort();
  });

  it('ships only the bundled entry and the types, the rule docs, the README, the LICENSE and package.json', () => {
    const shipped = [
      /^package\.json$/,
      /^README\.md$/,
      /^LICENSE$/,
      /^docs\/rules\/[a-z0-9-]+\.md$/,
      /^dist\/src\/index\.js$/,
      /^dist\/(src|rules)\/[\w/-]+\.d\.ts$/,
    ];
    expect(files.filter((file) => !shipped.some((pattern) => pattern.test(file)))).toEqual([]);
  });

  it('ships no sources, tests, fixtures, scripts, examples or source maps', () => {
    expect(files.filter((file) => /^(src|rules|test|fixtures|scripts|examples|\.ci)\/|\.map$|\.tsbuildinfo$/.test(file))).toEqual([]);
  });

  // The entry's types refer to those of the rules and the engine; their code is in the entry.
  it('ships the types of every module of src/ and rules/', () => {
    const sources = ['src', 'rules'].flatMap((dir) =>
      fs
        .readdirSync(path.join(repoRoot, dir), { recursive: true, encoding: 'utf8' })
        .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
        .map((file) => `${dir}/${file.split(path.sep).join('/')}`),
    );
    expect(sources.length).toBeGreaterThan(0);
    const missing = sources
      .map((source) => source.replace(/\.ts$/, '.d.ts'))
      .map((compiled) => `dist/${compiled}`)
      .filter((compiled) => !files.includes(compiled));
    expect(missing).toEqual([]);
  });

  it('ships the entry points package.json names, with their types', () => {
    const entries = [pkg.main, pkg.types, ...Object.values(pkg.exports).flatMap((target) => (typeof target === 'string' ? [target] : Object.values(target)))];
    expect(entries).toContain('./dist/src/index.d.ts');
    for (const entry of entries) expect(files).toContain(path.posix.normalize(entry));
    expect(files).toEqual(expect.arrayContaining(['dist/src/index.js', 'dist/src/index.d.ts', 'README.md', 'LICENSE', 'package.json']));
  });

  it.each(ruleNames)('ships %s: its types and its doc', (name) => {
    expect(files).toEqual(expect.arrayContaining([`dist/rules/${name}.d.ts`, `docs/rules/${name}.md`]));
  });

  it('builds dist/ afresh before packing, so a fresh clone packs and publishes what its sources say', () => {
    expect(pkg.scripts.prepack).toMatch(/rmSync\('dist'.*&& npm run build$/);
  });
});

// Fresh ESLint and tsc processes with type information: longer than the default timeout on a busy machine.
describe('the packed tarball, installed in a project', { timeout: 120_000 }, () => {
  let project = '';

  beforeAll(() => {
    const scratch = makeTempDir('pack');
    const { filename } = npmPack(['--pack-destination', scratch]);
    expect(filename).toBe(`${pkg.name}-${pkg.version}.tgz`);

    project = path.join(scratch, 'project');
    const installed = path.join(project, 'node_modules', pkg.name);
    fs.mkdirSync(installed, { recursive: true });
    const untar = run('tar', ['-xzf', path.join(scratch, filename), '-C', installed, '--strip-components=1'], { cwd: scratch });
    expect(untar.stderr).toBe('');

    // What `npm install -D eslint-plugin-async-race typescript-eslint typescript` brings: the
    // package's declared dependencies and peers, and the user's own parser and mutex library. A
    // runtime import the package forgets to declare fails to resolve here.
    const shipped = JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8')) as PackageJson;
    linkPackages(project, new Set([...Object.keys(shipped.dependencies), ...Object.keys(shipped.peerDependencies), 'typescript-eslint', 'async-mutex']));

    const languageOptions = (dirname: string) => `{
    parser: tseslint.parser,
    parserOptions: { projectService: true, tsconfigRootDir: ${dirname} },
  }`;
    writeFiles(project, {
      'package.json': `${JSON.stringify({ name: 'user-project', private: true }, null, 2)}\n`,
      'tsconfig.json': userTsconfig,
      'src/counter.ts': racyCounter.code,
      // The package's types, as a TypeScript user of the plugin sees them.
      'src/plugin-types.ts': `import asyncRace from 'eslint-plugin-async-race';

export const configNames: string[] = Object.keys(asyncRace.configs);
export const ruleNames: string[] = Object.keys(asyncRace.rules);
`,
      'eslint.config.mjs': `import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';
import asyncRace from 'eslint-plugin-async-race';

export default defineConfig({
  files: ['**/*.{ts,tsx,mts,cts}'],
  extends: [asyncRace.configs.recommended],
  languageOptions: ${languageOptions('import.meta.dirname')},
});
`,
      'eslint.config.cjs': `const { defineConfig } = require('eslint/config');
const tseslint = require('typescript-eslint');
const asyncRace = require('eslint-plugin-async-race');

module.exports = defineConfig({
  files: ['**/*.{ts,tsx,mts,cts}'],
  extends: [asyncRace.configs.recommended],
  languageOptions: ${languageOptions('__dirname')},
});
`,
    });
  });

  it('resolves by its package name to the compiled entry, from the installed copy', () => {
    const resolved = run(process.execPath, ['-p', "require.resolve('eslint-plugin-async-race')"], { cwd: project });
    expect(resolved.stdout.trim()).toBe(path.join(project, 'node_modules', pkg.name, 'dist/src/index.js'));
  });

  // One file to read and compile instead of ~35 modules: what a pre-commit hook on one file pays.
  it('loads as one bundled file, which finds its own package.json for meta', () => {
    const script = `const path = require('node:path');
const plugin = require('eslint-plugin-async-race');
const dir = path.dirname(require.resolve('eslint-plugin-async-race/package.json'));
const loaded = Object.keys(require.cache).filter((file) => file.startsWith(dir + path.sep)).map((file) => path.relative(dir, file).split(path.sep).join('/'));
console.log(JSON.stringify({ meta: plugin.meta, loaded }));`;
    const result = run(process.execPath, ['-e', script], { cwd: project });
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({ meta: { name: pkg.name, version: pkg.version }, loaded: ['dist/src/index.js'] });
    const entry = fs.readFileSync(path.join(project, 'node_modules', pkg.name, 'dist/src/index.js'), 'utf8');
    expect(entry).not.toMatch(/require\(["']\.\.?\//);
  });

  it.each(['eslint.config.mjs', 'eslint.config.cjs'])('reports the lost update through the ESLint CLI with %s', (configFile) => {
    const eslint = path.join(project, 'node_modules/eslint/bin/eslint.js');
    const result = run(process.execPath, [eslint, '--config', configFile, '--format', 'json', 'src/counter.ts'], { cwd: project });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(1);
    const [lint] = JSON.parse(result.stdout) as Array<{ filePath: string; messages: Array<Record<string, unknown>> }>;
    expect(lint.filePath).toBe(path.join(project, 'src/counter.ts'));
    expect(lint.messages.map(({ ruleId, line, column, message }) => ({ ruleId, line, column, message }))).toEqual([racyCounter.report]);
  });

  it('type-checks a TypeScript file that imports the plugin (the shipped .d.ts files are complete)', () => {
    const tsc = path.join(project, 'node_modules/typescript/bin/tsc');
    const result = run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: project });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
