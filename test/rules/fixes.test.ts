import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import tsParser from '@typescript-eslint/parser';
import type { InvalidTestCase } from '@typescript-eslint/rule-tester';
import { Linter } from 'eslint';
import * as ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';

import noLostUpdate, { type MessageIds as LostUpdateIds } from '../../rules/no-lost-update';
import noStaleCheck, { type MessageIds as StaleCheckIds } from '../../rules/no-stale-check';
import type { RaceRuleOptions } from '../../src/analysis/options';
import { typeCheckInFixtureCopy } from '../fixed-outputs';
import { createRuleTester, rulesFixture } from '../rule-tester';

// The built plugin, as users load it (the suite runs after `npm run build`).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const plugin = require('../../dist/src/index.js') as { configs: { all: object } };

/**
 * The runExclusive wrap, shape by shape: the exact output of `--fix` (null where no autofix is
 * safe), and the exact suggestion offered on each report. A suggestion whose output is the same as
 * the autofix is written SAME_AS_FIX.
 */
const SAME_AS_FIX = Symbol('same as the autofix output');

interface FixCase {
  name: string;
  filename: 'file.ts' | 'script.cjs';
  code: string;
  /** The output of `--fix`; one per pass when a later pass builds on an earlier one. */
  output: string | string[] | null;
  options?: RaceRuleOptions;
  errors: Array<{
    rule: 'no-lost-update' | 'no-stale-check';
    messageId: string;
    line: number;
    column: number;
    suggestions: Array<{ messageId: string; data: Record<string, string | number>; output: string | typeof SAME_AS_FIX }>;
  }>;
}

const twoRaces = `declare function save(): Promise<void>;
let counter = 0;

export async function increment() {
  const current = counter;
  await save();
  counter = current + 1;
}

export async function decrement() {
  const current = counter;
  await save();
  counter = current - 1;
}
`;
const twoRacesPassOne = `import { Mutex } from 'async-mutex';

declare function save(): Promise<void>;
let counter = 0;
const counterMutex = new Mutex();

export async function increment() {
  await counterMutex.runExclusive(async () => {
    const current = counter;
    await save();
    counter = current + 1;
  });
}

export async function decrement() {
  const current = counter;
  await save();
  counter = current - 1;
}
`;
const twoRacesPassTwo = `import { Mutex } from 'async-mutex';

declare function save(): Promise<void>;
let counter = 0;
const counterMutex = new Mutex();

export async function increment() {
  await counterMutex.runExclusive(async () => {
    const current = counter;
    await save();
    counter = current + 1;
  });
}

export async function decrement() {
  await counterMutex.runExclusive(async () => {
    const current = counter;
    await save();
    counter = current - 1;
  });
}
`;
const twoRacesSecondOnly = `import { Mutex } from 'async-mutex';

declare function save(): Promise<void>;
let counter = 0;
const counterMutex = new Mutex();

export async function increment() {
  const current = counter;
  await save();
  counter = current + 1;
}

export async function decrement() {
  await counterMutex.runExclusive(async () => {
    const current = counter;
    await save();
    counter = current - 1;
  });
}
`;

/**
 * A lost update whose write spans lines (`write`, its later lines at the start of the line): the
 * wrap indents the section by one step, and must leave the write's later lines as they are.
 */
function multiLineWrite(name: string, write: string): FixCase {
  const head = `declare function save(value?: unknown): Promise<void>;

let journal = '';
`;
  const body = (indent: string) => `${indent}const before = journal;
${indent}await save(entry);
${indent}${write}
`;
  return {
    name,
    filename: 'file.ts',
    code: `${head}
export async function append(entry: string) {
${body('  ')}}
`,
    output: `import { Mutex } from 'async-mutex';

${head}const journalMutex = new Mutex();

export async function append(entry: string) {
  await journalMutex.runExclusive(async () => {
${body('    ')}  });
}
`,
    errors: [
      {
        rule: 'no-lost-update',
        messageId: 'lostUpdate',
        line: 8,
        column: 3,
        suggestions: [{ messageId: 'wrapInMutex', data: { firstLine: 6, lastLine: 7 + write.split('\n').length, mutex: 'journalMutex' }, output: SAME_AS_FIX }],
      },
    ],
  };
}

