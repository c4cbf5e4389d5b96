import rule from '../../rules/no-lock-reentry';
import { locate } from '../locate';
import { createRuleTester } from '../rule-tester';

const FOREVER = 'waits forever (deadlock)';

interface Expected {
  /** Text where the report starts (the inner take or the call). */
  at: string;
  atOccurrence?: number;
  /** Text where the lock was first taken. */
  held: string;
  heldOccurrence?: number;
  lock: string;
  outcome?: string;
}

function located(code: string, expected: Expected) {
  const at = locate(code, expected.at, expected.atOccurrence);
  const data = {
    lock: expected.lock,
    heldLine: locate(code, expected.held, expected.heldOccurrence).line,
    outcome: expected.outcome ?? FOREVER,
  };
  return { at, data };
}

function reentry(code: string, expected: Expected, unwrapped?: string) {
  const { at, data } = located(code, expected);
  return {
    messageId: 'reentry' as const,
    data,
    line: at.line,
    column: at.column,
    suggestions: unwrapped === undefined ? [] : [{ messageId: 'unwrapInner' as const, data, output: unwrapped }],
  };
}

function waitWhileHeld(code: string, expected: Expected) {
  const { at, data } = located(code, expected);
  return { messageId: 'waitWhileHeld' as const, data, line: at.line, column: at.column, suggestions: [] };
}

function throughCall(code: string, expected: Expected & { callee: string; calleeTake: string }) {
  const { at, data } = located(code, expected);
  return {
    messageId: 'reentryThroughCall' as const,
    data: { ...data, callee: expected.callee, calleeLine: locate(code, expected.calleeTake).line },
    line: at.line,
    column: at.column,
  };
}

const importedHelper = `
import { readSetting, settingsMutex, writeSetting } from './lib/settings';
export async function resetTheme(): Promise<void> {
  await settingsMutex.runExclusive(async () => {
    if (readSetting('theme') !== 'high-contrast') {
      await writeSetting('theme', 'system');
    }
  });
}`;

const importedHelperOutside = `
import { readSetting, settingsMutex, writeSetting } from './lib/settings';
export async function resetTheme(): Promise<void> {
  const theme = await settingsMutex.runExclusive(() => readSetting('theme'));
  if (theme !== 'high-contrast') await writeSetting('theme', 'system');
}`;

const directNested = `
import { Mutex } from 'async-mutex';
export class Counter {
  private readonly lock = new Mutex();
  private count = 0;
  async add(n: number) {
    await this.lock.runExclusive(async () => {
      await this.lock.runExclusive(async () => {
        this.count += n;
      });
    });
  }
}`;

const throughMethod = `
import { Mutex } from 'async-mutex';
declare function save(value: number): Promise<void>;
export class Counter {
  private readonly lock = new Mutex();
  private count = 0;
  async add(n: number) {
    await this.lock.runExclusive(async () => {
      this.count += n;
      await save(this.count);
    });
  }
  async addTwice(n: number) {
    await this.lock.runExclusive(async () => {
      await this.add(n);
      await this.add(n);
    });
  }
}`;

const acquireThenRunExclusive = `
import { Mutex } from 'async-mutex';
const mutex = new Mutex();
let total = 0;
export async function bump() {
  const release = await mutex.acquire();
  try {
    total = await mutex.runExclusive(() => total + 1);
  } finally {
    release();
  }
}`;

const moduleHelper = `
import { Mutex } from 'async-mutex';
const mutex = new Mutex();
const cache = new Map<string, string>();
declare function fetchValue(key: string): Promise<string>;
async function refresh(key: string) {
  return mutex.runExclusive(async () => {
    cache.set(key, await fetchValue(key));
  });
}
export async function refreshAll(keys: string[]) {
  await mutex.runExclusive(async () => {
    await Promise.all(keys.map((key) => refresh(key)));
  });
}`;

const waitInside = `
import { Mutex } from 'async-mutex';
const mutex = new Mutex();
export async function flush() {
  await mutex.runExclusive(async () => {
    await mutex.waitForUnlock();
  });
}`;

