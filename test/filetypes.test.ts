import * as fs from 'node:fs';
import * as path from 'node:path';

import type { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

import { eslintMajors, repositoryRoot, typedLintOptions, typeErrors } from './eslint-api';

/**
 * Every file type the plugin lints, through ESLint's public API as a user's config runs it:
 * typescript-eslint's parser with the project service and `configs.recommended`, over
 * `fixtures/filetypes` (a project with `allowJs`, `checkJs` and `jsx: preserve`). Each extension has
 * a racy file, reported and fixed, and a correct one that takes a lock (in the JavaScript files
 * through `require('async-mutex')`) and lints clean.
 */

const fixture = path.join(repositoryRoot, 'fixtures', 'filetypes');

interface FileCase {
  /** The racy file's one report: line, column, message. */
  report: [number, number, string];
  /** The racy file after `--fix`. */
  output: string;
}

const racy: Record<string, FileCase> = {
  'ts/racy.ts': {
    report: [8, 3, '`balance` was read on line 6, the function suspended at line 7, and this write overwrites any update made meanwhile.'],
    output: `import { setTimeout as sleep } from 'node:timers/promises';
import { Mutex } from 'async-mutex';

let balance = 0;
const balanceMutex = new Mutex();

export async function deposit(amount: number): Promise<number> {
  await balanceMutex.runExclusive(async () => {
    const current = balance;
    await sleep(10);
    balance = current + amount;
  });
  return balance;
}
`,
  },
  'tsx/racy.tsx': {
    report: [9, 5, '`clicks` was read on line 7, the function suspended at line 8, and this write overwrites any update made meanwhile.'],
    output: `import { setTimeout as sleep } from 'node:timers/promises';
import { Mutex } from 'async-mutex';

let clicks = 0;
const clicksMutex = new Mutex();

export function ClickCounter(): JSX.Element {
  const onClick = async () => {
    await clicksMutex.runExclusive(async () => {
      const seen = clicks;
      await sleep(5);
      clicks = seen + 1;
    });
  };
  return <button onClick={onClick}>clicked {clicks} times</button>;
}
`,
  },
  'mts/racy.mts': {
    report: [8, 3, 'an entry of `visits` was read on line 6, the function suspended at line 7, and this write overwrites any update made meanwhile.'],
    output: `import { setTimeout as sleep } from 'node:timers/promises';
import { Mutex } from 'async-mutex';

const visits = new Map<string, number>();
const visitsMutex = new Mutex();

export async function recordVisit(page: string): Promise<void> {
  await visitsMutex.runExclusive(async () => {
    const count = visits.get(page) ?? 0;
    await sleep(1);
    visits.set(page, count + 1);
  });
}
`,
  },
  // A CommonJS TypeScript module that imports async-mutex with `import … = require(…)`: the fix reuses it.
  'cts/racy.cts': {
    report: [13, 5, '`this.stock` was read on line 11, the function suspended at line 12, and this write overwrites any update made meanwhile.'],
    output: `import asyncMutex = require('async-mutex');
import { setTimeout as sleep } from 'node:timers/promises';

/** At most two reservations talk to the warehouse at once. */
const warehouse = new asyncMutex.Semaphore(2);

export class Inventory {
  private readonly stockMutex = new asyncMutex.Mutex();
  private stock = 10;

  async reserve(quantity: number): Promise<void> {
    await this.stockMutex.runExclusive(async () => {
      const available = this.stock;
      await warehouse.runExclusive(() => sleep(5));
      this.stock = available - quantity;
    });
  }
}
`,
  },
  // CommonJS by the fixture's package.json ("type": "commonjs") and by its own require calls.
  'js/racy.js': {
    report: [9, 3, '`nextTicket` was read on line 7, the function suspended at line 8, and this write overwrites any update made meanwhile.'],
    output: `const { Mutex } = require('async-mutex');

const { setTimeout: sleep } = require('node:timers/promises');

let nextTicket = 1;
const nextTicketMutex = new Mutex();

/** @returns {Promise<number>} */
async function issueTicket() {
  const ticket = await nextTicketMutex.runExclusive(async () => {
    const ticket = nextTicket;
    await sleep(5);
    nextTicket = ticket + 1;
    return ticket;
  });
  return ticket;
}

module.exports = { issueTicket };
`,
  },
  'jsx/racy.jsx': {
    report: [9, 5, '`likes` was read on line 7, the function suspended at line 8, and this write overwrites any update made meanwhile.'],
    output: `import { setTimeout as sleep } from 'node:timers/promises';
import { Mutex } from 'async-mutex';

let likes = 0;
const likesMutex = new Mutex();

export function LikeButton() {
  const onClick = async () => {
    await likesMutex.runExclusive(async () => {
      const before = likes;
      await sleep(5);
      likes = before + 1;
    });
  };
  return <button onClick={onClick}>{likes} likes</button>;
}
`,
  },
  'mjs/racy.mjs': {
    report: [9, 3, '`totals.orders` was read on line 7, the function suspended at line 8, and this write overwrites any update made meanwhile.'],
    output: `import { setTimeout as sleep } from 'node:timers/promises';
import { Mutex } from 'async-mutex';

export const totals = { orders: 0 };
const totalsMutex = new Mutex();

/** @param {number} count */
export async function addOrders(count) {
  await totalsMutex.runExclusive(async () => {
    const before = totals.orders;
    await sleep(2);
    totals.orders = before + count;
  });
}
`,
  },
  'cjs/racy.cjs': {
    report: [10, 3, '`refreshes` was read on line 8, the function suspended at line 9, and this write overwrites any update made meanwhile.'],
    output: `'use strict';
const { Mutex } = require('async-mutex');

const { setTimeout: sleep } = require('node:timers/promises');

let refreshes = 0;
const refreshesMutex = new Mutex();

async function refresh() {
  await refreshesMutex.runExclusive(async () => {
    const done = refreshes;
    await sleep(3);
    refreshes = done + 1;
  });
}

module.exports = { refresh };
`,
  },
};

const extensions = ['ts', 'tsx', 'mts', 'cts', 'js', 'jsx', 'mjs', 'cjs'];
const correctFiles = extensions.map((ext) => `${ext}/correct.${ext}`);

const byFile = (results: readonly ESLint.LintResult[]) =>
  new Map(results.map((result) => [path.relative(fixture, result.filePath).split(path.sep).join('/'), result]));

it('the fixture holds one racy and one correct file per extension, and type-checks', () => {
  expect(Object.keys(racy)).toEqual(extensions.map((ext) => `${ext}/racy.${ext}`));
  for (const file of [...Object.keys(racy), ...correctFiles]) expect(fs.existsSync(path.join(fixture, file))).toBe(true);
  expect(typeErrors(fixture)).toEqual([]);
});

describe.each(eslintMajors)('with %s, configs.recommended', (_major, ESLint) => {
  const options = typedLintOptions(fixture, 'recommended');
  let linted: Map<string, ESLint.LintResult>;
  let fixed: Map<string, ESLint.LintResult>;

  beforeAll(async () => {
    linted = byFile(await new ESLint(options).lintFiles(['.']));
    fixed = byFile(await new ESLint({ ...options, fix: true }).lintFiles(['.']));
  });

  it('lints every file of the project', () => {
    expect([...linted.keys()].sort()).toEqual([...Object.keys(racy), ...correctFiles, 'jsx.d.ts'].sort());
  });

  it.each(Object.entries(racy))('reports the race in %s', (file, { report }) => {
    const messages = linted.get(file)?.messages.map((message) => [message.ruleId, message.line, message.column, message.message]);
    expect(messages).toEqual([['async-race/no-lost-update', ...report]]);
  });

  it.each(correctFiles)('does not report %s, whose lock is recognised', (file) => {
    expect(linted.get(file)?.messages).toEqual([]);
  });

  it.each(Object.entries(racy))('fixes %s with --fix, importing Mutex in the file’s module style', (file, { output }) => {
    const result = fixed.get(file);
    expect(result?.output).toBe(output);
    expect(result?.messages).toEqual([]);
  });

  it.each(correctFiles)('leaves %s unchanged with --fix', (file) => {
    expect(fixed.get(file)?.output).toBeUndefined();
  });
});

describe('the fixed project', () => {
  // Inside the repository, so that async-mutex and @types/node resolve from its node_modules.
  let copy: string;
  beforeAll(() => {
    const scratch = path.join(repositoryRoot, '.tmp');
    fs.mkdirSync(scratch, { recursive: true });
    copy = fs.mkdtempSync(path.join(scratch, 'filetypes-fixed-'));
    fs.cpSync(fixture, copy, { recursive: true });
    for (const [file, { output }] of Object.entries(racy)) fs.writeFileSync(path.join(copy, file), output);
    return () => {
      fs.rmSync(copy, { recursive: true, force: true });
    };
  });

  it('type-checks', () => {
    expect(typeErrors(copy)).toEqual([]);
  });

  it('lints clean', async () => {
    const [, ESLint] = eslintMajors[0];
    const results = await new ESLint(typedLintOptions(copy, 'recommended')).lintFiles(['.']);
    expect(results.flatMap((result) => result.messages)).toEqual([]);
    expect(results).toHaveLength(Object.keys(racy).length + correctFiles.length + 1);
  });
});