const cases: FixCase[] = [
  {
    name: "module state: a mutex declared after the state, and the import added",
    filename: 'file.ts',
    code: `declare function save(value?: unknown): Promise<void>;
declare function load(key: string): Promise<number>;

let counter = 0;

export async function increment() {
  const current = counter;
  await save();
  counter = current + 1;
}
`,
    output: `import { Mutex } from 'async-mutex';

declare function save(value?: unknown): Promise<void>;
declare function load(key: string): Promise<number>;

let counter = 0;
const counterMutex = new Mutex();

export async function increment() {
  await counterMutex.runExclusive(async () => {
    const current = counter;
    await save();
    counter = current + 1;
  });
}
`,
    errors: [{ rule: 'no-lost-update', messageId: 'lostUpdate', line: 9, column: 3, suggestions: [{ messageId: 'wrapInMutex', data: {"firstLine":7,"lastLine":9,"mutex":"counterMutex"}, output: SAME_AS_FIX }] }],
  },
  {
    name: "imported state: a module-level mutex after the imports",
    filename: 'file.ts',
    code: `import { stats } from './lib/store';
declare function save(value?: unknown): Promise<void>;
declare function load(key: string): Promise<number>;

export async function count() {
  const seen = stats.count;
  await save();
  stats.count = seen + 1;
}
`,
    output: `import { stats } from './lib/store';
import { Mutex } from 'async-mutex';
const statsMutex = new Mutex();
declare function save(value?: unknown): Promise<void>;
declare function load(key: string): Promise<number>;

export async function count() {
  await statsMutex.runExclusive(async () => {
    const seen = stats.count;
    await save();
    stats.count = seen + 1;
  });
}
`,
    errors: [{ rule: 'no-lost-update', messageId: 'lostUpdate', line: 8, column: 3, suggestions: [{ messageId: 'wrapInMutex', data: {"firstLine":6,"lastLine":8,"mutex":"statsMutex"}, output: SAME_AS_FIX }] }],
  },
  {
    name: "a static field of an imported class: a module-level mutex after the imports, as for other imported state",
    filename: 'file.ts',
    code: `import { Ids } from './lib/store';
declare function save(value?: unknown): Promise<void>;

export async function reserve() {
  const id = Ids.next;
  await save(id);
  Ids.next = id + 1;
}
`,
    output: `import { Ids } from './lib/store';
import { Mutex } from 'async-mutex';
const nextMutex = new Mutex();
declare function save(value?: unknown): Promise<void>;

export async function reserve() {
  await nextMutex.runExclusive(async () => {
    const id = Ids.next;
    await save(id);
    Ids.next = id + 1;
  });
}
`,
    errors: [{ rule: 'no-lost-update', messageId: 'lostUpdate', line: 7, column: 3, suggestions: [{ messageId: 'wrapInMutex', data: {"firstLine":5,"lastLine":7,"mutex":"nextMutex"}, output: SAME_AS_FIX }] }],
  },
  {
    name: "a closure variable shared by concurrent callbacks: the mutex is declared right after it",
    filename: 'file.ts',
    code: `declare function save(value?: unknown): Promise<void>;
declare function load(key: string): Promise<number>;

export async function totalPrice(items: string[]) {
  let total = 0;
  await Promise.all(
    items.map(async (item) => {
      total += await load(item);
    }),
  );
  return total;
}
`,
    output: `import { Mutex } from 'async-mutex';

declare function save(value?: unknown): Promise<void>;
declare function load(key: string): Promise<number>;

export async function totalPrice(items: string[]) {
  let total = 0;
  const totalMutex = new Mutex();
  await Promise.all(
    items.map(async (item) => {
      await totalMutex.runExclusive(async () => {
        total += await load(item);
      });
    }),
  );
  return total;
}
`,
    errors: [{ rule: 'no-lost-update', messageId: 'lostUpdate', line: 8, column: 7, suggestions: [{ messageId: 'wrapInMutex', data: {"firstLine":8,"lastLine":8,"mutex":"totalMutex"}, output: SAME_AS_FIX }] }],
  },
  {
    name: "an instance field: one private readonly mutex field per instance",
    filename: 'file.ts',
    code: `declare function save(value?: unknown): Promise<void>;
declare function load(key: string): Promise<number>;

export class Account {
  private balance = 100;

  async withdraw(amount: number) {
    const balance = this.balance;
    await save(amount);
    this.balance = balance - amount;
  }
}
`,
    output: `import { Mutex } from 'async-mutex';

declare function save(value?: unknown): Promise<void>;
declare function load(key: string): Promise<number>;

export class Account {
  private readonly balanceMutex = new Mutex();
  private balance = 100;

  async withdraw(amount: number) {
    await this.balanceMutex.runExclusive(async () => {
      const balance = this.balance;
      await save(amount);
      this.balance = balance - amount;
    });
  }
}
`,
    errors: [{ rule: 'no-lost-update', messageId: 'lostUpdate', line: 10, column: 5, suggestions: [{ messageId: 'wrapInMutex', data: {"firstLine":8,"lastLine":10,"mutex":"this.balanceMutex"}, output: SAME_AS_FIX }] }],
  },
  {
    name: "a static field: a private static readonly mutex",
    filename: 'file.ts',
    code: `declare function save(value?: unknown): Promise<void>;
declare function load(key: string): Promise<number>;

export class Ids {
  static next = 1;

  async reserve() {
    const id = Ids.next;
    await save(id);
    Ids.next = id + 1;
  }
}
`,
    output: `import { Mutex } from 'async-mutex';

declare function save(value?: unknown): Promise<void>;
declare function load(key: string): Promise<number>;

export class Ids {
  private static readonly nextMutex = new Mutex();
  static next = 1;

  async reserve() {
    await Ids.nextMutex.runExclusive(async () => {
      const id = Ids.next;
      await save(id);
      Ids.next = id + 1;
    });
  }
}
`,
    errors: [{ rule: 'no-lost-update', messageId: 'lostUpdate', line: 10, column: 5, suggestions: [{ messageId: 'wrapInMutex', data: {"firstLine":8,"lastLine":10,"mutex":"Ids.nextMutex"}, output: SAME_AS_FIX }] }],
  },
  {
    name: "the contents of a shared Map",
    filename: 'file.ts',
    code: `declare function save(value?: unknown): Promise<void>;
declare function load(key: string): Promise<number>;

const visits = new Map<string, number>();

export async function visit(user: string) {
  const seen = visits.get(user) ?? 0;
  await save(user);
  visits.set(user, seen + 1);
}
`,
    output: `import { Mutex } from 'async-mutex';

declare function save(value?: unknown): Promise<void>;
declare function load(key: string): Promise<number>;

const visits = new Map<string, number>();
const visitsMutex = new Mutex();

export async function visit(user: string) {
  await visitsMutex.runExclusive(async () => {
    const seen = visits.get(user) ?? 0;
    await save(user);
    visits.set(user, seen + 1);
  });
}
`,
    errors: [{ rule: 'no-lost-update', messageId: 'lostUpdate', line: 9, column: 3, suggestions: [{ messageId: 'wrapInMutex', data: {"firstLine":7,"lastLine":9,"mutex":"visitsMutex"}, output: SAME_AS_FIX }] }],
  },
  {
    name: "a declaration used after the section comes out as the callback value",
    filename: 'file.ts',
    code: `declare function save(value?: unknown): Promise<void>;
declare function load(key: string): Promise<number>;

let issued = 0;

export async function issue() {
  const number = issued + 1;
  await save(number);
  issued = number;
  console.log('issued', number);
}
`,
    output: `import { Mutex } from 'async-mutex';

declare function save(value?: unknown): Promise<void>;
declare function load(key: string): Promise<number>;

let issued = 0;
const issuedMutex = new Mutex();

export async function issue() {
  const number = await issuedMutex.runExclusive(async () => {
    const number = issued + 1;
    await save(number);
    issued = number;
    return number;
  });
  console.log('issued', number);
}
`,
    errors: [{ rule: 'no-lost-update', messageId: 'lostUpdate', line: 9, column: 3, suggestions: [{ messageId: 'wrapInMutex', data: {"firstLine":7,"lastLine":9,"mutex":"issuedMutex"}, output: SAME_AS_FIX }] }],
  },
  {
    name: "several escaping declarations come out as a destructured object",
    filename: 'file.ts',
    code: `declare function save(value?: unknown): Promise<void>;
declare function load(key: string): Promise<number>;

let sum = 0;
let count = 0;

export async function add(key: string) {
  const before = sum;
  const value = await load(key);
  sum = before + value;
  const n = count + 1;
  count = n;
  console.log(before, value, n);
}
`,
    output: `import { Mutex } from 'async-mutex';

declare function save(value?: unknown): Promise<void>;
declare function load(key: string): Promise<number>;

let sum = 0;
const sumMutex = new Mutex();
let count = 0;

export async function add(key: string) {
  const { before, value } = await sumMutex.runExclusive(async () => {
    const before = sum;
    const value = await load(key);
    sum = before + value;
    return { before, value };
  });
  const n = count + 1;
  count = n;
  console.log(before, value, n);
}
`,
    errors: [{ rule: 'no-lost-update', messageId: 'lostUpdate', line: 10, column: 3, suggestions: [{ messageId: 'wrapInMutex', data: {"firstLine":8,"lastLine":10,"mutex":"sumMutex"}, output: SAME_AS_FIX }] }],
  },
  {
    name: "a return inside the section: the section runs to the end of the function and is returned",
    filename: 'file.ts',
    code: `declare function save(value?: unknown): Promise<void>;
declare function load(key: string): Promise<number>;

let hits = 0;

export async function hit(key: string) {
  const seen = hits;
  if (seen > 100) return seen;
  await load(key);
  hits = seen + 1;
  return hits;
}
`,
    output: `import { Mutex } from 'async-mutex';

declare function save(value?: unknown): Promise<void>;
declare function load(key: string): Promise<number>;

let hits = 0;
const hitsMutex = new Mutex();

export async function hit(key: string) {
  return await hitsMutex.runExclusive(async () => {
    const seen = hits;
    if (seen > 100) return seen;
    await load(key);
    hits = seen + 1;
    return hits;
  });
}
`,
    errors: [{ rule: 'no-lost-update', messageId: 'lostUpdate', line: 10, column: 3, suggestions: [{ messageId: 'wrapInMutex', data: {"firstLine":7,"lastLine":11,"mutex":"hitsMutex"}, output: SAME_AS_FIX }] }],
  },
  {
    name: "Mutex is merged into an existing import from async-mutex",
    filename: 'file.ts',
    code: `import { Semaphore } from 'async-mutex';
declare function save(value?: unknown): Promise<void>;
declare function load(key: string): Promise<number>;

export const limiter = new Semaphore(4);
let counter = 0;

export async function increment() {
  const current = counter;
  await save();
  counter = current + 1;
}
`,
    output: `import { Semaphore, Mutex } from 'async-mutex';
declare function save(value?: unknown): Promise<void>;
declare function load(key: string): Promise<number>;

export const limiter = new Semaphore(4);
let counter = 0;
const counterMutex = new Mutex();

export async function increment() {
  await counterMutex.runExclusive(async () => {
    const current = counter;
    await save();
    counter = current + 1;
  });
}
`,
    errors: [{ rule: 'no-lost-update', messageId: 'lostUpdate', line: 11, column: 3, suggestions: [{ messageId: 'wrapInMutex', data: {"firstLine":9,"lastLine":11,"mutex":"counterMutex"}, output: SAME_AS_FIX }] }],
  },
  {
    name: "an existing mutex that guards the same state is reused",
    filename: 'file.ts',
    code: `import { Mutex } from 'async-mutex';
declare function save(value?: unknown): Promise<void>;
declare function load(key: string): Promise<number>;

let balance = 0;
const balanceLock = new Mutex();

export async function deposit(amount: number) {
  await balanceLock.runExclusive(async () => {
    const current = balance;
    await save(current);
    balance = current + amount;
  });
}

export async function withdraw(amount: number) {
  const current = balance;
  await save(current);
  balance = current - amount;
}
`,
    output: `import { Mutex } from 'async-mutex';
declare function save(value?: unknown): Promise<void>;
declare function load(key: string): Promise<number>;

let balance = 0;
const balanceLock = new Mutex();

export async function deposit(amount: number) {
  await balanceLock.runExclusive(async () => {
    const current = balance;
    await save(current);
    balance = current + amount;
  });
}

export async function withdraw(amount: number) {
  await balanceLock.runExclusive(async () => {
    const current = balance;
    await save(current);
    balance = current - amount;
  });
}
`,
    errors: [{ rule: 'no-lost-update', messageId: 'lostUpdate', line: 19, column: 3, suggestions: [{ messageId: 'wrapInMutex', data: {"firstLine":17,"lastLine":19,"mutex":"balanceLock"}, output: SAME_AS_FIX }] }],
  },
  multiLineWrite(
    'the lines of a multi-line template literal are not re-indented by the wrap',
    `journal = \`\${before}
\${entry}\`;`,
  ),
  multiLineWrite(
    'a string continued on the next line, and no template literal: its next line is not re-indented either',
    `journal = before + entry + '\\
';`,
  ),
  {
    name: "a name already taken gets a suffix",
    filename: 'file.ts',
    code: `declare function save(value?: unknown): Promise<void>;
declare function load(key: string): Promise<number>;

let counter = 0;
const counterMutex = 'taken';

export async function increment() {
  const current = counter;
  await save(counterMutex);
  counter = current + 1;
}
`,
    output: `import { Mutex } from 'async-mutex';

declare function save(value?: unknown): Promise<void>;
declare function load(key: string): Promise<number>;

let counter = 0;
const counterMutex2 = new Mutex();
const counterMutex = 'taken';

export async function increment() {
  await counterMutex2.runExclusive(async () => {
    const current = counter;
    await save(counterMutex);
    counter = current + 1;
  });
}
`,
    errors: [{ rule: 'no-lost-update', messageId: 'lostUpdate', line: 10, column: 3, suggestions: [{ messageId: 'wrapInMutex', data: {"firstLine":8,"lastLine":10,"mutex":"counterMutex2"}, output: SAME_AS_FIX }] }],
  },
  {
    name: "a check-then-act whose narrowing is used after it: the section extends to the end of the function",
    filename: 'file.ts',
    code: `declare function refresh(): Promise<string>;
let token: string | undefined;

export async function getToken(): Promise<string> {
  if (!token) {
    token = await refresh();
  }
  return token;
}
`,
    output: `import { Mutex } from 'async-mutex';

declare function refresh(): Promise<string>;
let token: string | undefined;
const tokenMutex = new Mutex();

export async function getToken(): Promise<string> {
  return await tokenMutex.runExclusive(async () => {
    if (!token) {
      token = await refresh();
    }
    return token;
  });
}
`,
    errors: [
      {
        rule: 'no-stale-check',
        messageId: 'staleCheck',
        line: 6,
        column: 5,
        suggestions: [
          { messageId: 'wrapInMutex', data: { firstLine: 5, lastLine: 8, mutex: 'tokenMutex' }, output: SAME_AS_FIX },
          {
            messageId: 'memoizeInFlight',
            data: { call: 'refresh()', holder: 'tokenLoading' },
            output: `declare function refresh(): Promise<string>;
let token: string | undefined;
let tokenLoading: Promise<string> | undefined;

export async function getToken(): Promise<string> {
  if (!token) {
    try {
      token = await (tokenLoading ??= refresh());
    } finally {
      tokenLoading = undefined;
    }
  }
  return token;
}
`,
          },
        ],
      },
    ],
  },
  {
    name: 'the in-flight promise of a generic call is typed as the call resolves, not as the callee is declared',
    filename: 'file.ts',
    code: `interface Profile {
  name: string;
}
declare function fetchOne<T>(key: string): Promise<T>;
let profile: Profile | undefined;

export async function getProfile(): Promise<Profile> {
  if (!profile) {
    profile = await fetchOne<Profile>('profile');
  }
  return profile;
}
`,
    output: `import { Mutex } from 'async-mutex';

interface Profile {
  name: string;
}
declare function fetchOne<T>(key: string): Promise<T>;
let profile: Profile | undefined;
const profileMutex = new Mutex();

export async function getProfile(): Promise<Profile> {
  return await profileMutex.runExclusive(async () => {
    if (!profile) {
      profile = await fetchOne<Profile>('profile');
    }
    return profile;
  });
}
`,
    errors: [
      {
        rule: 'no-stale-check',
        messageId: 'staleCheck',
        line: 9,
        column: 5,
        suggestions: [
          { messageId: 'wrapInMutex', data: { firstLine: 8, lastLine: 11, mutex: 'profileMutex' }, output: SAME_AS_FIX },
          {
            messageId: 'memoizeInFlight',
            data: { call: "fetchOne<Profile>('profile')", holder: 'profileLoading' },
            output: `interface Profile {
  name: string;
}
declare function fetchOne<T>(key: string): Promise<T>;
let profile: Profile | undefined;
let profileLoading: Promise<Profile> | undefined;

export async function getProfile(): Promise<Profile> {
  if (!profile) {
    try {
      profile = await (profileLoading ??= fetchOne<Profile>('profile'));
    } finally {
      profileLoading = undefined;
    }
  }
  return profile;
}
`,
          },
        ],
      },
    ],
  },
  {
    name: 'overloads that all return the same promise type: the in-flight promise has that type',
    filename: 'file.ts',
    code: `declare function load(key: 'config'): Promise<number>;
declare function load(key: string): Promise<number>;
let limit: number | undefined;

export async function getLimit(): Promise<number> {
  limit ??= await load('config');
  return limit;
}
`,
    output: `import { Mutex } from 'async-mutex';

declare function load(key: 'config'): Promise<number>;
declare function load(key: string): Promise<number>;
let limit: number | undefined;
const limitMutex = new Mutex();

export async function getLimit(): Promise<number> {
  return await limitMutex.runExclusive(async () => {
    limit ??= await load('config');
    return limit;
  });
}
`,
    errors: [
      {
        rule: 'no-stale-check',
        messageId: 'staleCheck',
        line: 6,
        column: 3,
        suggestions: [
          { messageId: 'wrapInMutex', data: { firstLine: 6, lastLine: 7, mutex: 'limitMutex' }, output: SAME_AS_FIX },
          {
            messageId: 'memoizeInFlight',
            data: { call: "load('config')", holder: 'limitLoading' },
            output: `declare function load(key: 'config'): Promise<number>;
declare function load(key: string): Promise<number>;
let limit: number | undefined;
let limitLoading: Promise<number> | undefined;

export async function getLimit(): Promise<number> {
  try {
    limit ??= await (limitLoading ??= load('config'));
  } finally {
    limitLoading = undefined;
  }
  return limit;
}
`,
          },
        ],
      },
    ],
  },
  {
    name: 'lazy initialisation of a field with ??=: the in-flight promise goes in a field beside it',
    filename: 'file.ts',
    code: `interface Connection {
  close(): Promise<void>;
}
declare function connect(url: string): Promise<Connection>;

export class Pool {
  private readonly url = 'postgres://db';
  private connection: Connection | undefined;

  async get(): Promise<Connection> {
    this.connection ??= await connect(this.url);
    return this.connection;
  }
}
`,
    output: `import { Mutex } from 'async-mutex';

interface Connection {
  close(): Promise<void>;
}
declare function connect(url: string): Promise<Connection>;

export class Pool {
  private readonly connectionMutex = new Mutex();
  private readonly url = 'postgres://db';
  private connection: Connection | undefined;

  async get(): Promise<Connection> {
    return await this.connectionMutex.runExclusive(async () => {
      this.connection ??= await connect(this.url);
      return this.connection;
    });
  }
}
`,
    errors: [
      {
        rule: 'no-stale-check',
        messageId: 'staleCheck',
        line: 11,
        column: 5,
        suggestions: [
          { messageId: 'wrapInMutex', data: { firstLine: 11, lastLine: 12, mutex: 'this.connectionMutex' }, output: SAME_AS_FIX },
          {
            messageId: 'memoizeInFlight',
            data: { call: 'connect(this.url)', holder: 'this.connectionLoading' },
            output: `interface Connection {
  close(): Promise<void>;
}
declare function connect(url: string): Promise<Connection>;

export class Pool {
  private readonly url = 'postgres://db';
  private connection: Connection | undefined;
  private connectionLoading: Promise<Connection> | undefined;

  async get(): Promise<Connection> {
    try {
      this.connection ??= await (this.connectionLoading ??= connect(this.url));
    } finally {
      this.connectionLoading = undefined;
    }
    return this.connection;
  }
}
`,
          },
        ],
      },
    ],
  },
  {
    name: 'no in-flight memo when the call depends on the caller (each caller asks for its own user)',
    filename: 'file.ts',
    code: `declare function loadUser(id: string): Promise<string>;
let current: string | undefined;

export async function login(id: string): Promise<void> {
  if (!current) {
    current = await loadUser(id);
  }
}
`,
    output: `import { Mutex } from 'async-mutex';

declare function loadUser(id: string): Promise<string>;
let current: string | undefined;
const currentMutex = new Mutex();

export async function login(id: string): Promise<void> {
  await currentMutex.runExclusive(async () => {
    if (!current) {
      current = await loadUser(id);
    }
  });
}
`,
    errors: [
      {
        rule: 'no-stale-check',
        messageId: 'staleCheck',
        line: 6,
        column: 5,
        suggestions: [{ messageId: 'wrapInMutex', data: { firstLine: 5, lastLine: 7, mutex: 'currentMutex' }, output: SAME_AS_FIX }],
      },
    ],
  },
  {
    name: 'no in-flight memo when another await lies between the check and the call',
    filename: 'file.ts',
    code: `declare function refresh(): Promise<string>;
declare function log(message: string): Promise<void>;
let token: string | undefined;

export async function renew(): Promise<void> {
  if (!token) {
    await log('refreshing');
    token = await refresh();
  }
}
`,
    output: `import { Mutex } from 'async-mutex';

declare function refresh(): Promise<string>;
declare function log(message: string): Promise<void>;
let token: string | undefined;
const tokenMutex = new Mutex();

export async function renew(): Promise<void> {
  await tokenMutex.runExclusive(async () => {
    if (!token) {
      await log('refreshing');
      token = await refresh();
    }
  });
}
`,
    errors: [
      {
        rule: 'no-stale-check',
        messageId: 'staleCheck',
        line: 8,
        column: 5,
        suggestions: [{ messageId: 'wrapInMutex', data: { firstLine: 6, lastLine: 9, mutex: 'tokenMutex' }, output: SAME_AS_FIX }],
      },
    ],
  },
  {
    name: "CommonJS: require in the file own style, after the directive",
    filename: 'script.cjs',
    code: `'use strict';
const fs = require('node:fs');

let counter = 0;

async function increment() {
  const current = counter;
  await fs.promises.readFile(__filename);
  counter = current + 1;
}

module.exports = { increment };
`,
    output: `'use strict';
const { Mutex } = require('async-mutex');
const fs = require('node:fs');

let counter = 0;
const counterMutex = new Mutex();

async function increment() {
  await counterMutex.runExclusive(async () => {
    const current = counter;
    await fs.promises.readFile(__filename);
    counter = current + 1;
  });
}

module.exports = { increment };
`,
    errors: [{ rule: 'no-lost-update', messageId: 'lostUpdate', line: 9, column: 3, suggestions: [{ messageId: 'wrapInMutex', data: {"firstLine":7,"lastLine":9,"mutex":"counterMutex"}, output: SAME_AS_FIX }] }],
  },
  {
    name: "refusal: the section calls a function that takes the existing mutex, and a new mutex would compete with it: suggestion only",
    filename: 'file.ts',
    code: `import { Mutex } from 'async-mutex';
declare function save(value?: unknown): Promise<void>;
declare function load(key: string): Promise<number>;

let balance = 0;
const lock = new Mutex();

async function audit() {
  await lock.runExclusive(async () => {
    await save(balance);
  });
}

export async function deposit(amount: number) {
  await lock.runExclusive(async () => {
    const current = balance;
    await save(current);
    balance = current + amount;
  });
}

export async function withdraw(amount: number) {
  const current = balance;
  await audit();
  balance = current - amount;
}
`,
    output: null,
    errors: [{ rule: 'no-lost-update', messageId: 'lostUpdate', line: 25, column: 3, suggestions: [{ messageId: 'wrapInMutex', data: {"firstLine":23,"lastLine":25,"mutex":"balanceMutex"}, output: `import { Mutex } from 'async-mutex';
declare function save(value?: unknown): Promise<void>;
declare function load(key: string): Promise<number>;

let balance = 0;
const balanceMutex = new Mutex();
const lock = new Mutex();

async function audit() {
  await lock.runExclusive(async () => {
    await save(balance);
  });
}

export async function deposit(amount: number) {
  await lock.runExclusive(async () => {
    const current = balance;
    await save(current);
    balance = current + amount;
  });
}

export async function withdraw(amount: number) {
  await balanceMutex.runExclusive(async () => {
    const current = balance;
    await audit();
    balance = current - amount;
  });
}
` }] }],
  },
  {
    name: "refusal: this function is called while the existing mutex is held: suggestion only",
    filename: 'file.ts',
    code: `import { Mutex } from 'async-mutex';
declare function save(value?: unknown): Promise<void>;
declare function load(key: string): Promise<number>;

let balance = 0;
const lock = new Mutex();

export async function settle() {
  await lock.runExclusive(async () => {
    const current = balance;
    await save(current);
    balance = current + 1;
    await withdraw(1);
  });
}

export async function withdraw(amount: number) {
  const current = balance;
  await save(current);
  balance = current - amount;
}
`,
    output: null,
    errors: [{ rule: 'no-lost-update', messageId: 'lostUpdate', line: 20, column: 3, suggestions: [{ messageId: 'wrapInMutex', data: {"firstLine":18,"lastLine":20,"mutex":"balanceMutex"}, output: `import { Mutex } from 'async-mutex';
declare function save(value?: unknown): Promise<void>;
declare function load(key: string): Promise<number>;

let balance = 0;
const balanceMutex = new Mutex();
const lock = new Mutex();

export async function settle() {
  await lock.runExclusive(async () => {
    const current = balance;
    await save(current);
    balance = current + 1;
    await withdraw(1);
  });
}

export async function withdraw(amount: number) {
  await balanceMutex.runExclusive(async () => {
    const current = balance;
    await save(current);
    balance = current - amount;
  });
}
` }] }],
  },
  {
    name: "no fix: a yield cannot move into a callback",
    filename: 'file.ts',
    code: `declare function save(value?: unknown): Promise<void>;
declare function load(key: string): Promise<number>;

let produced = 0;
export async function* produce() {
  const before = produced;
  yield before;
  produced = before + 1;
}
`,
    output: null,
    errors: [{ rule: 'no-lost-update', messageId: 'lostUpdate', line: 8, column: 3, suggestions: [] }],
  },
  {
    // The text search that spares the scopes finds the name: the file's own class takes it.
    name: 'no fix: the file declares its own `Mutex`',
    filename: 'file.ts',
    code: `declare function save(): Promise<void>;

class Mutex {}
export const local = new Mutex();

let counter = 0;
export async function increment() {
  const current = counter;
  await save();
  counter = current + 1;
}
`,
    output: null,
    errors: [{ rule: 'no-lost-update', messageId: 'lostUpdate', line: 10, column: 3, suggestions: [] }],
  },
  {
    // The text names `Mutex` and `async-mutex` only in a comment: no scope declares it, no import
    // brings it, so the fix imports it.
    name: 'the fix imports `Mutex` when the text names it and async-mutex only in a comment',
    filename: 'file.ts',
    code: `declare function save(): Promise<void>;

// A Mutex from 'async-mutex' would serialise this.
let counter = 0;
export async function increment() {
  const current = counter;
  await save();
  counter = current + 1;
}
`,
    output: `import { Mutex } from 'async-mutex';

declare function save(): Promise<void>;

// A Mutex from 'async-mutex' would serialise this.
let counter = 0;
const counterMutex = new Mutex();
export async function increment() {
  await counterMutex.runExclusive(async () => {
    const current = counter;
    await save();
    counter = current + 1;
  });
}
`,
    errors: [
      {
        rule: 'no-lost-update',
        messageId: 'lostUpdate',
        line: 8,
        column: 3,
        suggestions: [{ messageId: 'wrapInMutex', data: { firstLine: 6, lastLine: 8, mutex: 'counterMutex' }, output: SAME_AS_FIX }],
      },
    ],
  },
  {
    name: "no fix: a break would leave the callback",
    filename: 'file.ts',
    code: `declare function save(value?: unknown): Promise<void>;
declare function load(key: string): Promise<number>;

let counter = 0;
export async function loop(keys: string[]) {
  for (const key of keys) {
    const current = counter;
    if (current > 10) break;
    await load(key);
    counter = current + 1;
  }
}
`,
    output: null,
    errors: [{ rule: 'no-lost-update', messageId: 'lostUpdate', line: 10, column: 5, suggestions: [] }],
  },
  {
    name: "no fix: a return from a nested block that cannot be extended to the end of the function",
    filename: 'file.ts',
    code: `declare function save(value?: unknown): Promise<void>;
declare function load(key: string): Promise<number>;

let counter = 0;
export async function bump(flag: boolean) {
  if (flag) {
    const current = counter;
    if (current > 10) return false;
    await save();
    counter = current + 1;
  }
  console.log('bumped');
  return true;
}
`,
    output: null,
    errors: [{ rule: 'no-lost-update', messageId: 'lostUpdate', line: 10, column: 5, suggestions: [] }],
  },
  {
    name: "suggestion only: arguments",
    filename: 'file.ts',
    code: `declare function save(value?: unknown): Promise<void>;
declare function load(key: string): Promise<number>;

let counter = 0;
export async function increment() {
  const current = counter;
  await save(arguments.length);
  counter = current + 1;
}
`,
    output: null,
    errors: [{ rule: 'no-lost-update', messageId: 'lostUpdate', line: 8, column: 3, suggestions: [{ messageId: 'wrapInMutex', data: {"firstLine":6,"lastLine":8,"mutex":"counterMutex"}, output: `import { Mutex } from 'async-mutex';

declare function save(value?: unknown): Promise<void>;
declare function load(key: string): Promise<number>;

let counter = 0;
const counterMutex = new Mutex();
export async function increment() {
  await counterMutex.runExclusive(async () => {
    const current = counter;
    await save(arguments.length);
    counter = current + 1;
  });
}
` }] }],
  },
  {
    name: "suggestion only: a shared write before the first await, which runExclusive would defer",
    filename: 'file.ts',
    code: `declare function save(value?: unknown): Promise<void>;
declare function load(key: string): Promise<number>;

let counter = 0;
let busy = false;
export async function increment() {
  const current = counter;
  busy = true;
  await save();
  counter = current + 1;
  busy = false;
}
`,
    output: null,
    errors: [{ rule: 'no-lost-update', messageId: 'lostUpdate', line: 10, column: 3, suggestions: [{ messageId: 'wrapInMutex', data: {"firstLine":7,"lastLine":10,"mutex":"counterMutex"}, output: `import { Mutex } from 'async-mutex';

declare function save(value?: unknown): Promise<void>;
declare function load(key: string): Promise<number>;

let counter = 0;
const counterMutex = new Mutex();
let busy = false;
export async function increment() {
  await counterMutex.runExclusive(async () => {
    const current = counter;
    busy = true;
    await save();
    counter = current + 1;
  });
  busy = false;
}
` }] }],
  },
];

