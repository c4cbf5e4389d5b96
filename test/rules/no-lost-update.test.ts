import type { RaceRuleOptions } from '../../src/analysis/options';
import rule from '../../rules/no-lost-update';
import { expectReport, locate, type Sequence } from '../locate';
import { createRuleTester } from '../rule-tester';
import { lockCallbackInLoop } from './real-code';

type Variant = '' | 'LockReleased' | 'ReadOutsideLock' | 'NotExclusive' | 'DifferentLocks';

interface LostUpdate extends Sequence {
  state: string;
  variant?: Variant;
  extra?: Record<string, string | number>;
  /** Lines named in the message besides the read and the suspension, by their text. */
  lines?: Record<string, string>;
}

function invalid(name: string, code: string, ...reports: LostUpdate[]) {
  return {
    name,
    code,
    // Detection only: the fixes are tested, with their exact output, in fixes.test.ts.
    options: [{ fix: 'none' }] as [RaceRuleOptions],
    errors: reports.map((report) =>
      expectReport(code, `lostUpdate${report.variant ?? ''}` as const, report.state, report, {
        ...report.extra,
        ...Object.fromEntries(Object.entries(report.lines ?? {}).map(([key, text]) => [key, locate(code, text).line])),
      }),
    ),
  };
}

const decls = `
declare function save(value?: unknown): Promise<void>;
declare function load(key: string): Promise<number>;
`;

/** matrix-js-sdk's TokenRefresher, reduced: the private `doTokenRefresh()` only runs as the in-flight `tokenRefreshPromise`. */
function tokenRefresher({ method = 'private async doTokenRefresh', more = '' } = {}): string {
  return `${decls}
interface Opts { refreshToken?: string; refresh(token: string): Promise<{ refreshToken: string }> }
export class TokenRefresher {
  private tokenRefreshPromise?: Promise<boolean>;
  constructor(private readonly opts: Opts) {}
  async handleUnknownToken(attempt: number): Promise<boolean> {
    this.tokenRefreshPromise ??= this.doTokenRefresh(attempt);
    try {
      return await this.tokenRefreshPromise;
    } finally {
      this.tokenRefreshPromise = undefined;
    }
  }${more}
  ${method}(attempt: number): Promise<boolean> {
    if (!this.opts.refreshToken) return false;
    const { refreshToken } = await this.opts.refresh(this.opts.refreshToken);
    this.opts.refreshToken = refreshToken;
    return attempt > 0;
  }
}`;
}

/** The report `doTokenRefresh()` gets when its runs may overlap. */
const refreshTokenUpdate: LostUpdate = {
  state: '`this.opts.refreshToken`',
  write: 'this.opts.refreshToken = refreshToken',
  read: 'await this.opts.refresh(',
  suspend: 'await this.opts.refresh(',
};

