// What the rules keep for the file being linted (PerFile): made once per file, and let go as soon as
// the plugin's last rule is done with the file, so that the garbage collector can take the file
// (see src/util/per-file.ts for why it must not wait for the next file).
import * as path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

import tsParser from '@typescript-eslint/parser';
import { Linter, type Rule } from 'eslint';
import { describe, expect, it } from 'vitest';

import plugin from '../src/index';
import { endFile, PerFile, startFile } from '../src/util/per-file';
import { racyCode, rulesFixture } from './rule-tester';

setFlagsFromString('--expose-gc');
const fullGc = runInNewContext('gc') as () => void;

/** A full collection, after the current job: a WeakRef's target made or read in a job stays alive until it ends. */
async function gc(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 0));
  fullGc();
}

/** Makes a value for a file through `cache`, and returns a weak reference to it only. */
function keepFor(cache: PerFile<object>, file: object): WeakRef<object> {
  return new WeakRef(cache.get(file, () => ({ big: new Array(1000).fill(0) })));
}

describe('PerFile', () => {
  it('makes a value once for the file being linted, and anew for another file', () => {
    const cache = new PerFile<{ n: number }>();
    const a = {};
    const b = {};
    let made = 0;
    const make = () => ({ n: ++made });
    expect(cache.get(a, make)).toEqual({ n: 1 });
    expect(cache.get(a, make)).toEqual({ n: 1 });
    expect(cache.get(b, make)).toEqual({ n: 2 });
    // Only the file being linted is kept: a file linted again (a fix pass has a new source code object) is made anew.
    expect(cache.get(a, make)).toEqual({ n: 3 });
  });

  it('keeps the value until the last of the rules that started on the file is done with it', async () => {
    const cache = new PerFile<object>();
    const file = {};
    startFile(file);
    startFile(file);
    const kept = keepFor(cache, file);
    endFile(file);
    await gc();
    expect(kept.deref()).toBeDefined();
    let made = 0;
    cache.get(file, () => ({ made: ++made }));
    expect(made).toBe(0);
    endFile(file);
    await gc();
    expect(kept.deref()).toBeUndefined();
  });

  it('lets go of a file whose rules did not all finish once a rule starts on another file', async () => {
    const cache = new PerFile<object>();
    const first = {};
    startFile(first);
    startFile(first);
    const kept = keepFor(cache, first);
    endFile(first);
    startFile({});
    await gc();
    expect(kept.deref()).toBeUndefined();
  });

  it('ignores the end of a file that is no longer the one being linted', async () => {
    const cache = new PerFile<object>();
    const old = {};
    const current = {};
    startFile(old);
    startFile(current);
    startFile(current);
    const kept = keepFor(cache, current);
    endFile(old);
    endFile(current);
    await gc();
    expect(kept.deref()).toBeDefined();
    endFile(current);
    await gc();
    expect(kept.deref()).toBeUndefined();
  });
});

describe('the rules', () => {
  it('let go of a file once the last of them has reported on it', async () => {
    let tree: WeakRef<object> | undefined;
    const probe: Rule.RuleModule = {
      meta: { type: 'problem', schema: [] },
      create(context) {
        tree = new WeakRef(context.sourceCode.ast);
        return {};
      },
    };
    const lint = (): string[] =>
      new Linter({ configType: 'flat' })
        .verify(
          racyCode,
          [
            {
              files: ['**/*.ts'],
              languageOptions: { parser: tsParser, parserOptions: { projectService: true, tsconfigRootDir: rulesFixture } },
            },
            plugin.configs.all as Linter.Config,
            { plugins: { probe: { rules: { probe } } }, rules: { 'probe/probe': 'error' } },
          ],
          { filename: path.join(rulesFixture, 'file.ts') },
        )
        .map((message) => `${message.ruleId}:${message.line}`);
    expect(lint()).toEqual(['async-race/no-lost-update:7']);
    await gc();
    // The findings of the file hold its nodes, and through them the whole tree.
    expect(tree?.deref()).toBeUndefined();
  });
});
