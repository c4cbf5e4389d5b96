import type { InvalidTestCase } from '@typescript-eslint/rule-tester';

import rule, { type MessageIds } from '../../rules/require-lock-release';
import { describeFixedOutputs } from '../fixed-outputs';
import { locate } from '../locate';
import { createRuleTester } from '../rule-tester';

const decls = `import { Mutex, Semaphore } from 'async-mutex';
declare function save(value?: unknown): Promise<void>;
declare function load(key: string): Promise<number>;
declare function check(): boolean;
const mutex = new Mutex();
const semaphore = new Semaphore(1);
`;

type Case = InvalidTestCase<MessageIds, [Record<string, never>]>;

/** A `notReleased` report on the acquire call `acquire` (text in the code), naming the path on `pathLine`. */
function notReleased(code: string, acquire: string, lock: string, path: string) {
  const at = locate(code, acquire);
  return { messageId: 'notReleased' as const, data: { lock, line: at.line, path }, line: at.line, column: at.column };
}

/** The line of the code's last closing brace: the end of its one function. */
const lastLine = (code: string) => code.trimEnd().split('\n').length;
const lineOf = (code: string, snippet: string, occurrence = 1) => locate(code, snippet, occurrence).line;

const plain = `${decls}
export async function store(value: number) {
  const release = await mutex.acquire();
  await save(value);
  release();
}
`;
const plainFixed = `${decls}
export async function store(value: number) {
  const release = await mutex.acquire();
  try {
    await save(value);
  } finally {
    release();
  }
}
`;

const pairing = `${decls}
export class Store {
  private readonly lock = new Mutex();
  private total = 0;

  async add(key: string) {
    await this.lock.acquire();
    // Both lines run under the lock.
    const amount = await load(key);
    this.total += amount;
    this.lock.release();
  }
}
`;
const pairingFixed = `${decls}
export class Store {
  private readonly lock = new Mutex();
  private total = 0;

  async add(key: string) {
    await this.lock.acquire();
    try {
      // Both lines run under the lock.
      const amount = await load(key);
      this.total += amount;
    } finally {
      this.lock.release();
    }
  }
}
`;

const tuple = `${decls}
export async function store(value: number) {
  const [, release] = await semaphore.acquire();
  await save(value);
  release();
}
`;
const tupleFixed = `${decls}
export async function store(value: number) {
  const [, release] = await semaphore.acquire();
  try {
    await save(value);
  } finally {
    release();
  }
}
`;

const earlyReturn = `${decls}
export async function store(value: number) {
  const release = await mutex.acquire();
  if (value < 0) return;
  await save(value);
  release();
}
`;
const earlyReturnSuggested = `${decls}
export async function store(value: number) {
  const release = await mutex.acquire();
  try {
    if (value < 0) return;
    await save(value);
  } finally {
    release();
  }
}
`;

const explicitThrow = `${decls}
export async function store(value: number) {
  const release = await mutex.acquire();
  if (value < 0) throw new Error('negative');
  try {
    await save(value);
  } finally {
    release();
  }
}
`;

const breakInLoop = `${decls}
export async function storeAll(values: number[]) {
  for (const value of values) {
    const release = await mutex.acquire();
    if (value < 0) break;
    try {
      await save(value);
    } finally {
      release();
    }
  }
}
`;

const continueInLoop = `${decls}
export async function storeAll(values: number[]) {
  for (const value of values) {
    const release = await mutex.acquire();
    if (value === 0) continue;
    try {
      await save(value);
    } finally {
      release();
    }
  }
}
`;

const onlyInCatch = `${decls}
export async function store(value: number) {
  const release = await mutex.acquire();
  try {
    await save(value);
  } catch (error) {
    release();
    throw error;
  }
}
`;

const neverCalled = `${decls}
export async function store(value: number) {
  const release = await mutex.acquire();
  await save(value);
}
`;

const twiceReleaser = `${decls}
export async function store(value: number) {
  const release = await mutex.acquire();
  try {
    await save(value);
    release();
    await save(value + 1);
  } finally {
    release();
  }
}
`;

const twiceByLock = `${decls}
export async function store(value: number) {
  await mutex.acquire();
  try {
    await save(value);
    mutex.release();
  } finally {
    mutex.release();
  }
}
`;

const releaseNotLast = `${decls}
export async function read(key: string) {
  const release = await mutex.acquire();
  const value = await load(key);
  release();
  return value;
}
`;

