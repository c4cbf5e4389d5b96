import * as path from 'node:path';

import rule from '../../rules/no-ineffective-lock';
import { locate } from '../locate';
import { createRuleTester } from '../rule-tester';

const perCall = `
import { Mutex } from 'async-mutex';
declare function save(total: number): Promise<void>;
let total = 0;

export async function add(amount: number) {
  const mutex = new Mutex();
  await mutex.runExclusive(async () => {
    const next = total + amount;
    await save(next);
    total = next;
  });
}`;

const perCallHoisted = `
import { Mutex } from 'async-mutex';
declare function save(total: number): Promise<void>;
let total = 0;

const mutex = new Mutex();

export async function add(amount: number) {
  await mutex.runExclusive(async () => {
    const next = total + amount;
    await save(next);
    total = next;
  });
}`;

const perCallAcquire = `
import { Semaphore } from 'async-mutex';
export class Uploader {
  async upload(timeout: number) {
    const gate = new Semaphore(1);
    const [, release] = await gate.acquire();
    try {
      await this.send(timeout);
    } finally {
      release();
    }
  }
  private async send(timeout: number) {
    await new Promise((resolve) => setTimeout(resolve, timeout));
  }
}`;

const perCallLocalDependency = `
import { Mutex, withTimeout } from 'async-mutex';
export async function run(timeoutMs: number, work: () => Promise<void>) {
  const mutex = withTimeout(new Mutex(), timeoutMs);
  return mutex.runExclusive(work);
}`;

const perInstance = `
import { Mutex } from 'async-mutex';
declare function charge(amount: number): Promise<void>;
let revenue = 0;
class Checkout {
  readonly lock = new Mutex();
  attempts = 0;
}
export async function handle(amount: number) {
  const checkout = new Checkout();
  checkout.attempts += 1;
  await checkout.lock.runExclusive(async () => {
    await charge(amount);
    revenue += amount;
  });
}`;

const perRender = `
import { Mutex } from 'async-mutex';
declare function save(count: number): Promise<void>;
declare function useState<T>(initial: T): [T, (next: T) => void];
export function Counter() {
  const [count, setCount] = useState(0);
  const mutex = new Mutex();
  const increment = () =>
    mutex.runExclusive(async () => {
      await save(count + 1);
      setCount(count + 1);
    });
  return increment;
}
export function useCounter() {
  const mutex = new Mutex();
  return { increment: () => mutex.runExclusive(async () => undefined) };
}`;

const asyncLockDone = `
import AsyncLock from 'async-lock';
const lock = new AsyncLock();
let cached: string | undefined;
declare function fetchConfig(): Promise<string>;
export function refresh() {
  return lock.acquire('config', (done) => {
    fetchConfig().then((value) => {
      cached = value;
    });
  });
}`;

const awaitLockInTry = `
import AwaitLock from 'await-lock';
const lock = new AwaitLock();
export async function withLock(work: () => Promise<void>) {
  try {
    await lock.acquireAsync({ timeout: 1000 });
    await work();
  } finally {
    lock.release();
  }
}`;

const awaitLockTry = `
import AwaitLock from 'await-lock';
const lock = new AwaitLock();
export function tick(step: () => void) {
  if (!lock.tryAcquire()) {
    lock.release();
    return;
  }
  step();
}`;

const awaitLockTryInTry = `
import AwaitLock from 'await-lock';
const lock = new AwaitLock();
declare function rebuild(): Promise<void>;
export async function rebuildOnce() {
  try {
    if (!lock.tryAcquire()) return false;
    await rebuild();
    return true;
  } finally {
    lock.release();
  }
}`;

const awaitLockNeverAcquired = `
import AwaitLock from 'await-lock';
const lock = new AwaitLock();
export async function save(work: () => Promise<void>) {
  try {
    await work();
  } finally {
    lock.release();
  }
}`;

const awaitLockTwice = `
import AwaitLock from 'await-lock';
const lock = new AwaitLock();
export async function drain(work: () => Promise<void>) {
  await lock.acquireAsync();
  try {
    await work();
    lock.release();
  } finally {
    lock.release();
  }
}`;

const perRenderDeps = `
import { Mutex } from 'async-mutex';
declare function save(text: string): Promise<void>;
declare function useState<T>(initial: T): [T, (next: T) => void];
declare function useCallback<T>(callback: T, deps: unknown[]): T;
export function useAutosave(noteId: string) {
  const mutex = new Mutex();
  return useCallback((text: string) => mutex.runExclusive(() => save(noteId + text)), [noteId, mutex]);
}
export function CheckoutButton() {
  const [paying, setPaying] = useState(false);
  const submitLock = new Mutex();
  const onClick = () => submitLock.runExclusive(async () => {
    setPaying(true);
    await save('order');
  });
  return { disabled: paying, onClick };
}`;