const optionCode = `declare function save(): Promise<void>;
let counter = 0;
export async function increment() {
  const current = counter;
  await save();
  counter = current + 1;
}
`;
const optionFixed = `import { Mutex } from 'async-mutex';

declare function save(): Promise<void>;
let counter = 0;
const counterMutex = new Mutex();
export async function increment() {
  await counterMutex.runExclusive(async () => {
    const current = counter;
    await save();
    counter = current + 1;
  });
}
`;
cases.push(
  {
    name: 'option fix: "suggestion" never autofixes, and keeps the suggestion',
    filename: 'file.ts',
    code: optionCode,
    output: null,
    options: { fix: 'suggestion' },
    errors: [
      {
        rule: 'no-lost-update',
        messageId: 'lostUpdate',
        line: 6,
        column: 3,
        suggestions: [{ messageId: 'wrapInMutex', data: { firstLine: 4, lastLine: 6, mutex: 'counterMutex' }, output: optionFixed }],
      },
    ],
  },
  {
    name: 'option fix: "none" offers nothing',
    filename: 'file.ts',
    code: optionCode,
    output: null,
    options: { fix: 'none' },
    errors: [{ rule: 'no-lost-update', messageId: 'lostUpdate', line: 6, column: 3, suggestions: [] }],
  },
  {
    name: 'several races on one state share one mutex: the second pass of --fix reuses the first one',
    filename: 'file.ts',
    code: twoRaces,
    output: [twoRacesPassOne, twoRacesPassTwo],
    errors: [
      {
        rule: 'no-lost-update',
        messageId: 'lostUpdate',
        line: 7,
        column: 3,
        suggestions: [{ messageId: 'wrapInMutex', data: { firstLine: 5, lastLine: 7, mutex: 'counterMutex' }, output: twoRacesPassOne }],
      },
      {
        rule: 'no-lost-update',
        messageId: 'lostUpdate',
        line: 13,
        column: 3,
        suggestions: [{ messageId: 'wrapInMutex', data: { firstLine: 11, lastLine: 13, mutex: 'counterMutex' }, output: twoRacesSecondOnly }],
      },
    ],
  },
  {
    name: "refusal: reusing the lock would deadlock two calls deep (increment → helper → decrement), and a new mutex would compete with it: suggestion only",
    filename: 'file.ts',
    code: `import { Mutex } from 'async-mutex';
declare function save(): Promise<void>;
let counter = 0;
const lock = new Mutex();

export async function reset() {
  await lock.runExclusive(async () => {
    const seen = counter;
    await save();
    counter = seen * 0;
  });
}

export async function increment() {
  const seen = counter;
  await helper();
  counter = seen + 1;
}

async function helper() {
  await decrement();
}

export async function decrement() {
  const seen = counter;
  await save();
  counter = seen - 1;
}
`,
    output: null,
    errors: [{ rule: 'no-lost-update', messageId: 'lostUpdate', line: 17, column: 3, suggestions: [{ messageId: 'wrapInMutex', data: {"firstLine":15,"lastLine":17,"mutex":"counterMutex"}, output: `import { Mutex } from 'async-mutex';
declare function save(): Promise<void>;
let counter = 0;
const counterMutex = new Mutex();
const lock = new Mutex();

export async function reset() {
  await lock.runExclusive(async () => {
    const seen = counter;
    await save();
    counter = seen * 0;
  });
}

export async function increment() {
  await counterMutex.runExclusive(async () => {
    const seen = counter;
    await helper();
    counter = seen + 1;
  });
}

async function helper() {
  await decrement();
}

export async function decrement() {
  const seen = counter;
  await save();
  counter = seen - 1;
}
` }] }, { rule: 'no-lost-update', messageId: 'lostUpdate', line: 27, column: 3, suggestions: [{ messageId: 'wrapInMutex', data: {"firstLine":25,"lastLine":27,"mutex":"counterMutex"}, output: `import { Mutex } from 'async-mutex';
declare function save(): Promise<void>;
let counter = 0;
const counterMutex = new Mutex();
const lock = new Mutex();

export async function reset() {
  await lock.runExclusive(async () => {
    const seen = counter;
    await save();
    counter = seen * 0;
  });
}

export async function increment() {
  const seen = counter;
  await helper();
  counter = seen + 1;
}

async function helper() {
  await decrement();
}

export async function decrement() {
  await counterMutex.runExclusive(async () => {
    const seen = counter;
    await save();
    counter = seen - 1;
  });
}
` }] }],
  },
  {
    name: "a directive prologue stays first: the import and the mutex go after it",
    filename: 'file.ts',
    code: `'use strict';
declare function save(): Promise<void>;

export async function bump(account: { balance: number }) {
  const seen = account.balance;
  await save();
  account.balance = seen + 1;
}
`,
    output: `'use strict';
import { Mutex } from 'async-mutex';
const accountMutex = new Mutex();
declare function save(): Promise<void>;

export async function bump(account: { balance: number }) {
  await accountMutex.runExclusive(async () => {
    const seen = account.balance;
    await save();
    account.balance = seen + 1;
  });
}
`,
    errors: [{ rule: 'no-lost-update', messageId: 'lostUpdate', line: 7, column: 3, suggestions: [{ messageId: 'wrapInMutex', data: {"firstLine":5,"lastLine":7,"mutex":"accountMutex"}, output: SAME_AS_FIX }] }],
  },
  {
    name: "a function declared inside and used after it: the section runs to the end of the function",
    filename: 'file.ts',
    code: `declare function save(): Promise<void>;
let c = 0;

export async function f() {
  const seen = c;
  await save();
  function helper() {
    return seen;
  }
  c = seen + 1;
  return helper() + 1;
}

`,
    output: `import { Mutex } from 'async-mutex';

declare function save(): Promise<void>;
let c = 0;
const cMutex = new Mutex();

export async function f() {
  return await cMutex.runExclusive(async () => {
    const seen = c;
    await save();
    function helper() {
      return seen;
    }
    c = seen + 1;
    return helper() + 1;
  });
}

`,
    errors: [{ rule: 'no-lost-update', messageId: 'lostUpdate', line: 10, column: 3, suggestions: [{ messageId: 'wrapInMutex', data: {"firstLine":5,"lastLine":11,"mutex":"cMutex"}, output: SAME_AS_FIX }] }],
  },
  {
    name: "suggestion only: a shared Set changed before the first await, which runExclusive would defer",
    filename: 'file.ts',
    code: `declare function save(): Promise<void>;
const pending = new Set<string>();
let count = 0;

export async function track(id: string) {
  const seen = count;
  pending.add(id);
  await save();
  count = seen + 1;
  pending.delete(id);
}
`,
    output: null,
    errors: [{ rule: 'no-lost-update', messageId: 'lostUpdate', line: 9, column: 3, suggestions: [{ messageId: 'wrapInMutex', data: {"firstLine":6,"lastLine":9,"mutex":"countMutex"}, output: `import { Mutex } from 'async-mutex';

declare function save(): Promise<void>;
const pending = new Set<string>();
let count = 0;
const countMutex = new Mutex();

export async function track(id: string) {
  await countMutex.runExclusive(async () => {
    const seen = count;
    pending.add(id);
    await save();
    count = seen + 1;
  });
  pending.delete(id);
}
` }] }],
  },
  {
    name: "an inherited member name is taken too",
    filename: 'file.ts',
    code: `declare function save(): Promise<void>;
class Base {
  protected balanceMutex = 'taken by the base class';
}

export class Account extends Base {
  balance = 0;

  async deposit(amount: number) {
    const seen = this.balance;
    await save();
    this.balance = seen + amount;
  }
}
`,
    output: `import { Mutex } from 'async-mutex';

declare function save(): Promise<void>;
class Base {
  protected balanceMutex = 'taken by the base class';
}

export class Account extends Base {
  private readonly balanceMutex2 = new Mutex();
  balance = 0;

  async deposit(amount: number) {
    await this.balanceMutex2.runExclusive(async () => {
      const seen = this.balance;
      await save();
      this.balance = seen + amount;
    });
  }
}
`,
    errors: [{ rule: 'no-lost-update', messageId: 'lostUpdate', line: 12, column: 5, suggestions: [{ messageId: 'wrapInMutex', data: {"firstLine":10,"lastLine":12,"mutex":"this.balanceMutex2"}, output: SAME_AS_FIX }] }],
  },
  {
    name: 'a new mutex field skips the name of a constructor parameter property',
    filename: 'file.ts',
    code: `declare function save(): Promise<void>;

export class Account {
  balance = 0;

  constructor(private readonly balanceMutex: string) {}

  async deposit(amount: number) {
    const seen = this.balance;
    await save();
    this.balance = seen + amount;
  }
}
`,
    output: `import { Mutex } from 'async-mutex';

declare function save(): Promise<void>;

export class Account {
  private readonly balanceMutex2 = new Mutex();
  balance = 0;

  constructor(private readonly balanceMutex: string) {}

  async deposit(amount: number) {
    await this.balanceMutex2.runExclusive(async () => {
      const seen = this.balance;
      await save();
      this.balance = seen + amount;
    });
  }
}
`,
    errors: [{ rule: 'no-lost-update', messageId: 'lostUpdate', line: 11, column: 5, suggestions: [{ messageId: 'wrapInMutex', data: {"firstLine":9,"lastLine":11,"mutex":"this.balanceMutex2"}, output: SAME_AS_FIX }] }],
  },
  {
    name: "no fix: the section relies on narrowing of a property made before it, which a callback would lose (the wrap would not type-check)",
    filename: 'file.ts',
    code: `declare function save(): Promise<void>;

export class Session {
  token: string | undefined;
  used = 0;

  async use() {
    if (!this.token) return;
    const seen = this.used;
    await save();
    this.used = seen + this.token.length;
  }
}
`,
    output: null,
    errors: [{ rule: 'no-lost-update', messageId: 'lostUpdate', line: 11, column: 5, suggestions: [] }],
  },
  {
    name: 'no fix: the section reads a property of a property (`this.state.token`) narrowed before it, which a callback would lose',
    filename: 'file.ts',
    code: `declare function save(): Promise<void>;

export class Session {
  state: { token: string | undefined } = { token: undefined };
  used = 0;

  async use() {
    if (!this.state.token) return;
    const seen = this.used;
    await save();
    this.used = seen + this.state.token.length;
  }
}
`,
    output: null,
    errors: [{ rule: 'no-lost-update', messageId: 'lostUpdate', line: 11, column: 5, suggestions: [] }],
  },
  {
    name: 'no fix: a test through `?.` (`this.state?.token`) narrows the plain read `this.state.token` in the section, as TypeScript matches them',
    filename: 'file.ts',
    code: `declare function save(): Promise<void>;

export class Session {
  state: { token?: string } = {};
  used = 0;

  async use() {
    if (this.state?.token === undefined) return;
    const seen = this.used;
    await save();
    this.used = seen + this.state.token.length;
  }
}
`,
    output: null,
    errors: [{ rule: 'no-lost-update', messageId: 'lostUpdate', line: 11, column: 5, suggestions: [] }],
  },
  {
    name: 'no fix: an element with a literal key (`this.slots[0]`) narrowed before the section, which a callback would lose',
    filename: 'file.ts',
    code: `interface Slot { count: number }
declare function save(): Promise<void>;

export class Pool {
  slots: Array<Slot | undefined> = [];
  used = 0;

  async use() {
    if (!this.slots[0]) return;
    const seen = this.used;
    await save();
    this.used = seen + this.slots[0].count;
  }
}
`,
    output: null,
    errors: [{ rule: 'no-lost-update', messageId: 'lostUpdate', line: 12, column: 5, suggestions: [] }],
  },
  {
    name: "no fix: an element with a string key (`this.byKey['a']`) narrowed before the section, inside the test's block",
    filename: 'file.ts',
    code: `interface Slot { count: number }
declare function load(): Promise<number>;

export class Pool {
  byKey: Record<string, Slot | undefined> = {};

  async bump() {
    if (this.byKey['a']) {
      const before = this.byKey['a'].count;
      const n = await load();
      this.byKey['a'].count = before + n;
    }
  }
}
`,
    output: null,
    errors: [{ rule: 'no-lost-update', messageId: 'lostUpdate', line: 11, column: 7, suggestions: [] }],
  },
  {
    name: 'no fix: an element whose key is a parameter never assigned (`this.rooms[roomId]`), which TypeScript 5.5 narrows',
    filename: 'file.ts',
    code: `interface Room { count: number }
declare function save(): Promise<void>;

export class Rooms {
  rooms: Record<string, Room | undefined> = {};
  used = 0;

  async use(roomId: string) {
    if (!this.rooms[roomId]) return;
    const seen = this.used;
    await save();
    this.used = seen + this.rooms[roomId].count;
  }
}
`,
    output: null,
    errors: [{ rule: 'no-lost-update', messageId: 'lostUpdate', line: 12, column: 5, suggestions: [] }],
  },
  {
    name: 'an element read in the section but narrowed nowhere before it keeps its wrap',
    filename: 'file.ts',
    code: `interface Slot { count: number }
declare function save(): Promise<void>;

export class Pool {
  slots: Array<Slot | undefined> = [];
  used = 0;

  async use() {
    const seen = this.used;
    await save();
    this.used = seen + (this.slots[0]?.count ?? 0);
  }
}
`,
    output: `import { Mutex } from 'async-mutex';

interface Slot { count: number }
declare function save(): Promise<void>;

export class Pool {
  private readonly usedMutex = new Mutex();
  slots: Array<Slot | undefined> = [];
  used = 0;

  async use() {
    await this.usedMutex.runExclusive(async () => {
      const seen = this.used;
      await save();
      this.used = seen + (this.slots[0]?.count ?? 0);
    });
  }
}
`,
    errors: [
      {
        rule: 'no-lost-update',
        messageId: 'lostUpdate',
        line: 11,
        column: 5,
        suggestions: [{ messageId: 'wrapInMutex', data: { firstLine: 9, lastLine: 11, mutex: 'this.usedMutex' }, output: SAME_AS_FIX }],
      },
    ],
  },
  {
    name: "no fix: a `const` whose type is the literal it holds (`const mode = 'fast'`) would widen to `string` as the callback's value",
    filename: 'file.ts',
    code: `declare function save(): Promise<void>;
declare function run(mode: 'fast' | 'slow'): void;
let total = 0;

export async function add() {
  const seen = total;
  const mode = 'fast';
  await save();
  total = seen + 1;
  run(mode);
}
`,
    output: null,
    errors: [{ rule: 'no-lost-update', messageId: 'lostUpdate', line: 9, column: 3, suggestions: [] }],
  },
  {
    name: 'no fix: a `const` holding an enum member (`E.A`) would widen to the enum as the callback\'s value',
    filename: 'file.ts',
    code: `declare function save(): Promise<void>;
enum E { A, B }
declare function only(e: E.A): void;
let total = 0;

export async function add() {
  const seen = total;
  const e = E.A;
  await save();
  total = seen + 1;
  only(e);
}
`,
    output: null,
    errors: [{ rule: 'no-lost-update', messageId: 'lostUpdate', line: 10, column: 3, suggestions: [] }],
  },
  {
    name: 'a `let` whose declared union its initializer narrows comes out with its own annotation',
    filename: 'file.ts',
    code: `declare function save(): Promise<void>;
type Mode = 'fast' | 'slow';
let total = 0;

export async function add() {
  const seen = total;
  let mode: Mode = 'fast';
  await save();
  total = seen + 1;
  mode = 'slow';
  return mode;
}
`,
    output: `import { Mutex } from 'async-mutex';

declare function save(): Promise<void>;
type Mode = 'fast' | 'slow';
let total = 0;
const totalMutex = new Mutex();

export async function add() {
  let mode: Mode = await totalMutex.runExclusive(async () => {
    const seen = total;
    let mode: Mode = 'fast';
    await save();
    total = seen + 1;
    return mode;
  });
  mode = 'slow';
  return mode;
}
`,
    errors: [
      {
        rule: 'no-lost-update',
        messageId: 'lostUpdate',
        line: 9,
        column: 3,
        suggestions: [{ messageId: 'wrapInMutex', data: { firstLine: 6, lastLine: 9, mutex: 'totalMutex' }, output: SAME_AS_FIX }],
      },
    ],
  },
  {
    name: 'no fix: a `let` with an inferred union type, narrowed by a test in the section, would come out narrowed, and no annotation keeps it',
    filename: 'file.ts',
    code: `declare function save(): Promise<void>;
declare function pick(): number | undefined;
let total = 0;

export async function add() {
  const seen = total;
  let v = pick();
  if (v === undefined) throw new Error('none');
  await save();
  total = seen + v;
  v = undefined;
  return seen;
}
`,
    output: null,
    errors: [{ rule: 'no-lost-update', messageId: 'lostUpdate', line: 10, column: 3, suggestions: [] }],
  },
  {
    name: 'no fix: an annotated `let` that needs its annotation comes out with another name, in a destructuring that cannot carry it',
    filename: 'file.ts',
    code: `declare function save(): Promise<void>;
type Mode = 'fast' | 'slow';
let total = 0;

export async function add() {
  const seen = total;
  let mode: Mode = 'fast';
  await save();
  total = seen + 1;
  mode = 'slow';
  return [mode, seen];
}
`,
    output: null,
    errors: [{ rule: 'no-lost-update', messageId: 'lostUpdate', line: 9, column: 3, suggestions: [] }],
  },
  {
    name: 'only a suggestion: a `using` declaration in the section is disposed of when the callback returns, not at the end of its block',
    filename: 'file.ts',
    code: `declare function save(): Promise<void>;
declare function open(): Disposable;
let total = 0;

export async function add() {
  const seen = total;
  using handle = open();
  await save();
  total = seen + 1;
}
`,
    output: null,
    errors: [
      {
        rule: 'no-lost-update',
        messageId: 'lostUpdate',
        line: 9,
        column: 3,
        suggestions: [
          {
            messageId: 'wrapInMutex',
            data: { firstLine: 6, lastLine: 9, mutex: 'totalMutex' },
            output: `import { Mutex } from 'async-mutex';

declare function save(): Promise<void>;
declare function open(): Disposable;
let total = 0;
const totalMutex = new Mutex();

export async function add() {
  await totalMutex.runExclusive(async () => {
    const seen = total;
    using handle = open();
    await save();
    total = seen + 1;
  });
}
`,
          },
        ],
      },
    ],
  },
  {
    name: 'no fix: a `using` declaration used after the section would come out of the callback already disposed of',
    filename: 'file.ts',
    code: `declare function save(): Promise<void>;
declare function open(): Disposable;
let total = 0;

export async function add() {
  const seen = total;
  using handle = open();
  await save();
  total = seen + 1;
  return handle;
}
`,
    output: null,
    errors: [{ rule: 'no-lost-update', messageId: 'lostUpdate', line: 9, column: 3, suggestions: [] }],
  },
  {
    name: "no fix: a class with an index signature for string keys, which a mutex field would not satisfy (TS2411)",
    filename: 'file.ts',
    code: `declare function save(): Promise<void>;

export class Bag {
  [key: string]: number | (() => Promise<void>);
  total = 0;
  async add() {
    const seen = this.total;
    await save();
    this.total = seen + 1;
  }
}
`,
    output: null,
    errors: [{ rule: 'no-lost-update', messageId: 'lostUpdate', line: 9, column: 5, suggestions: [] }],
  },
  {
    name: 'no fix: a class that inherits an index signature for string keys',
    filename: 'file.ts',
    code: `declare function save(): Promise<void>;

class Base {
  [key: string]: unknown;
}

export class Derived extends Base {
  total = 0;
  async add() {
    const seen = this.total;
    await save();
    this.total = seen + 1;
  }
}
`,
    output: null,
    errors: [{ rule: 'no-lost-update', messageId: 'lostUpdate', line: 12, column: 5, suggestions: [] }],
  },
  {
    name: 'no fix: a class that inherits an index signature for string keys through a mixin, which only its type shows',
    filename: 'file.ts',
    code: `declare function save(): Promise<void>;

class Base {
  [key: string]: unknown;
}

function Tagged<T extends new (...args: any[]) => object>(B: T) {
  return class extends B {
    tag = 1;
  };
}

export class Derived extends Tagged(Base) {
  total = 0;
  async add() {
    const seen = this.total;
    await save();
    this.total = seen + 1;
  }
}
`,
    output: null,
    errors: [{ rule: 'no-lost-update', messageId: 'lostUpdate', line: 18, column: 5, suggestions: [] }],
  },
  {
    name: "a namespace's state: the mutex is declared beside it, inside the namespace",
    filename: 'file.ts',
    code: `declare function save(): Promise<void>;

export namespace Counter {
  let n = 0;
  export async function inc() {
    const seen = n;
    await save();
    n = seen + 1;
  }
}
`,
    output: `import { Mutex } from 'async-mutex';

declare function save(): Promise<void>;

export namespace Counter {
  let n = 0;
  const nMutex = new Mutex();
  export async function inc() {
    await nMutex.runExclusive(async () => {
      const seen = n;
      await save();
      n = seen + 1;
    });
  }
}
`,
    errors: [
      {
        rule: 'no-lost-update',
        messageId: 'lostUpdate',
        line: 8,
        column: 5,
        suggestions: [{ messageId: 'wrapInMutex', data: { firstLine: 6, lastLine: 8, mutex: 'nMutex' }, output: SAME_AS_FIX }],
      },
    ],
  },
  {
    name: 'a parameter that may be undefined (`acct: Account | undefined`) shares the mutex of its type with the functions taking an Account',
    filename: 'file.ts',
    code: `interface Account { balance: number }
declare function save(): Promise<void>;

export async function fee(account: Account, amount: number) {
  const b = account.balance;
  await save();
  account.balance = b - amount;
}

export async function withdraw(acct: Account | undefined, amount: number) {
  if (!acct) return;
  const b = acct.balance;
  await save();
  acct.balance = b - amount;
}
`,
    output: [
      `import { Mutex } from 'async-mutex';

const accountMutex = new Mutex();
interface Account { balance: number }
declare function save(): Promise<void>;

export async function fee(account: Account, amount: number) {
  await accountMutex.runExclusive(async () => {
    const b = account.balance;
    await save();
    account.balance = b - amount;
  });
}

export async function withdraw(acct: Account | undefined, amount: number) {
  if (!acct) return;
  const b = acct.balance;
  await save();
  acct.balance = b - amount;
}
`,
      `import { Mutex } from 'async-mutex';

const accountMutex = new Mutex();
interface Account { balance: number }
declare function save(): Promise<void>;

export async function fee(account: Account, amount: number) {
  await accountMutex.runExclusive(async () => {
    const b = account.balance;
    await save();
    account.balance = b - amount;
  });
}

export async function withdraw(acct: Account | undefined, amount: number) {
  if (!acct) return;
  await accountMutex.runExclusive(async () => {
    const b = acct.balance;
    await save();
    acct.balance = b - amount;
  });
}
`,
    ],
    errors: [
      {
        rule: 'no-lost-update',
        messageId: 'lostUpdate',
        line: 7,
        column: 3,
        suggestions: [
          {
            messageId: 'wrapInMutex',
            data: { firstLine: 5, lastLine: 7, mutex: 'accountMutex' },
            output: `import { Mutex } from 'async-mutex';

const accountMutex = new Mutex();
interface Account { balance: number }
declare function save(): Promise<void>;

export async function fee(account: Account, amount: number) {
  await accountMutex.runExclusive(async () => {
    const b = account.balance;
    await save();
    account.balance = b - amount;
  });
}

export async function withdraw(acct: Account | undefined, amount: number) {
  if (!acct) return;
  const b = acct.balance;
  await save();
  acct.balance = b - amount;
}
`,
          },
        ],
      },
      {
        rule: 'no-lost-update',
        messageId: 'lostUpdate',
        line: 14,
        column: 3,
        suggestions: [
          {
            messageId: 'wrapInMutex',
            data: { firstLine: 12, lastLine: 14, mutex: 'accountMutex' },
            output: `import { Mutex } from 'async-mutex';

const accountMutex = new Mutex();
interface Account { balance: number }
declare function save(): Promise<void>;

export async function fee(account: Account, amount: number) {
  const b = account.balance;
  await save();
  account.balance = b - amount;
}

export async function withdraw(acct: Account | undefined, amount: number) {
  if (!acct) return;
  await accountMutex.runExclusive(async () => {
    const b = acct.balance;
    await save();
    acct.balance = b - amount;
  });
}
`,
          },
        ],
      },
    ],
  },
  {
    name: 'no fix: a `let` narrowed by its initializer and assigned after the section loses that narrowing in a callback',
    filename: 'file.ts',
    code: `declare function save(): Promise<void>;
let total = 0;

export async function add() {
  let label: string | undefined = 'x';
  const seen = total;
  await save();
  total = seen + label.length;
  label = undefined;
  return label;
}
`,
    output: null,
    errors: [{ rule: 'no-lost-update', messageId: 'lostUpdate', line: 8, column: 3, suggestions: [] }],
  },
  {
    name: 'a `let` narrowed by its initializer and never assigned again keeps that narrowing in the callback (TypeScript 5.4+): the wrap is offered',
    filename: 'file.ts',
    code: `declare function save(): Promise<void>;
let total = 0;

export async function add() {
  let label: string | undefined = 'x';
  const seen = total;
  await save();
  total = seen + label.length;
}
`,
    output: `import { Mutex } from 'async-mutex';

declare function save(): Promise<void>;
let total = 0;
const totalMutex = new Mutex();

export async function add() {
  let label: string | undefined = 'x';
  await totalMutex.runExclusive(async () => {
    const seen = total;
    await save();
    total = seen + label.length;
  });
}
`,
    errors: [
      {
        rule: 'no-lost-update',
        messageId: 'lostUpdate',
        line: 8,
        column: 3,
        suggestions: [{ messageId: 'wrapInMutex', data: { firstLine: 6, lastLine: 8, mutex: 'totalMutex' }, output: SAME_AS_FIX }],
      },
    ],
  },
  {
    name: 'no fix: an auto-typed `let` (`= null`) read in the section and assigned after it has no type in a callback (TS7005)',
    filename: 'file.ts',
    code: `declare function save(): Promise<void>;
let total = 0;

export async function add(flag: boolean) {
  let label = null;
  if (flag) label = 'x';
  const seen = total;
  await save();
  total = seen + (label ? label.length : 0);
  label = null;
  return label;
}
`,
    output: null,
    errors: [{ rule: 'no-lost-update', messageId: 'lostUpdate', line: 9, column: 3, suggestions: [] }],
  },
  {
    name: 'no fix: an empty array pushed to in the section would evolve its type in a callback, where TypeScript gives it none (TS7005)',
    filename: 'file.ts',
    code: `declare function save(): Promise<void>;
let total = 0;

export async function add(values: number[]) {
  const results = [];
  const seen = total;
  await save();
  results.push(seen);
  total = seen + values.length;
  return results;
}
`,
    output: null,
    errors: [{ rule: 'no-lost-update', messageId: 'lostUpdate', line: 9, column: 3, suggestions: [] }],
  },
  {
    name: 'an empty array filled before the section and only read in it keeps its evolved type in the callback: the wrap is offered',
    filename: 'file.ts',
    code: `declare function save(): Promise<void>;
let total = 0;

export async function add(values: number[]) {
  const results = [];
  for (const value of values) results.push(value);
  const seen = total;
  await save();
  total = seen + results.length;
}
`,
    output: `import { Mutex } from 'async-mutex';

declare function save(): Promise<void>;
let total = 0;
const totalMutex = new Mutex();

export async function add(values: number[]) {
  const results = [];
  for (const value of values) results.push(value);
  await totalMutex.runExclusive(async () => {
    const seen = total;
    await save();
    total = seen + results.length;
  });
}
`,
    errors: [
      {
        rule: 'no-lost-update',
        messageId: 'lostUpdate',
        line: 9,
        column: 3,
        suggestions: [{ messageId: 'wrapInMutex', data: { firstLine: 7, lastLine: 9, mutex: 'totalMutex' }, output: SAME_AS_FIX }],
      },
    ],
  },
  {
    name: 'a type alias declared in the section and used after it: the section extends to the end of the function',
    filename: 'file.ts',
    code: `declare function save(): Promise<void>;
let total = 0;

export async function add() {
  const seen = total;
  await save();
  type Pair = [number, number];
  const pair: Pair = [seen, 1];
  total = seen + 1;
  const copy: Pair = [1, 2];
  console.log(copy);
}
`,
    output: `import { Mutex } from 'async-mutex';

declare function save(): Promise<void>;
let total = 0;
const totalMutex = new Mutex();

export async function add() {
  await totalMutex.runExclusive(async () => {
    const seen = total;
    await save();
    type Pair = [number, number];
    const pair: Pair = [seen, 1];
    total = seen + 1;
    const copy: Pair = [1, 2];
    console.log(copy);
  });
}
`,
    errors: [
      {
        rule: 'no-lost-update',
        messageId: 'lostUpdate',
        line: 9,
        column: 3,
        suggestions: [{ messageId: 'wrapInMutex', data: { firstLine: 5, lastLine: 11, mutex: 'totalMutex' }, output: SAME_AS_FIX }],
      },
    ],
  },
  {
    name: 'a class declared in the section and used after it: the section extends to the end of the function',
    filename: 'file.ts',
    code: `declare function save(): Promise<void>;
let total = 0;

export async function add() {
  const seen = total;
  await save();
  class Entry {
    value = seen;
  }
  total = seen + 1;
  console.log(new Entry().value);
}
`,
    output: `import { Mutex } from 'async-mutex';

declare function save(): Promise<void>;
let total = 0;
const totalMutex = new Mutex();

export async function add() {
  await totalMutex.runExclusive(async () => {
    const seen = total;
    await save();
    class Entry {
      value = seen;
    }
    total = seen + 1;
    console.log(new Entry().value);
  });
}
`,
    errors: [
      {
        rule: 'no-lost-update',
        messageId: 'lostUpdate',
        line: 10,
        column: 3,
        suggestions: [{ messageId: 'wrapInMutex', data: { firstLine: 5, lastLine: 11, mutex: 'totalMutex' }, output: SAME_AS_FIX }],
      },
    ],
  },
  {
    name: 'no fix: a function declared in the section is hoisted and called before it, where a callback would hide it',
    filename: 'file.ts',
    code: `declare function save(): Promise<void>;
let total = 0;

export async function add() {
  console.log(helper());
  const seen = total;
  await save();
  function helper() {
    return 1;
  }
  total = seen + 1;
}
`,
    output: null,
    errors: [{ rule: 'no-lost-update', messageId: 'lostUpdate', line: 11, column: 3, suggestions: [] }],
  },
  {
    name: 'no fix: a type declared in the section is used before it, where a callback would hide it',
    filename: 'file.ts',
    code: `declare function save(): Promise<void>;
let total = 0;

export async function add() {
  const early: Pair = [1, 2];
  const seen = total;
  await save();
  type Pair = [number, number];
  total = seen + early[0];
}
`,
    output: null,
    errors: [{ rule: 'no-lost-update', messageId: 'lostUpdate', line: 9, column: 3, suggestions: [] }],
  },
  {
    name: "a class expression's mutex is `readonly`, not `private`: its type may be exported, where declaration emit rejects private members (TS4094)",
    filename: 'file.ts',
    code: `declare function save(): Promise<void>;

export const Counter = class {
  count = 0;

  async bump() {
    const seen = this.count;
    await save();
    this.count = seen + 1;
  }
};
`,
    output: `import { Mutex } from 'async-mutex';

declare function save(): Promise<void>;

export const Counter = class {
  readonly countMutex = new Mutex();
  count = 0;

  async bump() {
    await this.countMutex.runExclusive(async () => {
      const seen = this.count;
      await save();
      this.count = seen + 1;
    });
  }
};
`,
    errors: [
      {
        rule: 'no-lost-update',
        messageId: 'lostUpdate',
        line: 9,
        column: 5,
        suggestions: [{ messageId: 'wrapInMutex', data: { firstLine: 7, lastLine: 9, mutex: 'this.countMutex' }, output: SAME_AS_FIX }],
      },
    ],
  },
  {
    name: "a class declared in a function: its mutex is `readonly`, not `private`, as its type may be exported as an anonymous class type (TS4094)",
    filename: 'file.ts',
    code: `declare function save(): Promise<void>;

export function makeCounter() {
  class Counter {
    count = 0;

    async bump() {
      const seen = this.count;
      await save();
      this.count = seen + 1;
    }
  }
  return new Counter();
}
`,
    output: `import { Mutex } from 'async-mutex';

declare function save(): Promise<void>;

export function makeCounter() {
  class Counter {
    readonly countMutex = new Mutex();
    count = 0;

    async bump() {
      await this.countMutex.runExclusive(async () => {
        const seen = this.count;
        await save();
        this.count = seen + 1;
      });
    }
  }
  return new Counter();
}
`,
    errors: [
      {
        rule: 'no-lost-update',
        messageId: 'lostUpdate',
        line: 10,
        column: 7,
        suggestions: [{ messageId: 'wrapInMutex', data: { firstLine: 8, lastLine: 10, mutex: 'this.countMutex' }, output: SAME_AS_FIX }],
      },
    ],
  },
  {
    name: "only a suggestion for a field a base class declares: the base class's own updates of it would take another mutex, or none",
    filename: 'file.ts',
    code: `declare function save(): Promise<void>;

export class Base {
  total = 0;
  reset() {
    this.total = 0;
  }
}

export class Sub extends Base {
  async addTwo() {
    const t = this.total;
    await save();
    this.total = t + 2;
  }
}
`,
    output: null,
    errors: [
      {
        rule: 'no-lost-update',
        messageId: 'lostUpdate',
        line: 14,
        column: 5,
        suggestions: [
          {
            messageId: 'wrapInMutex',
            data: { firstLine: 12, lastLine: 14, mutex: 'this.totalMutex' },
            output: `import { Mutex } from 'async-mutex';

declare function save(): Promise<void>;

export class Base {
  total = 0;
  reset() {
    this.total = 0;
  }
}

export class Sub extends Base {
  private readonly totalMutex = new Mutex();
  async addTwo() {
    await this.totalMutex.runExclusive(async () => {
      const t = this.total;
      await save();
      this.total = t + 2;
    });
  }
}
`,
          },
        ],
      },
    ],
  },
  {
    name: 'only a suggestion for a field a subclass declares again (`override total`) where its base declares it too',
    filename: 'file.ts',
    code: `declare function save(): Promise<void>;

class Base {
  total = 0;
  reset() {
    this.total = 0;
  }
}

export class Sub extends Base {
  override total = 5;
  async addTwo() {
    const t = this.total;
    await save();
    this.total = t + 2;
  }
}
`,
    output: null,
    errors: [
      {
        rule: 'no-lost-update',
        messageId: 'lostUpdate',
        line: 15,
        column: 5,
        suggestions: [
          {
            messageId: 'wrapInMutex',
            data: { firstLine: 13, lastLine: 15, mutex: 'this.totalMutex' },
            output: `import { Mutex } from 'async-mutex';

declare function save(): Promise<void>;

class Base {
  total = 0;
  reset() {
    this.total = 0;
  }
}

export class Sub extends Base {
  private readonly totalMutex = new Mutex();
  override total = 5;
  async addTwo() {
    await this.totalMutex.runExclusive(async () => {
      const t = this.total;
      await save();
      this.total = t + 2;
    });
  }
}
`,
          },
        ],
      },
    ],
  },
  {
    name: 'a field the class declares itself, over a mixin whose members only its type shows: the autofix',
    filename: 'file.ts',
    code: `declare function save(): Promise<void>;

function Tagged<T extends new (...args: any[]) => object>(B: T) {
  return class extends B {
    tag = 1;
  };
}

export class Sub extends Tagged(Object) {
  total = 0;
  async addTwo() {
    const t = this.total;
    await save();
    this.total = t + 2;
  }
}
`,
    output: `import { Mutex } from 'async-mutex';

declare function save(): Promise<void>;

function Tagged<T extends new (...args: any[]) => object>(B: T) {
  return class extends B {
    tag = 1;
  };
}

export class Sub extends Tagged(Object) {
  private readonly totalMutex = new Mutex();
  total = 0;
  async addTwo() {
    await this.totalMutex.runExclusive(async () => {
      const t = this.total;
      await save();
      this.total = t + 2;
    });
  }
}
`,
    errors: [
      {
        rule: 'no-lost-update',
        messageId: 'lostUpdate',
        line: 14,
        column: 5,
        suggestions: [{ messageId: 'wrapInMutex', data: { firstLine: 12, lastLine: 14, mutex: 'this.totalMutex' }, output: SAME_AS_FIX }],
      },
    ],
  },
  {
    name: 'a field the class declares itself, in a class with a base: the autofix',
    filename: 'file.ts',
    code: `declare function save(): Promise<void>;

class Base {}

export class Sub extends Base {
  constructor(private total: number) {
    super();
  }
  async addTwo() {
    const t = this.total;
    await save();
    this.total = t + 2;
  }
}
`,
    output: `import { Mutex } from 'async-mutex';

declare function save(): Promise<void>;

class Base {}

export class Sub extends Base {
  private readonly totalMutex = new Mutex();
  constructor(private total: number) {
    super();
  }
  async addTwo() {
    await this.totalMutex.runExclusive(async () => {
      const t = this.total;
      await save();
      this.total = t + 2;
    });
  }
}
`,
    errors: [
      {
        rule: 'no-lost-update',
        messageId: 'lostUpdate',
        line: 12,
        column: 5,
        suggestions: [{ messageId: 'wrapInMutex', data: { firstLine: 10, lastLine: 12, mutex: 'this.totalMutex' }, output: SAME_AS_FIX }],
      },
    ],
  },
  {
    name: 'a JSDoc comment right above the first statement stays with it: the import goes above the comment, below a file header',
    filename: 'file.ts',
    code: `// Request accounting.

/** Requests served so far. */
let served = 0;
declare function save(): Promise<void>;

export async function serve() {
  const seen = served;
  await save();
  served = seen + 1;
}
`,
    output: `// Request accounting.

import { Mutex } from 'async-mutex';

/** Requests served so far. */
let served = 0;
const servedMutex = new Mutex();
declare function save(): Promise<void>;

export async function serve() {
  await servedMutex.runExclusive(async () => {
    const seen = served;
    await save();
    served = seen + 1;
  });
}
`,
    errors: [
      {
        rule: 'no-lost-update',
        messageId: 'lostUpdate',
        line: 10,
        column: 3,
        suggestions: [{ messageId: 'wrapInMutex', data: { firstLine: 8, lastLine: 10, mutex: 'servedMutex' }, output: SAME_AS_FIX }],
      },
    ],
  },
  {
    name: 'no fix: an assertion call before the section narrowed a property the section reads (`asserts value`), which a callback would lose',
    filename: 'file.ts',
    code: `declare function save(): Promise<void>;
declare function assert(value: unknown, message?: string): asserts value;

export class Session {
  token: string | undefined;
  used = 0;

  async use() {
    assert(this.token, 'no session');
    const seen = this.used;
    await save();
    this.used = seen + this.token.length;
  }
}
`,
    output: null,
    errors: [{ rule: 'no-lost-update', messageId: 'lostUpdate', line: 12, column: 5, suggestions: [] }],
  },
  {
    name: 'no fix: a JavaScript assertion function (`@returns {asserts value}` in JSDoc, known only from the resolved signature) narrowed a property the section reads',
    filename: 'script.cjs',
    code: `'use strict';

/**
 * @param {unknown} value
 * @returns {asserts value}
 */
function assert(value) {
  if (!value) throw new Error('no session');
}

class Session {
  constructor() {
    /** @type {string | undefined} */
    this.token = undefined;
    this.used = 0;
  }

  async use() {
    assert(this.token);
    const seen = this.used;
    await Promise.resolve();
    this.used = seen + this.token.length;
  }
}

module.exports = { Session };
`,
    output: null,
    errors: [{ rule: 'no-lost-update', messageId: 'lostUpdate', line: 22, column: 5, suggestions: [] }],
  },
  {
    name: 'an assertion call in the section (`asserts value is T`) narrows a read after it: the section extends to the end of the function',
    filename: 'file.ts',
    code: `declare function save(n: number): Promise<void>;
function assertDefined<T>(value: T | undefined): asserts value is T {
  if (value === undefined) throw new Error('missing');
}

export class Counter {
  count = 0;
  limit: number | undefined;

  async step(): Promise<void> {
    const current = this.count;
    await save(current);
    assertDefined(this.limit);
    this.count = current + 1;
    console.log(this.limit.toFixed(2));
  }
}
`,
    output: `import { Mutex } from 'async-mutex';

declare function save(n: number): Promise<void>;
function assertDefined<T>(value: T | undefined): asserts value is T {
  if (value === undefined) throw new Error('missing');
}

export class Counter {
  private readonly countMutex = new Mutex();
  count = 0;
  limit: number | undefined;

  async step(): Promise<void> {
    await this.countMutex.runExclusive(async () => {
      const current = this.count;
      await save(current);
      assertDefined(this.limit);
      this.count = current + 1;
      console.log(this.limit.toFixed(2));
    });
  }
}
`,
    errors: [
      {
        rule: 'no-lost-update',
        messageId: 'lostUpdate',
        line: 14,
        column: 5,
        suggestions: [{ messageId: 'wrapInMutex', data: { firstLine: 11, lastLine: 15, mutex: 'this.countMutex' }, output: SAME_AS_FIX }],
      },
    ],
  },
  {
    name: 'a call statement in the section that asserts nothing narrows nothing after it: the wrap ends at the write',
    filename: 'file.ts',
    code: `declare function save(n: number): Promise<void>;
declare function log(value: unknown): void;

export class Counter {
  count = 0;
  limit: number | undefined;

  async step(): Promise<void> {
    const current = this.count;
    await save(current);
    log(this.limit);
    this.count = current + 1;
    if (this.limit !== undefined) console.log(this.limit.toFixed(2));
  }
}
`,
    output: `import { Mutex } from 'async-mutex';

declare function save(n: number): Promise<void>;
declare function log(value: unknown): void;

export class Counter {
  private readonly countMutex = new Mutex();
  count = 0;
  limit: number | undefined;

  async step(): Promise<void> {
    await this.countMutex.runExclusive(async () => {
      const current = this.count;
      await save(current);
      log(this.limit);
      this.count = current + 1;
    });
    if (this.limit !== undefined) console.log(this.limit.toFixed(2));
  }
}
`,
    errors: [
      {
        rule: 'no-lost-update',
        messageId: 'lostUpdate',
        line: 12,
        column: 5,
        suggestions: [{ messageId: 'wrapInMutex', data: { firstLine: 9, lastLine: 12, mutex: 'this.countMutex' }, output: SAME_AS_FIX }],
      },
    ],
  },
  {
    name: "a parameter narrowed before the section and never assigned keeps its narrowing in the callback (TypeScript 5.4+): the wrap is offered",
    filename: 'file.ts',
    code: `declare function save(): Promise<void>;
let total = 0;

export async function add(amount: number | undefined) {
  if (amount === undefined) return;
  const seen = total;
  await save();
  total = seen + amount;
}
`,
    output: `import { Mutex } from 'async-mutex';

declare function save(): Promise<void>;
let total = 0;
const totalMutex = new Mutex();

export async function add(amount: number | undefined) {
  if (amount === undefined) return;
  await totalMutex.runExclusive(async () => {
    const seen = total;
    await save();
    total = seen + amount;
  });
}
`,
    errors: [{ rule: 'no-lost-update', messageId: 'lostUpdate', line: 8, column: 3, suggestions: [{ messageId: 'wrapInMutex', data: {"firstLine":6,"lastLine":8,"mutex":"totalMutex"}, output: SAME_AS_FIX }] }],
  },
  {
    name: "no fix: a narrowed parameter assigned after the section loses its narrowing in a callback",
    filename: 'file.ts',
    code: `declare function save(): Promise<void>;
let total = 0;

export async function add(amount: number | undefined) {
  if (amount === undefined) return;
  const seen = total;
  await save();
  total = seen + amount;
  amount = undefined;
  return amount;
}
`,
    output: null,
    errors: [{ rule: 'no-lost-update', messageId: 'lostUpdate', line: 8, column: 3, suggestions: [] }],
  },
  {
    name: "a local assigned in the section and read after it: in the caller it would keep the type it had before the section (`false`), so the section extends to the end of the function",
    filename: 'file.ts',
    code: `declare function fetchCount(): Promise<number>;
declare function log(s: string): void;

export class Store {
  private expiry = 0;
  async refresh(): Promise<boolean> {
    let good = false;
    if (this.expiry < Date.now()) {
      const n = await fetchCount();
      this.expiry = Date.now() + n;
      good = true;
    }
    log('after');
    if (good === true) log('good');
    return good;
  }
}
`,
    output: `import { Mutex } from 'async-mutex';

declare function fetchCount(): Promise<number>;
declare function log(s: string): void;

export class Store {
  private readonly expiryMutex = new Mutex();
  private expiry = 0;
  async refresh(): Promise<boolean> {
    let good = false;
    return await this.expiryMutex.runExclusive(async () => {
      if (this.expiry < Date.now()) {
        const n = await fetchCount();
        this.expiry = Date.now() + n;
        good = true;
      }
      log('after');
      if (good === true) log('good');
      return good;
    });
  }
}
`,
    errors: [{ rule: 'no-stale-check', messageId: 'staleCheck', line: 10, column: 7, suggestions: [{ messageId: 'wrapInMutex', data: {"firstLine":8,"lastLine":15,"mutex":"this.expiryMutex"}, output: SAME_AS_FIX }] }],
  },
  {
    name: "no fix: a boolean local assigned in a nested section and compared after it, where the section cannot extend to the end",
    filename: 'file.ts',
    code: `declare function fetchCount(): Promise<number>;
let expiry = 0;

export async function refresh(force: boolean): Promise<boolean> {
  let good = false;
  if (force) {
    if (expiry < Date.now()) {
      const n = await fetchCount();
      expiry = Date.now() + n;
      good = true;
    }
  }
  return good === true;
}
`,
    output: null,
    errors: [{ rule: 'no-stale-check', messageId: 'staleCheck', line: 9, column: 7, suggestions: [] }],
  },
  {
    name: "a local whose declared type no assignment narrows (number), assigned in the section and read after it: the wrap is offered as it is",
    filename: 'file.ts',
    code: `declare function fetchCount(): Promise<number>;
declare function log(n: number): void;
let total = 0;

export async function add(): Promise<void> {
  let added = 0;
  const seen = total;
  added = await fetchCount();
  total = seen + added;
  log(added);
}
`,
    output: `import { Mutex } from 'async-mutex';

declare function fetchCount(): Promise<number>;
declare function log(n: number): void;
let total = 0;
const totalMutex = new Mutex();

export async function add(): Promise<void> {
  let added = 0;
  await totalMutex.runExclusive(async () => {
    const seen = total;
    added = await fetchCount();
    total = seen + added;
  });
  log(added);
}
`,
    errors: [{ rule: 'no-lost-update', messageId: 'lostUpdate', line: 9, column: 3, suggestions: [{ messageId: 'wrapInMutex', data: {"firstLine":7,"lastLine":9,"mutex":"totalMutex"}, output: SAME_AS_FIX }] }],
  },
  {
    name: "a lost update that a stale check also guards: the check goes into the section too (else it would be reported next), and the destructuring after it keeps its narrowing by extending to the end",
    filename: 'file.ts',
    code: `interface Creds { user: string }
interface AuthContext { credentials?: Creds }
declare function refreshed(credentials: Creds): Promise<Creds>;

export async function auth(context: AuthContext): Promise<string> {
  if (!context.credentials) throw new Error('no credentials');
  context.credentials = await refreshed(context.credentials);
  const { credentials } = context;
  return credentials.user;
}
`,
    output: `import { Mutex } from 'async-mutex';

const authContextMutex = new Mutex();
interface Creds { user: string }
interface AuthContext { credentials?: Creds }
declare function refreshed(credentials: Creds): Promise<Creds>;

export async function auth(context: AuthContext): Promise<string> {
  return await authContextMutex.runExclusive(async () => {
    if (!context.credentials) throw new Error('no credentials');
    context.credentials = await refreshed(context.credentials);
    const { credentials } = context;
    return credentials.user;
  });
}
`,
    errors: [{ rule: 'no-lost-update', messageId: 'lostUpdate', line: 7, column: 3, suggestions: [{ messageId: 'wrapInMutex', data: {"firstLine":6,"lastLine":9,"mutex":"authContextMutex"}, output: SAME_AS_FIX }] }],
  },
  {
    name: "no fix: the section assigns a property but reads it first, relying on narrowing made before the section (a callback would lose it)",
    filename: 'file.ts',
    code: `interface Session { token?: string; hits: number }
declare function save(): Promise<void>;

export async function touch(session: Session): Promise<void> {
  session.token ??= 'anonymous';
  const seen = session.hits;
  await save();
  session.token = session.token.trim();
  session.hits = seen + 1;
}
`,
    output: null,
    errors: [{ rule: 'no-lost-update', messageId: 'lostUpdate', line: 9, column: 3, suggestions: [] }],
  },
  {
    name: "only a suggestion: the section starts a promise it does not await, which would run on after the lock is released (no-unawaited-in-lock would report the fixed code)",
    filename: 'file.ts',
    code: `declare function fetchPage(): Promise<string[]>;

export class Poll {
  private responses: string[] = [];
  private nextBatch: string | undefined;

  async fetchResponses(): Promise<void> {
    const seen = this.responses;
    const page = await fetchPage();
    if (this.nextBatch) {
      // not awaited on purpose: the first page is shown at once
      this.fetchResponses();
    }
    this.responses = [...seen, ...page];
  }
}
`,
    output: null,
    errors: [
      {
        rule: 'no-lost-update',
        messageId: 'lostUpdate',
        line: 14,
        column: 5,
        suggestions: [
          {
            messageId: 'wrapInMutex',
            data: { firstLine: 8, lastLine: 14, mutex: 'this.responsesMutex' },
            output: `import { Mutex } from 'async-mutex';

declare function fetchPage(): Promise<string[]>;

export class Poll {
  private readonly responsesMutex = new Mutex();
  private responses: string[] = [];
  private nextBatch: string | undefined;

  async fetchResponses(): Promise<void> {
    await this.responsesMutex.runExclusive(async () => {
      const seen = this.responses;
      const page = await fetchPage();
      if (this.nextBatch) {
        // not awaited on purpose: the first page is shown at once
        this.fetchResponses();
      }
      this.responses = [...seen, ...page];
    });
  }
}
`,
          },
        ],
      },
    ],
  },
  {
    name: "no fix: a read after an assignment made on one path only may still rely on narrowing made before the section",
    filename: 'file.ts',
    code: `interface Session { token?: string; hits: number }
declare function save(): Promise<void>;

export async function touch(session: Session, renew: boolean): Promise<void> {
  session.token ??= 'anonymous';
  const seen = session.hits;
  await save();
  if (renew) session.token = 'renewed';
  session.hits = seen + session.token.length;
}
`,
    output: null,
    errors: [{ rule: 'no-lost-update', messageId: 'lostUpdate', line: 9, column: 3, suggestions: [] }],
  },
  {
    name: "a read after an assignment every path makes has that assignment's type: the wrap is offered",
    filename: 'file.ts',
    code: `interface Session { token?: string; hits: number }
declare function save(): Promise<void>;

export async function touch(session: Session): Promise<void> {
  session.token ??= 'anonymous';
  const seen = session.hits;
  await save();
  session.token = 'renewed';
  session.hits = seen + session.token.length;
}
`,
    output: `import { Mutex } from 'async-mutex';

const sessionMutex = new Mutex();
interface Session { token?: string; hits: number }
declare function save(): Promise<void>;

export async function touch(session: Session): Promise<void> {
  session.token ??= 'anonymous';
  await sessionMutex.runExclusive(async () => {
    const seen = session.hits;
    await save();
    session.token = 'renewed';
    session.hits = seen + session.token.length;
  });
}
`,
    errors: [{ rule: 'no-lost-update', messageId: 'lostUpdate', line: 9, column: 3, suggestions: [{ messageId: 'wrapInMutex', data: {"firstLine":6,"lastLine":9,"mutex":"sessionMutex"}, output: SAME_AS_FIX }] }],
  },
  {
    name: "a comment after the last statement stays inside the wrap",
    filename: 'file.ts',
    code: `declare function save(): Promise<void>;
let hits = 0;

export async function hit() {
  const seen = hits;
  await save();
  hits = seen + 1; // the write
}
`,
    output: `import { Mutex } from 'async-mutex';

declare function save(): Promise<void>;
let hits = 0;
const hitsMutex = new Mutex();

export async function hit() {
  await hitsMutex.runExclusive(async () => {
    const seen = hits;
    await save();
    hits = seen + 1; // the write
  });
}
`,
    errors: [{ rule: 'no-lost-update', messageId: 'lostUpdate', line: 7, column: 3, suggestions: [{ messageId: 'wrapInMutex', data: {"firstLine":5,"lastLine":7,"mutex":"hitsMutex"}, output: SAME_AS_FIX }] }],
  },
  {
    name: 'a lock that excludes no one (a Semaphore with 2 permits): the wrap goes inside it',
    filename: 'file.ts',
    code: `import { Semaphore } from 'async-mutex';
declare function save(): Promise<void>;
let counter = 0;
const limiter = new Semaphore(2);
export async function increment() {
  await limiter.runExclusive(async () => {
    const current = counter;
    await save();
    counter = current + 1;
  });
}
`,
    output: `import { Semaphore, Mutex } from 'async-mutex';
declare function save(): Promise<void>;
let counter = 0;
const counterMutex = new Mutex();
const limiter = new Semaphore(2);
export async function increment() {
  await limiter.runExclusive(async () => {
    await counterMutex.runExclusive(async () => {
      const current = counter;
      await save();
      counter = current + 1;
    });
  });
}
`,
    errors: [
      {
        rule: 'no-lost-update',
        messageId: 'lostUpdateNotExclusive',
        line: 9,
        column: 5,
        suggestions: [{ messageId: 'wrapInMutex', data: { firstLine: 7, lastLine: 9, mutex: 'counterMutex' }, output: SAME_AS_FIX }],
      },
    ],
  },
  {
    name: 'no fix: a read made before the lock is taken needs the code restructured, and a second lock would deadlock',
    filename: 'file.ts',
    code: `import { Mutex } from 'async-mutex';
declare function save(): Promise<void>;
let counter = 0;
const mutex = new Mutex();
export async function increment() {
  const current = counter;
  await mutex.runExclusive(async () => {
    await save();
    counter = current + 1;
  });
}
`,
    output: null,
    errors: [{ rule: 'no-lost-update', messageId: 'lostUpdateReadOutsideLock', line: 9, column: 5, suggestions: [] }],
  },
  {
    name: 'races in one function whose sections overlap become one section; objects passed in share a mutex per type',
    filename: 'file.ts',
    code: `declare function record(): Promise<void>;
interface Account {
  balance: number;
}
export async function transfer(from: Account, to: Account, amount: number) {
  const fromBalance = from.balance;
  const toBalance = to.balance;
  await record();
  from.balance = fromBalance - amount;
  to.balance = toBalance + amount;
}
`,
    output: `import { Mutex } from 'async-mutex';

const accountMutex = new Mutex();
declare function record(): Promise<void>;
interface Account {
  balance: number;
}
export async function transfer(from: Account, to: Account, amount: number) {
  await accountMutex.runExclusive(async () => {
    const fromBalance = from.balance;
    const toBalance = to.balance;
    await record();
    from.balance = fromBalance - amount;
    to.balance = toBalance + amount;
  });
}
`,
    errors: [
      {
        rule: 'no-lost-update',
        messageId: 'lostUpdate',
        line: 9,
        column: 3,
        suggestions: [{ messageId: 'wrapInMutex', data: { firstLine: 6, lastLine: 10, mutex: 'accountMutex' }, output: SAME_AS_FIX }],
      },
      {
        rule: 'no-lost-update',
        messageId: 'lostUpdate',
        line: 10,
        column: 3,
        suggestions: [{ messageId: 'wrapInMutex', data: { firstLine: 6, lastLine: 10, mutex: 'accountMutex' }, output: SAME_AS_FIX }],
      },
    ],
  },
);