const thenCallback = `${decls}
export function store(value: number) {
  return mutex.acquire().then(async (release) => {
    await save(value);
    release();
  });
}
`;

const varInSection = `${decls}
export async function store(value: number) {
  const release = await mutex.acquire();
  var saved = await save(value);
  release();
}
`;

const multiLineTemplate = `${decls}
export async function store(value: number) {
  const release = await mutex.acquire();
  await save(\`first line
second line \${value}\`);
  release();
}
`;

// await-lock takes with acquireAsync(): a file that never says `acquire` alone must still be looked at.
// (A type import in import mode: await-lock is an ES module; the fixed outputs are type-checked as CommonJS.)
const awaitLock = `import type AwaitLock from 'await-lock' with { 'resolution-mode': 'import' };
declare function save(value?: unknown): Promise<void>;
declare const lock: AwaitLock;
export async function store(value: number) {
  await lock.acquireAsync();
  await save(value);
  lock.release();
}
`;
const awaitLockFixed = `import type AwaitLock from 'await-lock' with { 'resolution-mode': 'import' };
declare function save(value?: unknown): Promise<void>;
declare const lock: AwaitLock;
export async function store(value: number) {
  await lock.acquireAsync();
  try {
    await save(value);
  } finally {
    lock.release();
  }
}
`;

const invalid: Case[] = [
  {
    name: 'await-lock: acquireAsync() released outside a finally, in a file that names no other lock method',
    code: awaitLock,
    output: awaitLockFixed,
    errors: [notReleased(awaitLock, 'lock.acquireAsync()', '`lock`', `when line ${lineOf(awaitLock, 'await save')} throws`)],
  },
  {
    name: 'the plain shape: moved into try/finally by --fix',
    code: plain,
    output: plainFixed,
    errors: [notReleased(plain, 'mutex.acquire()', '`mutex`', `when line ${lineOf(plain, 'await save')} throws`)],
  },
  {
    name: '`lock.release()` pairing on a class field: the fix keeps comments and indentation',
    code: pairing,
    output: pairingFixed,
    errors: [notReleased(pairing, 'this.lock.acquire()', '`this.lock`', `when line ${lineOf(pairing, 'await load')} throws`)],
  },
  {
    name: "a Semaphore's [value, release] tuple",
    code: tuple,
    output: tupleFixed,
    errors: [notReleased(tuple, 'semaphore.acquire()', '`semaphore`', `when line ${lineOf(tuple, 'await save')} throws`)],
  },
  {
    name: 'an early return skips the release: try/finally is a suggestion, not an autofix',
    code: earlyReturn,
    output: null,
    errors: [
      {
        ...notReleased(earlyReturn, 'mutex.acquire()', '`mutex`', `when the function returns on line ${lineOf(earlyReturn, 'return;')}`),
        suggestions: [
          {
            messageId: 'releaseInFinally',
            data: { release: 'release()', firstLine: lineOf(earlyReturn, 'mutex.acquire'), lastLine: lineOf(earlyReturn, 'release();') },
            output: earlyReturnSuggested,
          },
        ],
      },
    ],
  },
  {
    name: 'an explicit throw between the acquire and the release',
    code: explicitThrow,
    output: null,
    errors: [notReleased(explicitThrow, 'mutex.acquire()', '`mutex`', `when the \`throw\` on line ${lineOf(explicitThrow, 'throw new')} runs`)],
  },
  {
    name: 'a break leaves the loop before the try',
    code: breakInLoop,
    output: null,
    errors: [notReleased(breakInLoop, 'mutex.acquire()', '`mutex`', `after the \`break\` on line ${lineOf(breakInLoop, 'break;')}`)],
  },
  {
    name: 'a continue starts the next round (which waits for the lock it still holds)',
    code: continueInLoop,
    output: null,
    errors: [notReleased(continueInLoop, 'mutex.acquire()', '`mutex`', `after the \`continue\` on line ${lineOf(continueInLoop, 'continue;')}`)],
  },
  {
    name: 'released only when the section fails',
    code: onlyInCatch,
    output: null,
    errors: [notReleased(onlyInCatch, 'mutex.acquire()', '`mutex`', `when the function ends on line ${lastLine(onlyInCatch)}`)],
  },
  {
    name: 'the releaser is never called',
    code: neverCalled,
    output: null,
    errors: [
      {
        messageId: 'neverReleased',
        data: { lock: '`mutex`', line: lineOf(neverCalled, 'mutex.acquire'), releaser: 'release' },
        ...locate(neverCalled, 'mutex.acquire()'),
      },
    ],
  },
  {
    name: 'the releaser runs in the try and again in the finally',
    code: twiceReleaser,
    output: null,
    errors: [
      {
        messageId: 'releasedTwice',
        data: { releaser: 'release', firstLine: lineOf(twiceReleaser, 'release();') },
        ...locate(twiceReleaser, 'release();', 2),
      },
    ],
  },
  {
    name: '`lock.release()` twice on one path can release another task’s hold',
    code: twiceByLock,
    output: null,
    errors: [
      {
        messageId: 'releasedTwiceByLock',
        data: { lock: 'mutex', firstLine: lineOf(twiceByLock, 'mutex.release();') },
        ...locate(twiceByLock, 'mutex.release();', 2),
      },
    ],
  },
  {
    name: 'a .then() callback that receives the releaser holds the lock from its start',
    code: thenCallback,
    output: null,
    errors: [notReleased(thenCallback, 'mutex.acquire()', '`mutex`', `when line ${lineOf(thenCallback, 'await save')} throws`)],
  },
  {
    name: 'a `var` in the section would change scope in a try: reported without a fix',
    code: varInSection,
    output: null,
    errors: [notReleased(varInSection, 'mutex.acquire()', '`mutex`', `when line ${lineOf(varInSection, 'await save')} throws`)],
  },
  {
    name: 'a template literal over several lines cannot be re-indented: reported without a fix',
    code: multiLineTemplate,
    output: null,
    errors: [notReleased(multiLineTemplate, 'mutex.acquire()', '`mutex`', `when line ${lineOf(multiLineTemplate, 'await save')} throws`)],
  },
  {
    name: 'the release is not the last statement of the block: reported without a fix',
    code: releaseNotLast,
    output: null,
    errors: [notReleased(releaseNotLast, 'mutex.acquire()', '`mutex`', `when line ${lineOf(releaseNotLast, 'await load')} throws`)],
  },
];