createRuleTester().run('no-lost-update', rule, {
  valid: [
    {
      name: 'read-modify-write with no suspension inside it (the seed post\'s "counter += 1; await sleep(0)")',
      code: `${decls}
let counter = 0;
export async function increment() {
  for (let i = 0; i < 10_000; i++) {
    counter += 1;
    await save();
  }
}`,
    },
    {
      name: 'a plain push followed by an await is atomic on the event loop (seed post: shared list)',
      code: `${decls}
const data: number[] = [];
export async function addItem(item: number) {
  data.push(item);
  await save();
}`,
    },
    {
      name: 'a keyed write with no read is atomic (seed post: cache update)',
      code: `${decls}
const cache: Record<string, string> = {};
export async function updateCache(key: string, value: string) {
  cache[key] = value;
  await save();
}`,
    },
    {
      name: 'appending whole lines to a file: each call is one write (seed post: shared file)',
      code: `
import { appendFile } from 'node:fs/promises';
export async function writeToFile(filename: string, content: string) {
  await appendFile(filename, content + '\\n');
}`,
    },
    {
      name: 'state re-read after the await',
      code: `${decls}
let counter = 0;
export async function increment() {
  await save();
  const current = counter;
  counter = current + 1;
}`,
    },
    {
      name: 'objects created in the same call are not shared',
      code: `${decls}
export async function tally() {
  const totals = { count: 0 };
  const before = totals.count;
  await save();
  totals.count = before + 1;
  return totals;
}`,
    },
    {
      name: 'a write that does not depend on the pre-await read',
      code: `${decls}
let lastSaved = 0;
let counter = 0;
export async function persist() {
  const snapshot = counter;
  await save(snapshot);
  lastSaved = Date.now();
}`,
    },
    {
      name: 'optimistic write re-validated after the await',
      code: `${decls}
const doc = { version: 0, body: '' };
export async function edit(body: string) {
  const seen = doc.version;
  await save(body);
  if (doc.version !== seen) return false;
  doc.version = seen + 1;
  doc.body = body;
  return true;
}`,
    },
    {
      name: 'inside Mutex#runExclusive',
      code: `${decls}
import { Mutex } from 'async-mutex';
let counter = 0;
const mutex = new Mutex();
export async function increment() {
  await mutex.runExclusive(async () => {
    const current = counter;
    await save();
    counter = current + 1;
  });
}`,
    },
    {
      name: 'between await mutex.acquire() and release() in finally',
      code: `${decls}
import { Mutex } from 'async-mutex';
export class Account {
  private balance = 0;
  private readonly lock = new Mutex();
  async deposit(amount: number) {
    const release = await this.lock.acquire();
    try {
      const current = this.balance;
      await save(current);
      this.balance = current + amount;
    } finally {
      release();
    }
  }
}`,
    },
    {
      name: 'mutex.release() instead of the releaser, after the write',
      code: `${decls}
import { Mutex } from 'async-mutex';
let counter = 0;
const mutex = new Mutex();
export async function increment() {
  await mutex.acquire();
  const current = counter;
  await save();
  counter = current + 1;
  mutex.release();
}`,
    },
    {
      name: 'withTimeout(new Mutex()) is still a mutex',
      code: `${decls}
import { Mutex, withTimeout } from 'async-mutex';
let counter = 0;
const mutex = withTimeout(new Mutex(), 1000);
export async function increment() {
  await mutex.runExclusive(async () => {
    const current = counter;
    await save();
    counter = current + 1;
  });
}`,
    },
    {
      name: 'a Semaphore with one permit is a mutex (runExclusive and acquire tuple)',
      code: `${decls}
import { Semaphore } from 'async-mutex';
export class Stock {
  private units = 10;
  private readonly gate = new Semaphore(1);
  async take() {
    await this.gate.runExclusive(async () => {
      const left = this.units;
      await save(left);
      this.units = left - 1;
    });
  }
  async give() {
    const [, release] = await this.gate.acquire();
    try {
      const left = this.units;
      await save(left);
      this.units = left + 1;
    } finally {
      release();
    }
  }
}`,
    },
    {
      name: "async-lock's acquire(key, fn)",
      code: `${decls}
import AsyncLock from 'async-lock';
const lock = new AsyncLock();
let counter = 0;
export async function increment() {
  await lock.acquire('counter', async () => {
    const current = counter;
    await save();
    counter = current + 1;
  });
}`,
    },
    {
      name: 'navigator.locks.request(name, fn)',
      code: `${decls}
let counter = 0;
export async function increment() {
  await navigator.locks.request('counter', async () => {
    const current = counter;
    await save();
    counter = current + 1;
  });
}`,
    },
    {
      name: 'a lock API configured in the options',
      code: `${decls}
import { withLock } from './lib/locks';
let counter = 0;
export async function increment() {
  await withLock('counter', async () => {
    const current = counter;
    await save();
    counter = current + 1;
  });
}`,
      options: [{ locks: [{ module: './lib/locks', export: 'withLock' }] }],
    },
    {
      name: 'the seed post\'s task queue: workers update shared state under one lock',
      code: `${decls}
import { Mutex } from 'async-mutex';
const lock = new Mutex();
const processed: Record<number, number> = {};
let handled = 0;
export async function worker(queue: AsyncIterable<number>) {
  for await (const task of queue) {
    await lock.runExclusive(async () => {
      const seen = handled;
      await save(task);
      handled = seen + 1;
      processed[task] = handled;
    });
  }
}`,
    },
    {
      name: 'the seed post\'s rate limit: a semaphore around requests that write no shared state',
      code: `${decls}
import { Semaphore } from 'async-mutex';
const limit = new Semaphore(10);
export async function fetchAll(urls: string[]) {
  return Promise.all(urls.map((url) => limit.runExclusive(async () => load(url))));
}`,
    },
    {
      name: 'synchronous functions never suspend',
      code: `
let counter = 0;
export function increment() {
  const current = counter;
  counter = current + 1;
}`,
    },
    {
      name: 'a sequential loop accumulating into a local',
      code: `${decls}
export async function sum(keys: string[]) {
  let total = 0;
  for (const key of keys) total += await load(key);
  return total;
}`,
    },
    {
      name: 'a closure variable of an immediately invoked async function is not shared',
      code: `${decls}
export async function run() {
  let total = 0;
  await (async () => {
    const before = total;
    await save();
    total = before + 1;
  })();
  return total;
}`,
    },
    {
      name: 'a closure variable of a helper only ever called as await helper() is not shared',
      code: `${decls}
export async function run(keys: string[]) {
  let total = 0;
  const add = async (key: string) => {
    total += await load(key);
  };
  for (const key of keys) await add(key);
  return total;
}`,
    },
    {
      name: 'external state through a client (get then set) is not in-process state',
      code: `
declare class RedisClient {
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<void>;
}
declare const redis: RedisClient;
export async function bump(key: string) {
  const current = Number(await redis.get(key));
  await redis.set(key, String(current + 1));
}`,
    },
    {
      name: 'properties read through an alias after the await are fresh',
      code: `${decls}
export class Metrics {
  private stats = { count: 0 };
  async record() {
    const stats = this.stats;
    await save();
    stats.count = stats.count + 1;
  }
}`,
    },
    {
      name: "rolling back the function's own write on failure",
      code: `${decls}
export class Setting {
  private value = 0;
  async change(next: number) {
    const previous = this.value;
    this.value = next;
    try {
      await save(next);
    } catch {
      this.value = previous;
    }
  }
}`,
    },
    {
      name: 'requeue on failure merges with the current contents',
      code: `${decls}
export class Outbox {
  private items: string[] = [];
  async flush() {
    const batch = this.items;
    this.items = [];
    try {
      await save(batch);
    } catch {
      this.items = [...batch, ...this.items];
    }
  }
}`,
    },
    {
      name: 'a Map entry object updated through get() after the await',
      code: `${decls}
const sessions = new Map<string, { visits: number }>();
export async function visit(id: string) {
  const session = sessions.get(id);
  await save(id);
  if (session) session.visits = session.visits + 1;
}`,
    },
    {
      name: "a callback's parameters are per invocation (an element, an event, a request)",
      code: `${decls}
interface Task {
  content: string;
}
export async function finalizeAll(tasks: Task[]) {
  await Promise.all(
    tasks.map(async (task) => {
      task.content = String(await load(task.content));
    }),
  );
}`,
    },
    {
      name: 'an untyped parameter is not assumed to be shared',
      code: `${decls}
export async function normalize(options: any) {
  options.parser = String(await load(options.parser));
}`,
    },
    {
      name: 'a parameter whose type alias names no object type is not shared (the checker is asked at the write)',
      code: `${decls}
type Loose = any;
export async function normalize(options: Loose) {
  const parser = options.parser;
  await save();
  options.parser = parser + 1;
}`,
    },
    {
      name: 'memoization through || is a check, not a lost update (no-stale-check reports it)',
      code: `${decls}
export class Repo {
  private root: string | undefined;
  async findRoot() {
    const root = this.root || String(await load('root'));
    this.root = root;
    return root;
  }
}`,
    },
    {
      name: 'appending cannot overwrite an update, even when what is appended came from a stale view',
      code: `${decls}
declare function resolveNew(known: Set<string>): Promise<string[]>;
export class Workspace {
  private projects: string[] = [];
  async inject() {
    const known = new Set(this.projects);
    const added = await resolveNew(known);
    this.projects.push(...added);
  }
}`,
    },
    {
      name: 'async arrow without any shared state',
      code: `${decls}
export const handler = async (input: { n: number }) => {
  const doubled = input.n * 2;
  await save(doubled);
  return doubled;
};`,
    },
    // --- False positives found on real code bases by `npm run bench` (bench/results/review.md) ---
    {
      name: 'an in-place sort at the top of a loop reads and writes at once, each time round (matrix-js-sdk scheduler)',
      code: `${decls}
interface Action { ts: number; type: string }
export class Scheduler {
  private actions: Action[] = [];
  async run() {
    while (this.actions.length > 0) {
      this.actions.sort((a, b) => a.ts - b.ts);
      const next = this.actions[0];
      await save(next.type);
      this.actions.splice(0, 1);
    }
  }
}`,
    },
    {
      name: 'a private method run only through the in-flight promise its callers keep until it settles (matrix-js-sdk TokenRefresher.doTokenRefresh)',
      code: tokenRefresher(),
    },
    {
      name: 'the scheduler after its fix: a lock callback in a loop, where a const of the last pass held a read made under the lock (matrix-js-sdk, linted again after --fix)',
      code: lockCallbackInLoop,
    },
    // --- end of bench false positives ---
  ],
  invalid: [
    invalid(
      'a write placed before the await in a loop runs after it on the next pass (the pre-filter keeps it)',
      `${decls}
let cursor = 0;
export async function drain(limit: number) {
  const next = cursor;
  for (let i = 0; i < limit; i++) {
    cursor = next + 1;
    await save();
  }
}`,
      { state: '`cursor`', write: 'cursor = next + 1', read: 'const next = cursor', suspend: 'await save()' },
    ),
    invalid(
      'an async method of an object literal, after "async" in a comment and a string (the walk starts from each async keyword in code)',
      `${decls}
// async helpers below
let version = 0;
const label = 'async store';
export const store = {
  name: label,
  async bump() {
    const seen = version;
    await save();
    version = seen + 1;
  },
};`,
      { state: '`version`', write: 'version = seen + 1', read: 'const seen = version', suspend: 'await save()' },
    ),
    invalid(
      'an async callback inside a plain method of a class, and an async method after it (both found from their keywords)',
      `${decls}
let served = 0;
let failed = 0;
export class Server {
  start(emitter: { on(event: string, listener: () => Promise<void>): void }) {
    emitter.on('request', async () => {
      const before = served;
      await save();
      served = before + 1;
    });
  }

  public async fail() {
    const before = failed;
    await save(before);
    failed = before + 1;
  }
}`,
      { state: '`served`', write: 'served = before + 1', read: 'const before = served', suspend: 'await save()' },
      { state: '`failed`', write: 'failed = before + 1', read: 'const before = failed', suspend: 'await save(before)' },
    ),
    invalid(
      'a write into a shared object through a variable that holds it (the pre-filter keeps it)',
      `${decls}
const stats = { hits: 0 };
export async function hit() {
  const box = stats;
  const seen = box.hits;
  await save();
  box.hits = seen + 1;
}`,
      { state: '`stats.hits`', write: 'box.hits = seen + 1', read: 'const seen = box.hits', suspend: 'await save()' },
    ),
    invalid(
      'a read made before a long stretch of code still counts at a write after it (pruning keeps variables used later)',
      `${decls}
${Array.from({ length: 80 }, (_, i) => `let s${i} = ${i};`).join('\n')}
let total = 0;
export async function long() {
  const before = total;
${Array.from({ length: 80 }, (_, i) => `  const v${i} = s${i};\n  s${i} = v${i} + 1;`).join('\n')}
  await save();
  total = before + 1;
}`,
      { state: '`total`', write: 'total = before + 1', read: 'const before = total', suspend: 'await save()' },
    ),
    invalid(
      'a read used inside a loop stays live to the end of the loop (pruning counts the loop)',
      `${decls}
${Array.from({ length: 80 }, (_, i) => `let s${i} = ${i};`).join('\n')}
let total = 0;
export async function long(rounds: number) {
  const seen = total;
  for (let round = 0; round < rounds; round++) {
    total = seen + round;
${Array.from({ length: 80 }, (_, i) => `    const v${i} = s${i};\n    s${i} = v${i} + 1;`).join('\n')}
    await save();
  }
}`,
      { state: '`total`', write: 'total = seen + round', read: 'const seen = total', suspend: 'await save()' },
    ),
    invalid(
      'the classic lost update on a module counter',
      `${decls}
let counter = 0;
export async function increment() {
  const current = counter;
  await save();
  counter = current + 1;
}`,
      { state: '`counter`', write: 'counter = current + 1', read: 'const current = counter', suspend: 'await save()' },
    ),
    invalid(
      'compound assignment reads before the await on its right',
      `${decls}
let total = 0;
export async function add(key: string) {
  total += await load(key);
}`,
      { state: '`total`', write: 'total += await', read: 'total += await', suspend: 'total += await' },
    ),
    invalid(
      'x = await g(x) passes the stale value through the call',
      `${decls}
declare function next(value: number): Promise<number>;
let sequence = 0;
export async function advance() {
  sequence = await next(sequence);
}`,
      { state: '`sequence`', write: 'sequence = await', read: 'sequence = await', suspend: 'sequence = await' },
    ),
    invalid(
      'array spread evaluated before the await in the same literal',
      `${decls}
declare function fetchOne(): Promise<string>;
let names: string[] = [];
export async function addOne() {
  names = [...names, await fetchOne()];
}`,
      { state: '`names`', write: 'names = [', read: 'names = [', suspend: 'names = [' },
    ),
    invalid(
      'object spread evaluated before the await in the same literal',
      `${decls}
let state = { loading: false, value: 0 };
export async function refresh() {
  state = { ...state, value: await load('value') };
}`,
      { state: '`state`', write: 'state = { ...state', read: 'state = { ...state', suspend: 'state = { ...state' },
    ),
    invalid(
      'concat with an awaited argument',
      `${decls}
declare function fetchPage(): Promise<string[]>;
let rows: string[] = [];
export async function more() {
  rows = rows.concat(await fetchPage());
}`,
      { state: '`rows`', write: 'rows = rows', read: 'rows = rows', suspend: 'rows = rows' },
    ),
    invalid(
      'state imported from another module (resolved by the checker)',
      `${decls}
import { stats } from './lib/store';
export async function count() {
  const seen = stats.count;
  await save();
  stats.count = seen + 1;
}`,
      { state: '`stats.count`', write: 'stats.count = seen', read: 'const seen', suspend: 'await save()' },
    ),
    invalid(
      'a static field of a class imported from another module, as of one declared here',
      `${decls}
import { Ids } from './lib/store';
export async function reserve() {
  const id = Ids.next;
  await save(id);
  Ids.next = id + 1;
}`,
      { state: '`Ids.next`', write: 'Ids.next = id', read: 'const id', suspend: 'await save' },
    ),
    invalid(
      'one export imported under two names is one state',
      `${decls}
import { stats } from './lib/store';
import { stats as totals } from './lib/store';
export async function count() {
  const seen = stats.count;
  await save();
  totals.count = seen + 1;
}`,
      { state: '`totals.count`', write: 'totals.count = seen', read: 'const seen', suspend: 'await save()' },
    ),
    invalid(
      'state reached through a namespace import',
      `${decls}
import * as store from './lib/store';
export async function count() {
  const seen = store.stats.total;
  await save();
  store.stats.total = seen + 1;
}`,
      { state: '`store.stats.total`', write: 'store.stats.total = seen', read: 'const seen', suspend: 'await save()' },
    ),
    invalid(
      'a closure variable shared by Promise.all(items.map(async ...))',
      `${decls}
export async function totalPrice(items: string[]) {
  let total = 0;
  await Promise.all(
    items.map(async (item) => {
      const before = total;
      const price = await load(item);
      total = before + price;
    }),
  );
  return total;
}`,
      { state: '`total`', write: 'total = before', read: 'const before', suspend: 'await load(item)' },
    ),
    invalid(
      'a closure variable shared by event listeners',
      `${decls}
import { EventEmitter } from 'node:events';
export function track(emitter: EventEmitter) {
  let bytes = 0;
  emitter.on('chunk', async (size: number) => {
    bytes = bytes + (await load(String(size)));
  });
  return () => bytes;
}`,
      { state: '`bytes`', write: 'bytes = bytes', read: 'bytes = bytes', suspend: 'bytes = bytes' },
    ),
    invalid(
      'a closure factory returning an object with an async method',
      `${decls}
export function createCounter() {
  let count = 0;
  return {
    async increment() {
      const current = count;
      await save(current);
      count = current + 1;
    },
  };
}`,
      { state: '`count`', write: 'count = current', read: 'const current', suspend: 'await save' },
    ),
    invalid(
      'a field of a long-lived instance',
      `${decls}
export class Account {
  balance = 100;
  async withdraw(amount: number) {
    const balance = this.balance;
    await save();
    this.balance = balance - amount;
  }
}`,
      { state: '`this.balance`', write: 'this.balance = balance', read: 'const balance', suspend: 'await save' },
    ),
    invalid(
      'a static field, through the class name and through this in a static method',
      `${decls}
export class Ids {
  static next = 1;
  static async allocate() {
    const id = this.next;
    await save(id);
    this.next = id + 1;
  }
  async reserve() {
    const id = Ids.next;
    await save(id);
    Ids.next = id + 1;
  }
}`,
      { state: '`Ids.next`', write: 'this.next = id', read: 'const id = this', suspend: 'await save(id)' },
      {
        state: '`Ids.next`',
        write: 'Ids.next = id',
        read: 'const id = Ids',
        suspend: 'await save(id)',
        suspendOccurrence: 2,
      },
    ),
    invalid(
      'a globalThis property',
      `${decls}
declare global {
  var requestCount: number;
}
export async function handle() {
  const seen = globalThis.requestCount;
  await save();
  globalThis.requestCount = seen + 1;
}`,
      { state: '`globalThis.requestCount`', write: 'globalThis.requestCount = seen', read: 'const seen', suspend: 'await save' },
    ),
    invalid(
      'a Map entry read with get() and written back with set()',
      `${decls}
const counts = new Map<string, number>();
export async function hit(key: string) {
  const seen = counts.get(key) ?? 0;
  await save(key);
  counts.set(key, seen + 1);
}`,
      { state: 'an entry of `counts`', write: 'counts.set(', read: 'const seen', suspend: 'await save' },
    ),
    invalid(
      'an array length read, then written after the await',
      `${decls}
const queue: string[] = [];
export async function trim() {
  const keep = queue.length - 1;
  await save();
  queue.length = keep;
}`,
      { state: 'an entry of `queue`', write: 'queue.length = keep', read: 'const keep', suspend: 'await save' },
    ),
    invalid(
      'Object.assign into shared state from a stale read',
      `${decls}
const config = { retries: 0 };
export async function bump() {
  const retries = config.retries;
  await save();
  Object.assign(config, { retries: retries + 1 });
}`,
      { state: '`config`', write: 'Object.assign(', read: 'const retries', suspend: 'await save' },
    ),
    invalid(
      'destructuring reads the property before the await',
      `${decls}
const stats = { count: 0 };
export async function count() {
  const { count } = stats;
  await save();
  stats.count = count + 1;
}`,
      { state: '`stats.count`', write: 'stats.count = count', read: 'const { count }', suspend: 'await save' },
    ),
    invalid(
      'a value read through an alias before the await',
      `${decls}
export class Metrics {
  private stats = { count: 0 };
  async record() {
    const stats = this.stats;
    const seen = stats.count;
    await save();
    stats.count = seen + 1;
  }
}`,
      { state: '`this.stats.count`', write: 'stats.count = seen', read: 'const seen', suspend: 'await save' },
    ),
    invalid(
      'yield in an async generator suspends',
      `${decls}
let produced = 0;
export async function* produce() {
  const before = produced;
  yield before;
  produced = before + 1;
}`,
      { state: '`produced`', write: 'produced = before', read: 'const before', suspend: 'yield before' },
    ),
    invalid(
      'each step of for await suspends',
      `${decls}
let total = 0;
export async function consume(source: AsyncIterable<number>) {
  const base = total;
  let sum = 0;
  for await (const value of source) sum += value;
  total = base + sum;
}`,
      { state: '`total`', write: 'total = base', read: 'const base', suspend: 'for await' },
    ),
    invalid(
      'await using disposes (and suspends) at the end of its block',
      `${decls}
declare function openFile(): AsyncDisposable;
let writes = 0;
export async function write() {
  let before = 0;
  {
    await using file = openFile();
    before = writes;
    void file;
  }
  writes = before + 1;
}`,
      { state: '`writes`', write: 'writes = before', read: 'before = writes', suspend: 'await using' },
    ),
    invalid(
      'a read in one loop iteration and the write after the next await',
      `${decls}
let ticks = 0;
export async function loop() {
  let seen = ticks;
  for (let i = 0; i < 3; i++) {
    ticks = seen + 1;
    seen = ticks;
    await save();
  }
}`,
      { state: '`ticks`', write: 'ticks = seen', read: 'seen = ticks', readOccurrence: 2, suspend: 'await save' },
    ),
    invalid(
      "a typed object parameter of a named function is the caller's, and can be shared",
      `${decls}
interface Account {
  balance: number;
}
export async function debit(account: Account, amount: number) {
  const balance = account.balance;
  await save();
  account.balance = balance - amount;
}`,
      { state: '`account.balance`', write: 'account.balance = balance', read: 'const balance', suspend: 'await save' },
    ),
    invalid(
      'a parameter whose type alias names an object type is the caller\'s (the checker is asked at the write)',
      `${decls}
type Wallet = { coins: number };
export async function spend(wallet: Wallet) {
  const coins = wallet.coins;
  await save();
  wallet.coins = coins - 1;
}`,
      { state: '`wallet.coins`', write: 'wallet.coins = coins - 1', read: 'const coins', suspend: 'await save' },
    ),
    invalid(
      'a write inside a synchronous forEach callback, from a value read before the await',
      `${decls}
const totals: Record<string, number> = {};
export async function addAll(keys: string[]) {
  const before = totals.sum;
  await save();
  keys.forEach(() => {
    totals.sum = before + 1;
  });
}`,
      { state: '`totals.sum`', write: 'totals.sum = before', read: 'const before', suspend: 'await save' },
    ),
    invalid(
      'putting a saved value back on the normal path is not a rollback: it wipes out the updates made meanwhile',
      `${decls}
let active = 0;
export async function run() {
  const n = active;
  active = n + 1;
  try {
    await save();
  } finally {
    active = n;
  }
}`,
      { state: '`active`', write: 'active = n;', read: 'const n = active', suspend: 'await save' },
    ),
    invalid(
      'a Semaphore with several permits does not make the section exclusive',
      `${decls}
import { Semaphore } from 'async-mutex';
let counter = 0;
const semaphore = new Semaphore(3);
export async function increment() {
  await semaphore.runExclusive(async () => {
    const current = counter;
    await save();
    counter = current + 1;
  });
}`,
      {
        state: '`counter`',
        write: 'counter = current',
        read: 'const current',
        suspend: 'await save',
        variant: 'NotExclusive',
        extra: { lock: '`semaphore`', reason: 'it is a Semaphore with 3 permits, so 3 tasks can hold it at once' },
      },
    ),
    invalid(
      'withTimeout around a Semaphore with two permits',
      `${decls}
import { Semaphore, withTimeout } from 'async-mutex';
let counter = 0;
const limiter = withTimeout(new Semaphore(2), 500);
export async function increment() {
  await limiter.runExclusive(async () => {
    const current = counter;
    await save();
    counter = current + 1;
  });
}`,
      {
        state: '`counter`',
        write: 'counter = current',
        read: 'const current',
        suspend: 'await save',
        variant: 'NotExclusive',
        extra: { lock: '`limiter`', reason: 'it is a Semaphore with 2 permits, so 2 tasks can hold it at once' },
      },
    ),
    invalid(
      'a mutex created inside the call excludes nobody',
      `${decls}
import { Mutex } from 'async-mutex';
let counter = 0;
export async function increment() {
  const mutex = new Mutex();
  await mutex.runExclusive(async () => {
    const current = counter;
    await save();
    counter = current + 1;
  });
}`,
      {
        state: '`counter`',
        write: 'counter = current',
        read: 'const current',
        suspend: 'await save',
        variant: 'NotExclusive',
        extra: { lock: '`mutex`', reason: 'it is created inside this call, so every call has its own' },
      },
    ),
    invalid(
      'a Web Lock requested in shared mode',
      `${decls}
let counter = 0;
export async function increment() {
  await navigator.locks.request('counter', { mode: 'shared' }, async () => {
    const current = counter;
    await save();
    counter = current + 1;
  });
}`,
      {
        state: '`counter`',
        write: 'counter = current',
        read: 'const current',
        suspend: 'await save',
        variant: 'NotExclusive',
        extra: { lock: 'the Web Lock "counter"', reason: 'it is requested in shared mode' },
      },
    ),
    invalid(
      'the lock is released before the write',
      `${decls}
import { Mutex } from 'async-mutex';
let counter = 0;
const mutex = new Mutex();
export async function increment() {
  const release = await mutex.acquire();
  const current = counter;
  await save();
  release();
  counter = current + 1;
}`,
      {
        state: '`counter`',
        write: 'counter = current',
        read: 'const current',
        suspend: 'await save',
        variant: 'LockReleased',
        extra: { lock: '`mutex`' },
      },
    ),
    invalid(
      'the read is made before the lock is taken',
      `${decls}
import { Mutex } from 'async-mutex';
let counter = 0;
const mutex = new Mutex();
export async function increment() {
  const current = counter;
  await mutex.runExclusive(async () => {
    counter = current + 1;
  });
}`,
      {
        state: '`counter`',
        write: 'counter = current',
        read: 'const current',
        suspend: 'mutex.runExclusive',
        variant: 'ReadOutsideLock',
        extra: { lock: '`mutex`' },
      },
    ),
    invalid(
      'two writers holding different mutexes do not exclude each other',
      `${decls}
import { Mutex } from 'async-mutex';
export class Account {
  private balance = 0;
  private readonly depositLock = new Mutex();
  private readonly withdrawLock = new Mutex();
  async deposit(amount: number) {
    await this.depositLock.runExclusive(async () => {
      const current = this.balance;
      await save(current);
      this.balance = current + amount;
    });
  }
  async withdraw(amount: number) {
    await this.withdrawLock.runExclusive(async () => {
      const current = this.balance;
      await save(current);
      this.balance = current - amount;
    });
  }
}`,
      {
        state: '`this.balance`',
        write: 'this.balance = current +',
        read: 'const current',
        suspend: 'await save',
        variant: 'DifferentLocks',
        extra: { lock: '`this.depositLock`', otherLock: '`this.withdrawLock`' },
        lines: { otherLine: 'this.balance = current -' },
      },
      {
        state: '`this.balance`',
        write: 'this.balance = current -',
        read: 'const current',
        readOccurrence: 2,
        suspend: 'await save',
        suspendOccurrence: 2,
        variant: 'DifferentLocks',
        extra: { lock: '`this.withdrawLock`', otherLock: '`this.depositLock`' },
        lines: { otherLine: 'this.balance = current +' },
      },
    ),
    invalid(
      'the seed post\'s counter, with the read moved before the await, loses updates',
      `${decls}
let counter = 0;
export async function increment() {
  for (let i = 0; i < 10_000; i++) {
    const current = counter;
    await save();
    counter = current + 1;
  }
}`,
      { state: '`counter`', write: 'counter = current', read: 'const current', suspend: 'await save' },
    ),
    invalid(
      'a value read into a new object and read back out after the await still loses updates',
      `${decls}
class Box {
  constructor(readonly value: number) {}
}
export class Counter {
  private count = 0;
  async increment() {
    const box = new Box(this.count);
    if (!box) return;
    await save();
    this.count = box.value + 1;
  }
}`,
      { state: '`this.count`', write: 'this.count =', read: 'const box', suspend: 'await save' },
    ),
    // --- Methods serialised by their callers: what is not recognised ---
    invalid('the same `doTokenRefresh()` when it is public: anyone may start a second run', tokenRefresher({ method: 'async doTokenRefresh' }), refreshTokenUpdate),
    invalid(
      'a second caller runs the private method without the in-flight promise',
      tokenRefresher({ more: `
  async refreshNow(): Promise<boolean> {
    return this.doTokenRefresh(1);
  }` }),
      refreshTokenUpdate,
    ),
  ],
});