function finalOutput(fixCase: FixCase): string {
  return Array.isArray(fixCase.output) ? (fixCase.output.at(-1) ?? '') : (fixCase.output ?? '');
}

function toTestCase<MessageId extends string>(
  fixCase: FixCase,
  rule: FixCase['errors'][number]['rule'],
): InvalidTestCase<MessageId, [RaceRuleOptions]> {
  return {
    name: fixCase.name,
    filename: path.join(rulesFixture, fixCase.filename),
    code: fixCase.code,
    output: fixCase.output,
    options: [fixCase.options ?? {}],
    errors: fixCase.errors
      .filter((error) => error.rule === rule)
      .map((error) => ({
        messageId: error.messageId as MessageId,
        line: error.line,
        column: error.column,
        suggestions: error.suggestions.map((suggestion) => ({
          messageId: suggestion.messageId as MessageId,
          data: suggestion.data,
          output: suggestion.output === SAME_AS_FIX ? finalOutput(fixCase) : suggestion.output,
        })),
      })),
  };
}

const ruleTester = createRuleTester();
ruleTester.run('no-lost-update fixes', noLostUpdate, {
  valid: [],
  invalid: cases.filter((c) => c.errors.some((e) => e.rule === 'no-lost-update')).map((c) => toTestCase<LostUpdateIds>(c, 'no-lost-update')),
});
ruleTester.run('no-stale-check fixes', noStaleCheck, {
  valid: [],
  invalid: cases.filter((c) => c.errors.some((e) => e.rule === 'no-stale-check')).map((c) => toTestCase<StaleCheckIds>(c, 'no-stale-check')),
});