const perRenderTsx = perRender.replace('return increment;', 'return <button onClick={increment}>{count}</button>;');

const at = (code: string, snippet: string, occurrence?: number) => locate(code, snippet, occurrence);

/** An await-lock release reported at its `occurrence`-th `lock.release()`, naming the line of `cause`. */
function releaseNotHeld(
  code: string,
  messageId: 'releaseNeverAcquired' | 'releaseAfterFailedAcquire' | 'releaseAfterFailedTry' | 'releaseTwice',
  cause: string,
  occurrence = 1,
) {
  return { messageId, data: { lock: '`lock`', line: at(code, cause).line }, ...at(code, 'lock.release()', occurrence) };
}

createRuleTester().run('no-ineffective-lock', rule, {
  valid: [
    {
      name: 'a module-level mutex',
      code: perCallHoisted,
    },
    {
      name: 'a long-lived class field',
      code: `
import { Mutex } from 'async-mutex';
export class Store {
  private readonly mutex = new Mutex();
  async put() {
    await this.mutex.runExclusive(async () => undefined);
  }
}`,
    },
    {
      name: 'a per-call lock that serialises the tasks this call starts',
      code: `
import { Mutex } from 'async-mutex';
declare function write(line: string): Promise<void>;
export async function writeAll(lines: string[]) {
  const mutex = new Mutex();
  await Promise.all(lines.map((line) => mutex.runExclusive(() => write(line))));
}`,
    },
    {
      name: 'two takes not awaited where they stand: they exclude each other',
      code: `
import { Mutex } from 'async-mutex';
declare function write(line: string): Promise<void>;
export async function writeTwo() {
  const mutex = new Mutex();
  const first = mutex.runExclusive(() => write('a'));
  const second = mutex.runExclusive(() => write('b'));
  await Promise.all([first, second]);
}`,
    },
    {
      name: 'a lock created in a factory and stored in a map escapes the call',
      code: `
import { Mutex } from 'async-mutex';
const locks = new Map<string, Mutex>();
export function lockFor(key: string): Mutex {
  let mutex = locks.get(key);
  if (!mutex) {
    const created = new Mutex();
    locks.set(key, created);
    mutex = created;
  }
  return mutex;
}`,
    },
    {
      name: 'code that inspects its own lock (isLocked) exercises it rather than relying on it',
      code: `
import { Mutex } from 'async-mutex';
export async function probe(): Promise<boolean> {
  const mutex = new Mutex();
  const release = await mutex.acquire();
  const locked = mutex.isLocked();
  release();
  return locked;
}`,
    },
    {
      name: 'an instance made per call whose methods take its lock may be shared through them: not followed',
      code: `
import { Mutex } from 'async-mutex';
class Service {
  private readonly lock = new Mutex();
  async run() {
    await this.lock.runExclusive(async () => undefined);
  }
}
export async function handle() {
  const service = new Service();
  await service.run();
}`,
    },
    {
      name: 'an instance that registers itself while constructed is not short-lived',
      code: `
import { Mutex } from 'async-mutex';
const registry = new Set<object>();
class Session {
  readonly lock = new Mutex();
  constructor() {
    registry.add(this);
  }
}
export async function open() {
  const session = new Session();
  await session.lock.runExclusive(async () => undefined);
}`,
    },
    {
      name: 'a lock created in the constructor is the instance lock',
      code: `
import { Mutex } from 'async-mutex';
export class Worker {
  private readonly mutex: Mutex;
  constructor() {
    const mutex = new Mutex();
    this.mutex = mutex;
  }
  async run() {
    await this.mutex.runExclusive(async () => undefined);
  }
}`,
    },
    {
      name: 'a per-call lock handed to the function it calls',
      code: `
import { Mutex } from 'async-mutex';
declare function crawl(mutex: Mutex, url: string): Promise<void>;
export async function start(url: string) {
  const mutex = new Mutex();
  await mutex.runExclusive(async () => undefined);
  await crawl(mutex, url);
}`,
    },
    {
      name: 'a component keeping one lock across renders with useRef',
      code: `
import { Mutex } from 'async-mutex';
declare function useRef<T>(initial: T): { current: T };
export function useSave() {
  const mutex = useRef(new Mutex());
  return () => mutex.current.runExclusive(async () => undefined);
}`,
    },
    {
      name: 'a hook whose only take is inside useCallback',
      code: `
import { Mutex } from 'async-mutex';
declare function useCallback<T>(callback: T, deps: unknown[]): T;
export function useSave() {
  const mutex = new Mutex();
  return useCallback(() => mutex.runExclusive(async () => undefined), []);
}`,
    },
    {
      name: 'async-lock callback mode that calls done',
      code: `
import AsyncLock from 'async-lock';
const lock = new AsyncLock();
export function run(work: (cb: () => void) => void) {
  lock.acquire('k', (done) => {
    work(() => done());
  });
  lock.acquire('k', (done) => setTimeout(done, 10));
}`,
    },
    {
      name: 'async-lock promise mode: a callback without parameters',
      code: `
import AsyncLock from 'async-lock';
const lock = new AsyncLock();
export async function run(work: () => Promise<void>) {
  await lock.acquire('k', async () => {
    await work();
  });
}`,
    },
    {
      name: 'async-lock with maxExecutionTime frees the key after a while',
      code: `
import AsyncLock from 'async-lock';
const lock = new AsyncLock({ maxExecutionTime: 5000 });
export function run() {
  lock.acquire('k', (done) => {
    console.log('running');
  });
}`,
    },
    {
      name: 'await-lock: acquire before try, release in finally',
      code: `
import AwaitLock from 'await-lock';
const lock = new AwaitLock();
export async function withLock(work: () => Promise<void>) {
  await lock.acquireAsync();
  try {
    await work();
  } finally {
    lock.release();
  }
}`,
    },
    {
      name: 'await-lock: acquire first in try without a timeout never throws',
      code: `
import AwaitLock from 'await-lock';
const lock = new AwaitLock();
export async function withLock(work: () => Promise<void>) {
  try {
    await lock.acquireAsync();
    await work();
  } finally {
    lock.release();
  }
}`,
    },
    {
      name: 'await-lock: tryAcquire, release only when it succeeded',
      code: `
import AwaitLock from 'await-lock';
const lock = new AwaitLock();
export function tick(step: () => void) {
  if (!lock.tryAcquire()) return;
  try {
    step();
  } finally {
    lock.release();
  }
  if (lock.tryAcquire()) {
    lock.release();
  }
}`,
    },
    {
      name: 'await-lock acquired by a wrapper method that this one calls before the try',
      code: `
import AwaitLock from 'await-lock';
export class Writer {
  private readonly lock = new AwaitLock();
  private async begin() {
    await this.lock.acquireAsync();
  }
  async write(work: () => Promise<void>) {
    await this.begin();
    try {
      await work();
    } finally {
      this.lock.release();
    }
  }
}`,
    },
    {
      name: 'await-lock handed in as a parameter: the caller may hold it',
      code: `
import type AwaitLock from 'await-lock';
export async function finish(lock: AwaitLock, work: () => Promise<void>) {
  try {
    await work();
  } finally {
    lock.release();
  }
}`,
    },
    {
      name: 'await-lock: unlock() paired with lock() in another method (ownership handed over)',
      code: `
import AwaitLock from 'await-lock';
export class Session {
  private readonly lock = new AwaitLock();
  async begin() {
    await this.lock.acquireAsync();
  }
  end() {
    this.lock.release();
  }
}`,
    },
  ],
  invalid: [
    {
      name: 'a mutex created inside the function that takes it; the suggestion moves it to the module',
      code: perCall,
      errors: [
        {
          messageId: 'lockPerCall',
          data: { name: 'mutex', createdLine: at(perCall, 'new Mutex()').line },
          ...at(perCall, 'mutex.runExclusive'),
          suggestions: [{ messageId: 'hoistLock', data: { name: 'mutex' }, output: perCallHoisted }],
        },
      ],
    },
    {
      name: 'a semaphore created per call, taken with acquire; a method, still hoisted to the module',
      code: perCallAcquire,
      errors: [
        {
          messageId: 'lockPerCall',
          data: { name: 'gate', createdLine: at(perCallAcquire, 'new Semaphore(1)').line },
          ...at(perCallAcquire, 'gate.acquire()'),
          suggestions: [
            {
              messageId: 'hoistLock',
              data: { name: 'gate' },
              output: `
import { Semaphore } from 'async-mutex';
const gate = new Semaphore(1);

export class Uploader {
  async upload(timeout: number) {
    const [, release] = await gate.acquire();
    try {
      await this.send(timeout);
    } finally {
      release();
    }
  }
  private async send(timeout: number) {
    await new Promise((resolve) => setTimeout(resolve, timeout));
  }
}`,
            },
          ],
        },
      ],
    },
    {
      name: 'a per-call lock built from a parameter: no suggestion',
      code: perCallLocalDependency,
      errors: [
        {
          messageId: 'lockPerCall',
          data: { name: 'mutex', createdLine: at(perCallLocalDependency, 'withTimeout(').line },
          ...at(perCallLocalDependency, 'mutex.runExclusive'),
          suggestions: [],
        },
      ],
    },
    {
      name: 'a lock in an instance made per call, taken through the instance',
      code: perInstance,
      errors: [
        {
          messageId: 'lockPerInstance',
          data: { name: 'checkout', className: 'Checkout', field: 'lock', takeLine: at(perInstance, 'checkout.lock.runExclusive').line },
          ...at(perInstance, 'new Checkout()'),
        },
      ],
    },
    {
      name: 'async-lock callback mode that never calls done',
      code: asyncLockDone,
      errors: [{ messageId: 'doneNeverCalled', data: { done: 'done', key: "'config'" }, ...at(asyncLockDone, 'done)') }],
    },
    {
      name: 'await-lock acquired with a timeout inside try, released in finally',
      code: awaitLockInTry,
      errors: [releaseNotHeld(awaitLockInTry, 'releaseAfterFailedAcquire', 'lock.acquireAsync')],
    },
    {
      name: 'await-lock released in finally by a function that never acquires it',
      code: awaitLockNeverAcquired,
      errors: [releaseNotHeld(awaitLockNeverAcquired, 'releaseNeverAcquired', 'export async function save')],
    },
    {
      name: 'await-lock released when tryAcquire failed',
      code: awaitLockTry,
      errors: [releaseNotHeld(awaitLockTry, 'releaseAfterFailedTry', 'lock.tryAcquire')],
    },
    {
      name: 'await-lock: the return taken when tryAcquire failed inside the try runs the finally that releases',
      code: awaitLockTryInTry,
      errors: [releaseNotHeld(awaitLockTryInTry, 'releaseAfterFailedTry', 'lock.tryAcquire')],
    },
    {
      name: 'await-lock released in the try and again in finally',
      code: awaitLockTwice,
      errors: [releaseNotHeld(awaitLockTwice, 'releaseTwice', 'lock.release()', 2)],
    },
  ],
});