const releaseThenTake = `
import { Mutex } from 'async-mutex';
const mutex = new Mutex();
let total = 0;
export async function twice() {
  await mutex.acquire();
  try {
    total += 1;
  } finally {
    mutex.release();
  }
  await mutex.acquire();
  try {
    total += 1;
  } finally {
    mutex.release();
  }
}`;

const semaphoreOfOne = `
import { Semaphore } from 'async-mutex';
const gate = new Semaphore(1);
export async function enter() {
  const [, release] = await gate.acquire();
  try {
    await gate.runExclusive(async () => undefined);
  } finally {
    release();
  }
}`;

const expressionBody = `
import { Mutex } from 'async-mutex';
declare function load(): Promise<number>;
const mutex = new Mutex();
export function read() {
  return mutex.runExclusive(() => mutex.runExclusive(() => load()));
}`;

const withTimeoutLock = `
import { Mutex, withTimeout } from 'async-mutex';
const mutex = withTimeout(new Mutex(), 1000);
export async function nested() {
  await mutex.runExclusive(async () => {
    await mutex.runExclusive(async () => {
      console.log('inner');
    });
  });
}`;

const asyncLockNested = `
import AsyncLock from 'async-lock';
const lock = new AsyncLock();
export async function nested() {
  await lock.acquire('orders', async () => {
    await lock.acquire('orders', async () => undefined);
  });
}`;

const lockHelper = `
import { Mutex, type MutexInterface } from 'async-mutex';
const accounts = new Mutex();
const audit = new Mutex();
let balance = 0;
async function withLock<T>(lock: MutexInterface, work: () => Promise<T>): Promise<T> {
  return lock.runExclusive(work);
}
export async function deposit(amount: number) {
  await accounts.runExclusive(async () => {
    await withLock(audit, async () => undefined);
    await withLock(accounts, async () => {
      balance += amount;
    });
  });
}`;

const objectLiteral = `
import { Mutex } from 'async-mutex';
export const store = {
  lock: new Mutex(),
  items: [] as string[],
  async add(item: string) {
    await this.lock.runExclusive(async () => {
      this.items.push(item);
    });
  },
  async addAll(items: string[]) {
    await this.lock.runExclusive(async () => {
      for (const item of items) await this.add(item);
    });
  },
};`;

const webLock = `
export async function sync() {
  await navigator.locks.request('sync', async () => {
    await navigator.locks.request('sync', async () => undefined);
  });
}`;

// A LockManager handed in: the file never says \`locks.request\`.
const webLockManager = `
export async function sync(manager: LockManager) {
  await manager.request('sync', async () => {
    await manager.request('sync', async () => undefined);
  });
}`;

const arrowField = `
import { Mutex } from 'async-mutex';
export class Store {
  private readonly mutex = new Mutex();
  private items: string[] = [];
  push = async (item: string) => this.mutex.runExclusive(() => {
    this.items.push(item);
  });
  async pushAll(items: string[]) {
    await this.mutex.runExclusive(async () => {
      for (const item of items) await this.push(item);
    });
  }
}`;