// A project from which async-mutex does not resolve (outside this repository's node_modules).
const isolated = fs.mkdtempSync(path.join(os.tmpdir(), 'async-race-no-mutex-'));
afterAll(() => { fs.rmSync(isolated, { recursive: true, force: true }); });
fs.writeFileSync(
  path.join(isolated, 'tsconfig.json'),
  JSON.stringify({ compilerOptions: { strict: true, target: 'ES2022', module: 'node16', noEmit: true, types: [] }, include: ['*.ts'] }),
);
fs.writeFileSync(path.join(isolated, 'file.ts'), 'export {};\n');
createRuleTester(isolated).run('no-lost-update without async-mutex installed', noLostUpdate, {
  valid: [],
  invalid: [
    {
      name: 'async-mutex does not resolve: a suggestion that says to add the dependency, no autofix',
      code: optionCode,
      output: null,
      errors: [
        {
          messageId: 'lostUpdate',
          line: 6,
          column: 3,
          suggestions: [
            {
              messageId: 'wrapInMutexAddDependency',
              data: { firstLine: 4, lastLine: 6, mutex: 'counterMutex' },
              output: optionFixed,
            },
          ],
        },
      ],
    },
  ],
});

// Every autofix and suggestion output above must type-check in the fixture project, and every
// autofix output must lint clean: one program over all of them, in a copy of the fixture project.
describe('fixed outputs', () => {
  const outputs = cases.flatMap((fixCase, index) => {
    // `relint`: an autofix, or an in-flight memo (which needs no lock, so must leave nothing to report).
    const all: Array<{ label: string; text: string; autofix: boolean; relint: boolean; ext: string }> = [];
    const ext = fixCase.filename.endsWith('.cjs') ? '.cjs' : '.ts';
    if (fixCase.output !== null) all.push({ label: `${fixCase.name} (autofix)`, text: finalOutput(fixCase), autofix: true, relint: true, ext });
    fixCase.errors.forEach((error, errorIndex) => {
      error.suggestions.forEach((suggestion) => {
        if (suggestion.output !== SAME_AS_FIX) {
          all.push({
            label: `${fixCase.name} (suggestion ${errorIndex})`,
            text: suggestion.output,
            autofix: false,
            relint: suggestion.messageId === 'memoizeInFlight',
            ext,
          });
        }
      });
    });
    return all.map((output, n) => ({ ...output, file: `case-${index}-${n}${output.ext}` }));
  });

  it('type-check with zero diagnostics', () => {
    const diagnostics = typeCheckInFixtureCopy(outputs, { checkJs: true });
    expect(outputs.length).toBeGreaterThan(15);
    expect(diagnostics).toEqual([]);
  });

  it('lint clean after the autofix (the fix converges in one pass) and after the in-flight memo', () => {
    const linter = new Linter({ configType: 'flat' });
    const config = [
      {
        files: ['**/*.ts', '**/*.cjs'],
        languageOptions: { parser: tsParser, parserOptions: { projectService: true, tsconfigRootDir: rulesFixture } },
      },
      plugin.configs.all,
    ] as never;
    expect(outputs.filter((output) => output.relint && !output.autofix).length).toBeGreaterThanOrEqual(2);
    const leftovers = outputs
      .filter((output) => output.relint)
      .flatMap((output) =>
        linter
          .verify(output.text, config, { filename: path.join(rulesFixture, output.ext === '.cjs' ? 'script.cjs' : 'file.ts') })
          .map((message) => `${output.label}: ${message.line}:${message.column} ${message.message}`),
      );
    expect(leftovers).toEqual([]);
  });
});

