import * as fs from 'node:fs';
import * as path from 'node:path';
import { stripVTControlCharacters } from 'node:util';

import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';

import { createUserProject, makeTempDir, racyCounter, removeTempDirs, repoRoot, run, writeFiles } from './temp-project';

/**
 * The pre-commit integrations, run as they run for a user: a temporary git repository holding a
 * small TypeScript project (its `node_modules` the shared install, as after `npm ci`; its
 * eslint.config.mjs loading the built plugin) stages a racy file, then
 *  - commits through husky and lint-staged, configured with the files in examples/pre-commit/;
 *  - runs the `.pre-commit-hooks.yaml` hook's entry on the staged files, as the pre-commit framework
 *    does: with `eslint` on the PATH from the hook's environment, and the file names as arguments.
 * A race the plugin can fix is fixed; one it cannot fix rejects the commit with the report.
 */

const examples = path.join(repoRoot, 'examples/pre-commit');

/** A race with no autofix: the `yield` cannot move into a `runExclusive` callback. */
const unfixableRace = {
  code: `let produced = 0;

export async function* produce(): AsyncGenerator<number> {
  const before = produced;
  yield before;
  produced = before + 1;
}
`,
  // ESLint's default (stylish) output: the position, the message without its final period, the rule.
  report:
    /6:3\s+error\s+`produced` was read on line 4, the function suspended at line 5, and this write overwrites any update made meanwhile\s+async-race\/no-lost-update/,
};

// A user's shell, not the test runner's: no git or hook-manager variables (say, of a test run from a
// git hook), and none of vitest's (NODE_ENV=test and FORCE_COLOR switch lint-staged's renderer).
const env = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !/^(GIT_|HUSKY|VITEST|NODE_ENV$|FORCE_COLOR$)/.test(name)),
);

function git(cwd: string, ...args: string[]) {
  const result = run('git', args, { cwd, env });
  expect(result.stderr).not.toMatch(/^fatal:/m);
  return result;
}

/** A committed project with the plugin configured and no source files yet, plus `extra` files. */
function userRepository(name: string, extra: Record<string, string> = {}): string {
  const dir = createUserProject(name, { '.gitignore': 'node_modules\n', ...extra });
  git(dir, 'init', '--quiet', '--initial-branch=main');
  git(dir, 'config', 'user.name', 'Test');
  git(dir, 'config', 'user.email', 'test@example.com');
  git(dir, 'config', 'commit.gpgsign', 'false');
  git(dir, 'add', '--all');
  git(dir, 'commit', '--quiet', '--message', 'project');
  return dir;
}

function stage(dir: string, file: string, text: string): void {
  writeFiles(dir, { [file]: text });
  git(dir, 'add', file);
}

const read = (dir: string, file: string) => fs.readFileSync(path.join(dir, file), 'utf8');
const commitCount = (dir: string) => Number(git(dir, 'rev-list', '--count', 'HEAD').stdout.trim());

afterAll(removeTempDirs);

// Each case lints with type information in fresh processes: longer than the default timeout on a busy machine.
describe('husky + lint-staged (examples/pre-commit)', { timeout: 120_000 }, () => {
  /** A repository with the example's lint-staged config and husky hook, installed as `npm install` installs it (`prepare: husky`). */
  function huskyRepository(name: string): string {
    const dir = userRepository(name, {
      '.lintstagedrc.json': fs.readFileSync(path.join(examples, '.lintstagedrc.json'), 'utf8'),
      '.husky/pre-commit': fs.readFileSync(path.join(examples, '.husky/pre-commit'), 'utf8'),
    });
    const prepare = run(process.execPath, [path.join(dir, 'node_modules/husky/bin.js')], { cwd: dir, env });
    expect(prepare.status).toBe(0);
    expect(git(dir, 'config', 'core.hooksPath').stdout.trim()).toBe('.husky/_');
    return dir;
  }

  it('fixes a staged lost update and commits the fixed file', () => {
    const dir = huskyRepository('lint-staged-fix');
    stage(dir, 'src/counter.ts', racyCounter.code);

    const commit = git(dir, 'commit', '--message', 'counter');

    expect(commit.status).toBe(0);
    expect(git(dir, 'show', 'HEAD:src/counter.ts').stdout).toBe(racyCounter.fixed);
    expect(read(dir, 'src/counter.ts')).toBe(racyCounter.fixed);
    expect(git(dir, 'status', '--porcelain').stdout).toBe('');
  });

  it('rejects the commit of a race it cannot fix, with the report', () => {
    const dir = huskyRepository('lint-staged-reject');
    stage(dir, 'src/produce.ts', unfixableRace.code);

    const commit = git(dir, 'commit', '--message', 'produce');

    expect(commit.status).not.toBe(0);
    expect(stripVTControlCharacters(commit.stdout + commit.stderr)).toMatch(unfixableRace.report);
    expect(commitCount(dir)).toBe(1);
    expect(git(dir, 'show', ':src/produce.ts').stdout).toBe(unfixableRace.code);
  });
});