// React components are TSX: linted in the fixture project that has a .tsx file on disk.
createRuleTester(path.resolve(__dirname, '../../fixtures/lock-reentry')).run('no-ineffective-lock (TSX)', rule, {
  valid: [
    {
      name: 'a component keeping one lock in state',
      filename: 'component.tsx',
      code: `
import { Mutex } from 'async-mutex';
declare function useState<T>(initial: () => T): [T, (next: T) => void];
export function Saver() {
  const [mutex] = useState(() => new Mutex());
  return <button onClick={() => mutex.runExclusive(async () => undefined)}>save</button>;
}`,
    },
    {
      name: 'a capitalised function that renders nothing is not a component',
      filename: 'component.tsx',
      code: `
import { Mutex } from 'async-mutex';
export async function Migrate(run: () => Promise<void>) {
  const mutex = new Mutex();
  await Promise.all([mutex.runExclusive(run), mutex.runExclusive(run)]);
}`,
    },
    {
      name: 'a test file makes a lock per test case to exercise it',
      filename: 'lock.test.ts',
      code: `
import { Mutex } from 'async-mutex';
declare function it(name: string, body: () => Promise<void>): void;
it('runs the callback', async () => {
  const mutex = new Mutex();
  await mutex.runExclusive(async () => undefined);
});`,
    },
  ],
  invalid: [
    {
      name: 'a lock created on every render of a component and of a hook',
      code: perRenderTsx,
      filename: 'component.tsx',
      errors: [
        {
          messageId: 'lockPerRender',
          data: { name: 'mutex', component: 'Counter', createdLine: at(perRender, 'new Mutex()').line },
          ...at(perRender, 'mutex.runExclusive'),
        },
        {
          messageId: 'lockPerRender',
          data: { name: 'mutex', component: 'useCounter', createdLine: at(perRender, 'new Mutex()', 2).line },
          ...at(perRender, 'mutex.runExclusive', 2),
        },
      ],
    },
    {
      name: 'a useCallback made again whenever the lock changes, in a component that calls hooks but renders no JSX',
      code: perRenderDeps,
      filename: 'component.tsx',
      errors: [
        {
          messageId: 'lockPerRender',
          data: { name: 'mutex', component: 'useAutosave', createdLine: at(perRenderDeps, 'new Mutex()').line },
          ...at(perRenderDeps, 'mutex.runExclusive'),
        },
        {
          messageId: 'lockPerRender',
          data: { name: 'submitLock', component: 'CheckoutButton', createdLine: at(perRenderDeps, 'new Mutex()', 2).line },
          ...at(perRenderDeps, 'submitLock.runExclusive'),
        },
      ],
    },
  ],
});