createRuleTester().run('no-lock-reentry', rule, {
  valid: [
    { name: 'the imported function that takes the mutex is called after the section, not in it', code: importedHelperOutside },
    {
      name: 'distinct mutexes nested in a consistent order',
      code: `
import { Mutex } from 'async-mutex';
const accounts = new Mutex();
const audit = new Mutex();
export async function transfer() {
  await accounts.runExclusive(async () => {
    await audit.runExclusive(async () => undefined);
  });
}`,
    },
    {
      name: 'the same field of another instance is another mutex',
      code: `
import { Mutex } from 'async-mutex';
export class Account {
  readonly lock = new Mutex();
  balance = 0;
  async transfer(to: Account, amount: number) {
    await this.lock.runExclusive(async () => {
      await to.lock.runExclusive(async () => {
        this.balance -= amount;
        to.balance += amount;
      });
    });
  }
}`,
    },
    {
      name: 'a nested take that is not awaited waits until the section ends: no deadlock',
      code: `
import { Mutex } from 'async-mutex';
const mutex = new Mutex();
let pending = 0;
export async function schedule() {
  await mutex.runExclusive(async () => {
    pending += 1;
    void mutex.runExclusive(async () => {
      pending -= 1;
    });
  });
}`,
    },
    {
      name: 'a method called without await (fire and forget) does not deadlock',
      code: `
import { Mutex } from 'async-mutex';
export class Queue {
  private readonly lock = new Mutex();
  private items: number[] = [];
  async add(item: number) {
    await this.lock.runExclusive(async () => {
      this.items.push(item);
    });
  }
  async addLater(item: number) {
    await this.lock.runExclusive(async () => {
      setTimeout(() => void this.add(item), 0);
      void this.add(item + 1);
    });
  }
}`,
    },
    {
      name: 'the section calls an unlocked helper (the split the message suggests)',
      code: `
import { Mutex } from 'async-mutex';
declare function save(value: number): Promise<void>;
export class Counter {
  private readonly lock = new Mutex();
  private count = 0;
  async add(n: number) {
    await this.lock.runExclusive(() => this.addUnlocked(n));
  }
  private async addUnlocked(n: number) {
    this.count += n;
    await save(this.count);
  }
  async addTwice(n: number) {
    await this.lock.runExclusive(async () => {
      await this.addUnlocked(n);
      await this.addUnlocked(n);
    });
  }
}`,
    },
    {
      name: 'the callee takes the lock only after an early return',
      code: `
import { Mutex } from 'async-mutex';
export class Cache {
  private readonly lock = new Mutex();
  private value?: string;
  async get() {
    if (this.value) return this.value;
    return this.lock.runExclusive(async () => (this.value ??= 'x'));
  }
  async reset() {
    await this.lock.runExclusive(async () => {
      this.value = undefined;
      await this.get();
    });
  }
}`,
    },
    {
      name: 'a lock chosen by a call (a map of locks by key) is not known to be the same lock',
      code: `
import { Mutex } from 'async-mutex';
const locks = new Map<string, Mutex>();
declare function mutexFor(key: string): Mutex;
export async function move(from: string, to: string) {
  await mutexFor(from).runExclusive(async () => {
    await mutexFor(to).runExclusive(async () => undefined);
  });
  locks.clear();
}`,
    },
    {
      name: 'a section that awaits an unlocked method of the same class, inside try/catch (real-code shape)',
      code: `
import { Mutex } from 'async-mutex';
export class Player {
  private readonly browse = new Mutex();
  async playNow(key: string) {
    return this.browse.runExclusive(async () => {
      try {
        return await this.perform(key);
      } catch {
        return this.perform(key);
      }
    });
  }
  private async perform(key: string) {
    return key.length;
  }
}`,
    },
    {
      name: 'acquire, release in finally, then take again: held one at a time',
      code: releaseThenTake,
    },
    {
      name: 'a Semaphore with several permits can be entered twice',
      code: `
import { Semaphore } from 'async-mutex';
const pool = new Semaphore(4);
export async function work() {
  await pool.runExclusive(async () => {
    await pool.runExclusive(async () => undefined);
  });
}`,
    },
    {
      name: 'a releaser handed to a callback ends what this rule can follow',
      code: `
import { Mutex } from 'async-mutex';
const mutex = new Mutex();
export async function handOff(queue: Array<() => void>) {
  const release = await mutex.acquire();
  queue.push(release);
  await mutex.runExclusive(async () => undefined);
}`,
    },
    {
      name: 'isLocked and waitForUnlock outside the section',
      code: `
import { Mutex } from 'async-mutex';
const mutex = new Mutex();
export async function idle() {
  if (mutex.isLocked()) await mutex.waitForUnlock();
  await mutex.runExclusive(async () => undefined);
}`,
    },
    {
      name: 'a lock variable assigned again is not known to be the same lock',
      code: `
import { Mutex } from 'async-mutex';
let mutex = new Mutex();
export async function swap() {
  await mutex.runExclusive(async () => {
    mutex = new Mutex();
    await mutex.runExclusive(async () => undefined);
  });
}`,
    },
    {
      name: 'a getter may return a new mutex each time',
      code: `
import { Mutex } from 'async-mutex';
export class Fresh {
  get lock() {
    return new Mutex();
  }
  async run() {
    await this.lock.runExclusive(async () => {
      await this.lock.runExclusive(async () => undefined);
    });
  }
}`,
    },
    {
      name: 'async-lock with domainReentrant is re-entrant',
      code: `
import AsyncLock from 'async-lock';
const lock = new AsyncLock({ domainReentrant: true });
export async function nested() {
  await lock.acquire('k', async () => {
    await lock.acquire('k', async () => undefined);
  });
}`,
    },
    {
      name: 'async-lock: nested acquire of another key',
      code: `
import AsyncLock from 'async-lock';
const lock = new AsyncLock();
export async function nested() {
  await lock.acquire('a', async () => {
    await lock.acquire('b', async () => undefined);
  });
}`,
    },
    {
      name: 'Web Locks: another name, or shared mode, nested',
      code: `
export async function sync() {
  await navigator.locks.request('sync', async () => {
    await navigator.locks.request('upload', async () => undefined);
  });
  await navigator.locks.request('cache', { mode: 'shared' }, async () => {
    await navigator.locks.request('cache', { mode: 'shared' }, async () => undefined);
  });
}`,
    },
    {
      name: 'a function defined in the section but called after it',
      code: `
import { Mutex } from 'async-mutex';
const mutex = new Mutex();
export async function later() {
  let retry: (() => Promise<void>) | undefined;
  await mutex.runExclusive(async () => {
    retry = async () => {
      await mutex.runExclusive(async () => undefined);
    };
  });
  await retry?.();
}`,
    },
    {
      name: 'returning the inner take from an acquire section: finally releases before it is awaited',
      code: `
import { Mutex } from 'async-mutex';
const mutex = new Mutex();
export async function chain() {
  const release = await mutex.acquire();
  try {
    return mutex.runExclusive(async () => 1);
  } finally {
    release();
  }
}`,
    },
  ],
  invalid: [
    {
      name: 'a function imported from another file that takes the same imported mutex (followed through the checker)',
      code: importedHelper,
      errors: [
        {
          messageId: 'reentryThroughCall',
          data: {
            lock: '`settingsMutex`',
            heldLine: locate(importedHelper, 'settingsMutex.runExclusive').line,
            outcome: FOREVER,
            callee: 'writeSetting',
            calleeLine: '8 of settings.ts',
          },
          ...locate(importedHelper, "writeSetting('theme'"),
        },
      ],
    },
    {
      name: 'async-lock made without options: the same key again waits forever',
      code: asyncLockNested,
      errors: [
        reentry(asyncLockNested, {
          at: "lock.acquire('orders'",
          atOccurrence: 2,
          held: "lock.acquire('orders'",
          lock: '`lock` (key "orders")',
        }),
      ],
    },
    {
      name: 'runExclusive nested in its own section; the suggestion runs the inner body inline',
      code: directNested,
      errors: [
        reentry(
          directNested,
          { at: 'this.lock.runExclusive', atOccurrence: 2, held: 'this.lock.runExclusive', lock: '`this.lock`' },
          `
import { Mutex } from 'async-mutex';
export class Counter {
  private readonly lock = new Mutex();
  private count = 0;
  async add(n: number) {
    await this.lock.runExclusive(async () => {
      {
        this.count += n;
      }
    });
  }
}`,
        ),
      ],
    },
    {
      name: 'a method that takes this.lock awaited inside this.lock',
      code: throughMethod,
      errors: [
        throughCall(throughMethod, {
          at: 'this.add(n)',
          held: 'this.lock.runExclusive',
          heldOccurrence: 2,
          lock: '`this.lock`',
          callee: 'this.add',
          calleeTake: 'this.lock.runExclusive',
        }),
        throughCall(throughMethod, {
          at: 'this.add(n)',
          atOccurrence: 2,
          held: 'this.lock.runExclusive',
          heldOccurrence: 2,
          lock: '`this.lock`',
          callee: 'this.add',
          calleeTake: 'this.lock.runExclusive',
        }),
      ],
    },
    {
      name: 'runExclusive while the acquired releaser is not yet called',
      code: acquireThenRunExclusive,
      errors: [
        reentry(
          acquireThenRunExclusive,
          { at: 'mutex.runExclusive', held: 'mutex.acquire()', lock: '`mutex`' },
          `
import { Mutex } from 'async-mutex';
const mutex = new Mutex();
let total = 0;
export async function bump() {
  const release = await mutex.acquire();
  try {
    total = await (total + 1);
  } finally {
    release();
  }
}`,
        ),
      ],
    },
    {
      name: 'a module function that takes the module mutex, awaited through Promise.all(map)',
      code: moduleHelper,
      errors: [
        throughCall(moduleHelper, {
          at: 'refresh(key))',
          held: 'mutex.runExclusive',
          heldOccurrence: 2,
          lock: '`mutex`',
          callee: 'refresh',
          calleeTake: 'mutex.runExclusive',
        }),
      ],
    },
    {
      name: 'waitForUnlock inside the section',
      code: waitInside,
      errors: [waitWhileHeld(waitInside, { at: 'mutex.waitForUnlock', held: 'mutex.runExclusive', lock: '`mutex`' })],
    },
    {
      name: 'a Semaphore with one permit is a mutex',
      code: semaphoreOfOne,
      errors: [
        reentry(
          semaphoreOfOne,
          { at: 'gate.runExclusive', held: 'gate.acquire()', lock: '`gate`' },
          `
import { Semaphore } from 'async-mutex';
const gate = new Semaphore(1);
export async function enter() {
  const [, release] = await gate.acquire();
  try {
    await undefined;
  } finally {
    release();
  }
}`,
        ),
      ],
    },
    {
      name: 'a returned nested runExclusive is awaited by the outer one',
      code: expressionBody,
      errors: [
        reentry(
          expressionBody,
          { at: 'mutex.runExclusive(() => load', held: 'mutex.runExclusive', lock: '`mutex`' },
          `
import { Mutex } from 'async-mutex';
declare function load(): Promise<number>;
const mutex = new Mutex();
export function read() {
  return mutex.runExclusive(() => load());
}`,
        ),
      ],
    },
    {
      name: 'withTimeout: the inner take fails after the timeout',
      code: withTimeoutLock,
      errors: [
        reentry(
          withTimeoutLock,
          {
            at: 'mutex.runExclusive',
            atOccurrence: 2,
            held: 'mutex.runExclusive',
            lock: '`mutex`',
            outcome: 'waits until its timeout and then fails',
          },
          `
import { Mutex, withTimeout } from 'async-mutex';
const mutex = withTimeout(new Mutex(), 1000);
export async function nested() {
  await mutex.runExclusive(async () => {
    {
      console.log('inner');
    }
  });
}`,
        ),
      ],
    },
    {
      name: 'a helper that takes the mutex it is given, given the mutex already held (and not another)',
      code: lockHelper,
      errors: [
        throughCall(lockHelper, {
          at: 'withLock(accounts',
          held: 'accounts.runExclusive',
          lock: '`accounts`',
          callee: 'withLock',
          calleeTake: 'lock.runExclusive',
        }),
      ],
    },
    {
      name: 'methods of an object literal',
      code: objectLiteral,
      errors: [
        throughCall(objectLiteral, {
          at: 'this.add(item)',
          held: 'this.lock.runExclusive',
          heldOccurrence: 2,
          lock: '`this.lock`',
          callee: 'this.add',
          calleeTake: 'this.lock.runExclusive',
        }),
      ],
    },
    {
      name: 'Web Locks are not re-entrant either: the same name requested inside its own callback',
      code: webLock,
      errors: [
        reentry(webLock, {
          at: "navigator.locks.request('sync'",
          atOccurrence: 2,
          held: "navigator.locks.request('sync'",
          lock: 'the Web Lock "sync"',
        }),
      ],
    },
    {
      name: 'Web Locks through a LockManager parameter, in a file that never names navigator.locks',
      code: webLockManager,
      errors: [
        reentry(webLockManager, {
          at: "manager.request('sync'",
          atOccurrence: 2,
          held: "manager.request('sync'",
          lock: 'the Web Lock "sync"',
        }),
      ],
    },
    {
      name: 'an arrow-function field that takes this.mutex',
      code: arrowField,
      errors: [
        throughCall(arrowField, {
          at: 'this.push(item)',
          held: 'this.mutex.runExclusive',
          heldOccurrence: 2,
          lock: '`this.mutex`',
          callee: 'this.push',
          calleeTake: 'this.mutex.runExclusive',
        }),
      ],
    },
  ],
});
