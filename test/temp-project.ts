import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Throwaway user projects for the tests that run the plugin the way users do (packed tarball,
 * pre-commit hooks): a directory in the OS temp dir, outside this repository, so Node's module
 * resolution cannot fall back on the repo's own `node_modules`. Packages come from symlinks into the
 * shared install: these tests never run `npm install`.
 */

export const repoRoot = path.resolve(__dirname, '..');
const repoModules = fs.realpathSync(path.join(repoRoot, 'node_modules'));

/** The built plugin entry (the suite runs after `npm run build`). */
export const builtEntry = path.join(repoRoot, 'dist/src/index.js');

/** A new empty directory under the OS temp dir; `removeTempDirs()` deletes every one made. */
const made: string[] = [];
export function makeTempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `async-race-${prefix}-`));
  made.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/** Writes `files` (relative path → text) under `dir`, creating folders. */
export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    const file = path.join(dir, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  }
}

/** Makes each package (`eslint`, `@typescript-eslint/utils`, …) resolvable from `projectDir` by a symlink into the shared install. */
export function linkPackages(projectDir: string, names: Iterable<string>): void {
  for (const name of names) {
    const link = path.join(projectDir, 'node_modules', name);
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.symlinkSync(path.join(repoModules, name), link, 'dir');
  }
}

/** Links the whole shared install as `projectDir/node_modules` (what a project after `npm ci` has, binaries included). */
export function linkAllPackages(projectDir: string): void {
  fs.symlinkSync(repoModules, path.join(projectDir, 'node_modules'), 'dir');
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion; a non-zero exit is a result to assert on, not an exception. */
export function run(command: string, args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): RunResult {
  const result = spawnSync(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A lost update, and exactly what `eslint --fix` turns it into. */
export const racyCounter = {
  code: `declare function save(): Promise<void>;

let counter = 0;

export async function increment(): Promise<void> {
  const current = counter;
  await save();
  counter = current + 1;
}
`,
  fixed: `import { Mutex } from 'async-mutex';

declare function save(): Promise<void>;

let counter = 0;
const counterMutex = new Mutex();

export async function increment(): Promise<void> {
  await counterMutex.runExclusive(async () => {
    const current = counter;
    await save();
    counter = current + 1;
  });
}
`,
  report: {
    ruleId: 'async-race/no-lost-update',
    line: 8,
    column: 3,
    message: '`counter` was read on line 6, the function suspended at line 7, and this write overwrites any update made meanwhile.',
  },
};

/** A tsconfig for a small user project whose sources are in `src/`. */
export const userTsconfig = `${JSON.stringify(
  {
    compilerOptions: {
      target: 'ES2022',
      module: 'node16',
      moduleResolution: 'node16',
      lib: ['ES2022'],
      types: [],
      strict: true,
      esModuleInterop: true,
      noEmit: true,
    },
    include: ['src'],
  },
  null,
  2,
)}\n`;

/**
 * A user project after `npm ci`: the shared install as its `node_modules`, a tsconfig for `src/`, and
 * an eslint.config.mjs with typescript-eslint's project service and the built plugin's recommended
 * config, plus `extra` files.
 */
export function createUserProject(prefix: string, extra: Record<string, string> = {}): string {
  const dir = makeTempDir(prefix);
  linkAllPackages(dir);
  writeFiles(dir, {
    'package.json': `${JSON.stringify({ name: 'user-project', private: true, type: 'module', scripts: { prepare: 'husky' } }, null, 2)}\n`,
    'tsconfig.json': userTsconfig,
    'eslint.config.mjs': `import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';
import asyncRace from ${JSON.stringify(pathToFileURL(builtEntry).href)};

export default defineConfig({
  files: ['**/*.{ts,tsx,mts,cts}'],
  extends: [asyncRace.configs.recommended],
  languageOptions: {
    parser: tseslint.parser,
    parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
  },
});
`,
    ...extra,
  });
  return dir;
}