describe('.pre-commit-hooks.yaml (the pre-commit framework)', { timeout: 120_000 }, () => {
  interface ManifestHook {
    id: string;
    entry: string;
    language: string;
    files: string;
    args?: string[];
    pass_filenames?: boolean;
    require_serial?: boolean;
  }

  const [hook, ...others] = parseYaml(fs.readFileSync(path.join(repoRoot, '.pre-commit-hooks.yaml'), 'utf8')) as ManifestHook[];

  it('declares one node hook, async-race, that gets the staged script files in one process', () => {
    expect(others).toEqual([]);
    expect(hook).toMatchObject({ id: 'async-race', language: 'node', require_serial: true });
    expect(hook.pass_filenames).not.toBe(false);
    const files = new RegExp(hook.files);
    expect(['a.ts', 'b/c.tsx', 'd.mts', 'e.cts', 'f.js', 'g.jsx', 'h.mjs', 'i.cjs'].filter((file) => !files.test(file))).toEqual([]);
    expect(['README.md', 'package.json', 'a.d.ts.map', 'style.css'].filter((file) => files.test(file))).toEqual([]);
  });

  /**
   * Runs the hook as pre-commit runs it: `entry` and `args`, then the staged files that match
   * `files`, with the hook environment's `bin` (where additional_dependencies put `eslint`) first on
   * the PATH and its `lib/node_modules` as NODE_PATH.
   */
  function runHook(dir: string) {
    const hookEnv = makeTempDir('pre-commit-env');
    fs.mkdirSync(path.join(hookEnv, 'bin'));
    fs.symlinkSync(path.join(dir, 'node_modules/eslint/bin/eslint.js'), path.join(hookEnv, 'bin/eslint'));
    fs.mkdirSync(path.join(hookEnv, 'lib/node_modules'), { recursive: true });
    fs.symlinkSync(path.join(dir, 'node_modules/eslint'), path.join(hookEnv, 'lib/node_modules/eslint'), 'dir');

    const staged = git(dir, 'diff', '--staged', '--name-only', '--no-ext-diff', '--diff-filter=ACMRTUXB')
      .stdout.split('\n')
      .filter((file) => file !== '' && new RegExp(hook.files).test(file));
    // pre-commit splits `entry` like a shell; ours has no quoting.
    expect(hook.entry).not.toMatch(/["'\\]/);
    const [command, ...entryArgs] = hook.entry.split(/\s+/);
    return run(command, [...entryArgs, ...(hook.args ?? []), ...staged], {
      cwd: dir,
      env: {
        ...env,
        PATH: `${path.join(hookEnv, 'bin')}${path.delimiter}${env.PATH ?? ''}`,
        NODE_PATH: path.join(hookEnv, 'lib/node_modules'),
      },
    });
  }

  it('fixes a staged lost update in the working tree, which makes pre-commit stop the commit for review', () => {
    const dir = userRepository('pre-commit-fix');
    stage(dir, 'src/counter.ts', racyCounter.code);

    const result = runHook(dir);

    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(read(dir, 'src/counter.ts')).toBe(racyCounter.fixed);
    // pre-commit fails a hook that modified files: the fix is left unstaged for the user to review.
    expect(git(dir, 'diff', '--name-only').stdout).toBe('src/counter.ts\n');
  });

  it('exits non-zero with the report for a race it cannot fix, and leaves the file alone', () => {
    const dir = userRepository('pre-commit-reject');
    stage(dir, 'src/produce.ts', unfixableRace.code);

    const result = runHook(dir);

    expect(result.status).toBe(1);
    expect(stripVTControlCharacters(result.stdout)).toMatch(unfixableRace.report);
    expect(read(dir, 'src/produce.ts')).toBe(unfixableRace.code);
  });
});