createRuleTester().run('require-lock-release', rule, {
  valid: [
    {
      name: 'the releaser in a finally',
      code: `${decls}
export async function store(value: number) {
  const release = await mutex.acquire();
  try {
    await save(value);
  } finally {
    release();
  }
}`,
    },
    {
      name: '`lock.release()` in a finally, with an early return inside the try',
      code: `${decls}
export class Cache {
  private readonly mutex = new Mutex();
  private readonly entries = new Map<string, number>();
  async get(key: string) {
    await this.mutex.acquire();
    try {
      const cached = this.entries.get(key);
      if (cached !== undefined) return cached;
      const value = await load(key);
      this.entries.set(key, value);
      return value;
    } finally {
      this.mutex.release();
    }
  }
}`,
    },
    {
      name: "a Semaphore's tuple, released in a finally",
      code: `${decls}
export async function store(value: number) {
  const [permits, release] = await semaphore.acquire();
  try {
    await save(value + permits);
  } finally {
    release();
  }
}`,
    },
    {
      name: 'released in a catch that rethrows, and after the try',
      code: `${decls}
export async function store(value: number) {
  const release = await mutex.acquire();
  try {
    await save(value);
  } catch (error) {
    release();
    throw error;
  }
  release();
}`,
    },
    {
      name: 'a flag set after an early release keeps the finally from releasing twice',
      code: `${decls}
export async function store(value: number) {
  const release = await mutex.acquire();
  let released = false;
  try {
    await save(value);
    release();
    released = true;
    await save(value + 1);
  } finally {
    if (!released) release();
  }
}`,
    },
    {
      name: 'a releaser assigned inside the try and called optionally in the finally',
      code: `${decls}
export async function store(value: number) {
  let release: (() => void) | undefined;
  try {
    release = await mutex.acquire();
    await save(value);
  } finally {
    release?.();
  }
}`,
    },
    {
      name: 'only built-in collection methods between the acquire and the release: nothing can throw',
      code: `${decls}
export class Queue<T> {
  private readonly mutex = new Mutex();
  private readonly items: T[] = [];
  private length = 0;
  async enqueue(...items: T[]) {
    const release = await this.mutex.acquire();
    const n = this.items.push(...items);
    this.length += n;
    release();
    return n;
  }
}`,
    },
    {
      name: 'the releaser is handed to `.finally()`: ownership leaves the function',
      code: `${decls}
export async function store(value: number) {
  const release = await mutex.acquire();
  save(value).finally(release);
}`,
    },
    {
      name: 'the releaser is returned (a lock() method): the caller releases',
      code: `${decls}
export class Resource {
  private readonly mutex = new Mutex();
  async lock() {
    const release = await this.mutex.acquire();
    return release;
  }
}`,
    },
    {
      name: 'the releaser is stored in a field and called by another method',
      code: `${decls}
export class Session {
  private readonly mutex = new Mutex();
  private unlock?: () => void;
  async begin() {
    this.unlock = await this.mutex.acquire();
  }
  end() {
    this.unlock?.();
  }
}`,
    },
    {
      name: 'lock() and unlock() methods: `acquire()` without a release in the same function',
      code: `${decls}
export class Gate {
  private readonly mutex = new Mutex();
  async close() {
    await this.mutex.acquire();
  }
  open() {
    this.mutex.release();
  }
}`,
    },
    {
      name: 'the releaser is passed to a helper that owns it',
      code: `${decls}
declare function runAndRelease(release: () => void): Promise<void>;
export async function store() {
  const release = await mutex.acquire();
  await runAndRelease(release);
}`,
    },
    {
      name: 'released from a callback: not followed',
      code: `${decls}
export async function store(value: number) {
  await mutex.acquire();
  setTimeout(() => mutex.release(), 10);
  await save(value);
}`,
    },
    {
      name: 'a loop that only ends through the release and return',
      code: `${decls}
export async function poll() {
  const release = await mutex.acquire();
  let rounds = 0;
  while (true) {
    rounds += 1;
    if (rounds > 3) {
      release();
      return;
    }
  }
}`,
    },
    {
      name: 'an unused releaser with an unlock method that calls lock.release()',
      code: `${decls}
export class Gate {
  private readonly mutex = new Mutex();
  async close() {
    const release = await this.mutex.acquire();
  }
  open() {
    this.mutex.release();
  }
}`,
    },
    {
      name: 'one acquire per loop round, released in a finally',
      code: `${decls}
export async function storeAll(values: number[]) {
  for (const value of values) {
    const release = await mutex.acquire();
    try {
      if (value === 0) continue;
      await save(value);
    } finally {
      release();
    }
  }
}`,
    },
    {
      name: 'two acquire/release pairs of one lock in a row',
      code: `${decls}
export async function twoSteps(value: number) {
  await mutex.acquire();
  try {
    await save(value);
  } finally {
    mutex.release();
  }
  await mutex.acquire();
  try {
    await save(value + 1);
  } finally {
    mutex.release();
  }
}`,
    },
    {
      name: 'a switch that returns from every case inside the try',
      code: `${decls}
export async function pick(kind: 'a' | 'b') {
  const release = await mutex.acquire();
  try {
    switch (kind) {
      case 'a':
        return await load('a');
      default:
        throw new Error('unknown');
    }
  } finally {
    release();
  }
}`,
    },
    {
      name: 'runExclusive, isLocked and waitForUnlock are not acquisitions',
      code: `${decls}
export async function store(value: number) {
  if (mutex.isLocked()) await mutex.waitForUnlock();
  await mutex.runExclusive(() => save(value));
}`,
    },
    {
      name: 'a class of the project that is named Mutex is not async-mutex',
      code: `${decls}
class Lock {
  async acquire(): Promise<() => void> {
    return () => undefined;
  }
}
export async function store(value: number) {
  const lock = new Lock();
  const release = await lock.acquire();
  await save(value);
  release();
}`,
    },
    {
      name: 'a .then() callback that releases in a finally',
      code: `${decls}
export function store(value: number) {
  return mutex.acquire().then(async (release) => {
    try {
      await save(value);
    } finally {
      release();
    }
  });
}`,
    },
    {
      name: "a .then() callback that hands the Semaphore's releaser to .finally()",
      code: `${decls}
export function store(value: number) {
  return semaphore.acquire().then(([, release]) => save(value).finally(release));
}`,
    },
  ],
  invalid,
});

describeFixedOutputs(
  'require-lock-release fix and suggestion outputs',
  invalid.flatMap((testCase) => [
    ...(typeof testCase.output === 'string' ? [testCase.output] : []),
    ...testCase.errors.flatMap((error) => (error.suggestions ?? []).map((suggestion) => suggestion.output)),
  ]),
  4,
);