// A TypeScript file that is a CommonJS module under `verbatimModuleSyntax` (a `.cts` file with
// `module: node16`), where an ES import is an error (TS1286): the fix imports with `import … = require(…)`.
const verbatimFixture = path.resolve(__dirname, '../../fixtures/verbatim-cjs');
const verbatimCode = `declare function save(): Promise<void>;
let total = 0;

async function add(): Promise<void> {
  const seen = total;
  await save();
  total = seen + 1;
}

export = { add };
`;
const verbatimFixed = `import asyncMutex = require('async-mutex');

declare function save(): Promise<void>;
let total = 0;
const totalMutex = new asyncMutex.Mutex();

async function add(): Promise<void> {
  await totalMutex.runExclusive(async () => {
    const seen = total;
    await save();
    total = seen + 1;
  });
}

export = { add };
`;
createRuleTester(verbatimFixture).run('no-lost-update in a CommonJS TypeScript module under verbatimModuleSyntax', noLostUpdate, {
  valid: [],
  invalid: [
    {
      name: 'the mutex is imported with `import … = require(…)` and named through it',
      filename: path.join(verbatimFixture, 'file.cts'),
      code: verbatimCode,
      output: verbatimFixed,
      errors: [
        {
          messageId: 'lostUpdate',
          line: 7,
          column: 3,
          suggestions: [{ messageId: 'wrapInMutex', data: { firstLine: 5, lastLine: 7, mutex: 'totalMutex' }, output: verbatimFixed }],
        },
      ],
    },
  ],
});

describe('the fix of a CommonJS TypeScript module under verbatimModuleSyntax', () => {
  // Inside the repository (so that async-mutex resolves), in `.tmp`, which a fresh clone lacks.
  const scratch = path.join(verbatimFixture, '..', '..', '.tmp');
  fs.mkdirSync(scratch, { recursive: true });
  const copy = fs.mkdtempSync(path.join(scratch, 'verbatim-'));
  fs.copyFileSync(path.join(verbatimFixture, 'tsconfig.json'), path.join(copy, 'tsconfig.json'));
  fs.writeFileSync(path.join(copy, 'file.cts'), verbatimFixed);
  afterAll(() => { fs.rmSync(copy, { recursive: true, force: true }); });

  it('type-checks with zero diagnostics', () => {
    const config = ts.readConfigFile(path.join(copy, 'tsconfig.json'), (file) => ts.sys.readFile(file));
    const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, copy);
    const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
    expect(parsed.fileNames).toHaveLength(1);
    expect(ts.getPreEmitDiagnostics(program).map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'))).toEqual([]);
  });

  it('lints clean with every rule of the plugin', () => {
    const linter = new Linter({ configType: 'flat' });
    const config = [
      { files: ['**/*.cts'], languageOptions: { parser: tsParser, parserOptions: { projectService: true, tsconfigRootDir: copy } } },
      plugin.configs.all,
    ] as never;
    expect(linter.verify(verbatimFixed, config, { filename: path.join(copy, 'file.cts') })).toEqual([]);
  });
});
