import type { RaceRuleOptions } from '../../src/analysis/options';
import rule from '../../rules/no-stale-check';
import { expectReport, type Sequence } from '../locate';
import { createRuleTester } from '../rule-tester';
import { lockCallbackInLoop } from './real-code';

interface StaleCheck extends Sequence {
  state: string;
  variant?: '' | 'LockReleased' | 'ReadOutsideLock' | 'NotExclusive' | 'DifferentLocks';
  extra?: Record<string, string | number>;
}

function invalid(name: string, code: string, ...reports: StaleCheck[]) {
  return {
    name,
    code,
    // Detection only: the fixes are tested, with their exact output, in fixes.test.ts.
    options: [{ fix: 'none' }] as [RaceRuleOptions],
    errors: reports.map((report) =>
      expectReport(code, `staleCheck${report.variant ?? ''}` as const, report.state, report, report.extra),
    ),
  };
}

const decls = `
declare function save(value?: unknown): Promise<void>;
declare function load(key: string): Promise<number>;
declare function refreshToken(): Promise<string>;
`;

/** mongodb's MongoClient, reduced: `connect()` runs the private `_connect()` through the in-flight `connectionLock`. */
const lockedConnect = `
  async connect(): Promise<this> {
    if (this.connectionLock) {
      return await this.connectionLock;
    }
    try {
      this.connectionLock = this._connect();
      await this.connectionLock;
    } finally {
      this.connectionLock = undefined;
    }
    return this;
  }`;

/** mongodb's Topology, reduced: `??=` is the test, and the method is `#private`. */
const joinedConnect = `
  async connect(): Promise<this> {
    this.connectionLock ??= this.#connect();
    try {
      await this.connectionLock;
      return this;
    } finally {
      this.connectionLock = undefined;
    }
  }`;

function connectingClient({ connect = lockedConnect, method = 'private async _connect()', more = '' } = {}): string {
  return `${decls}
export class Client {
  private connectionLock?: Promise<this>;
  private options: { caFile: string; ca?: number };
  constructor(caFile: string) {
    this.options = { caFile };
  }
${connect}
  ${method}: Promise<this> {
    const options = this.options;
    options.ca ??= await load(options.caFile);
    return this;
  }${more}
}`;
}

/** The report `_connect()` gets when its runs may overlap. */
const caCheck: StaleCheck = {
  state: '`this.options.ca`',
  write: 'options.ca ??=',
  read: 'options.ca ??=',
  suspend: 'options.ca ??=',
};

createRuleTester().run('no-stale-check', rule, {
  valid: [
    {
      name: 'in-flight promise memoization: no suspension between the check and the write',
      code: `${decls}
export class Client {
  private token?: Promise<string>;
  getToken() {
    if (!this.token) this.token = refreshToken();
    return this.token;
  }
}`,
    },
    {
      name: 'every caller that passed the check awaits one shared in-flight promise, so all store the same value',
      code: `${decls}
let token: string | undefined;
let tokenLoading: Promise<string> | undefined;
export async function getToken(): Promise<string> {
  if (!token) {
    try {
      token = await (tokenLoading ??= refreshToken());
    } finally {
      tokenLoading = undefined;
    }
  }
  return token;
}`,
    },
    {
      name: 'check and write with no suspension between: the counter is claimed before the await',
      code: `${decls}
const MAX = 4;
let active = 0;
export async function run(job: () => Promise<void>) {
  if (active < MAX) {
    active++;
    await job();
    active--;
  }
}`,
    },
    {
      name: 'in-flight promise memoization in a module variable, by ??= and by if',
      code: `${decls}
let pending: Promise<number> | undefined;
export function loadOnce() {
  pending ??= load('k');
  return pending;
}
let p: Promise<number> | undefined;
export function loadP() {
  if (!p) p = load('p');
  return p;
}`,
    },
    {
      name: 'a busy flag written before the first await claims the state',
      code: `${decls}
export class Poller {
  private busy = false;
  async poll() {
    if (this.busy) return;
    this.busy = true;
    try {
      await save();
    } finally {
      this.busy = false;
    }
  }
}`,
    },
    {
      name: 'double-checked locking: the re-check inside the lock decides',
      code: `${decls}
import { Mutex } from 'async-mutex';
export class Client {
  private token: string | undefined;
  private readonly mutex = new Mutex();
  async getToken() {
    if (!this.token) {
      await this.mutex.runExclusive(async () => {
        if (!this.token) this.token = await refreshToken();
      });
    }
    return this.token;
  }
}`,
    },
    {
      name: 'a re-check after the await',
      code: `${decls}
declare function connect(): Promise<{ close(): Promise<void> }>;
export class Pool {
  private connection: { close(): Promise<void> } | undefined;
  async get() {
    if (this.connection) return this.connection;
    const fresh = await connect();
    if (this.connection) {
      await fresh.close();
      return this.connection;
    }
    this.connection = fresh;
    return fresh;
  }
}`,
    },
    {
      name: 'an in-flight promise written right after its own check claims every check made before it',
      code: `${decls}
let connected = false;
let connecting: Promise<void> | undefined;
export async function connect() {
  if (connected) return;
  if (connecting) {
    await connecting;
    return;
  }
  connecting = save();
  await connecting;
  connecting = undefined;
  connected = true;
}`,
    },
    {
      name: 'a check claimed by a write before the await does not come back in the catch block',
      code: `${decls}
export class Runner {
  private state: 'idle' | 'starting' | 'started' | 'failed' = 'idle';
  async start() {
    if (this.state !== 'idle') return;
    try {
      this.state = 'starting';
      await save();
      this.state = 'started';
    } catch {
      this.state = 'failed';
    }
  }
}`,
    },
    {
      name: 'the check and the write are of different state',
      code: `${decls}
export class Feed {
  private closed = false;
  private latest = 0;
  async tick() {
    if (this.closed) return;
    this.latest = await load('latest');
  }
}`,
    },
    {
      name: 'a cache fill under a lock',
      code: `${decls}
import { Mutex } from 'async-mutex';
const cache = new Map<string, number>();
const cacheLock = new Mutex();
export async function get(key: string) {
  return cacheLock.runExclusive(async () => {
    if (!cache.has(key)) cache.set(key, await load(key));
    return cache.get(key);
  });
}`,
    },
    {
      name: 'a draining loop: each iteration checks again',
      code: `${decls}
export class Worker {
  private queue: string[] = [];
  private done = 0;
  async drain() {
    while (true) {
      const job = this.queue.shift();
      if (!job) break;
      await save(job);
      this.done++;
    }
  }
}`,
    },
    {
      name: 'a check whose branches both rejoin does not guard what follows',
      code: `${decls}
export class Pool {
  private size = 0;
  async grow() {
    if (this.size > 10) {
      await save();
    }
    this.size++;
  }
}`,
    },
    // --- False positives found on real code bases by `npm run bench` (bench/results/review.md) ---
    {
      name: 'a loop test `a && this.next`, evaluated again after the await, is fresh (matrix-js-sdk OutgoingRequestsManager)',
      code: `${decls}
export class Loop {
  private next: Promise<void> | undefined;
  private stopped = false;
  async run() {
    while (!this.stopped && this.next) {
      const deferred = this.next;
      this.next = undefined;
      await save(deferred);
    }
  }
}`,
    },
    {
      name: 'a loop that waits until its test of the state fails re-checks it before the write (matrix-js-sdk embedded)',
      code: `${decls}
export class Widget {
  private pending: { id: string; tx?: string }[] = [];
  async onEvent(id: string) {
    if (this.pending.some((p) => p.id === id)) {
      let tx = this.pending.find((p) => p.id === id)?.tx;
      while (!tx && this.pending.length > 0) {
        await save();
        tx = this.pending.find((p) => p.id === id)?.tx;
      }
      this.pending = this.pending.filter((p) => p.id !== id);
    }
  }
}`,
    },
    {
      name: 'a finally block runs however the try ended: a check that only decided to throw does not guard it (mongodb sessions)',
      code: `${decls}
export class Session {
  private context: { enabled: boolean } | null = null;
  async run() {
    const enabled = this.context?.enabled ? 1 : 0;
    try {
      if (enabled > 0 && (await load('x')) > 1) throw new Error('timeout');
    } finally {
      this.context = null;
    }
  }
}`,
    },
    {
      name: 'a finally block after a try that always returns or throws is not guarded by its checks either (mongodb sessions)',
      code: `${decls}
export class Session {
  private context: { enabled(): boolean; remaining: number } | null = null;
  async run() {
    const remaining = this.context?.enabled() ? this.context.remaining : 100;
    const deadline = Date.now() + remaining;
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        if (Date.now() >= deadline) throw new Error('late');
        await save();
      }
      return 1;
    } finally {
      this.context = null;
    }
  }
}`,
    },
    {
      name: 'a new object is never null, whatever it was built from: `operation == null` checks no state (mongodb bulk)',
      code: `${decls}
class Insert {
  constructor(readonly docs?: unknown[]) {}
}
class Remove {
  constructor(readonly docs?: unknown[]) {}
}
export class Bulk {
  private batches: { kind: string; serialized: unknown[] }[] = [];
  async execute(reuse: boolean) {
    for (const batch of this.batches) {
      const serialized = reuse ? batch.serialized : undefined;
      const operation = batch.kind === 'insert' ? new Insert(serialized) : batch.kind === 'remove' ? new Remove(serialized) : null;
      if (operation == null) throw new Error('unknown batch');
      await save(operation);
      batch.serialized = [];
    }
  }
}`,
    },
    {
      name: 'an object literal is always truthy: `!message` checks none of the state it holds',
      code: `${decls}
export class Outbox {
  private queue: string[] = [];
  async flush() {
    const message = { items: this.queue, sentAt: Date.now() };
    if (!message) return;
    await save(message);
    this.queue = [];
  }
}`,
    },
    {
      name: '`given ?? { ca: this.ca }` is never undefined: `=== undefined` checks no state',
      code: `${decls}
export class Client {
  private ca: string[] = [];
  async connect(given?: { ca: string[] }) {
    const options = given ?? { ca: this.ca };
    if (options === undefined) return;
    await save(options);
    this.ca = [];
  }
}`,
    },
    {
      name: 'a private method run only through the in-flight promise its caller keeps until it settles (mongodb MongoClient._connect)',
      code: connectingClient(),
    },
    {
      name: 'the same with `??=` as the test and a `#private` method (mongodb Topology._connect)',
      code: connectingClient({ connect: joinedConnect, method: 'async #connect()' }),
    },
    {
      name: 'the scheduler after its fix: a lock callback in a loop, where a const of the last pass held a read made under the lock (matrix-js-sdk, linted again after --fix)',
      code: lockCallbackInLoop,
    },
    // --- end of bench false positives ---
  ],
  invalid: [
    invalid(
      'token refresh: check, await, write',
      `${decls}
let token: string | undefined;
export async function getToken() {
  if (!token) {
    token = await refreshToken();
  }
  return token;
}`,
      { state: '`token`', write: 'token = await', read: 'if (!token)', suspend: 'token = await' },
    ),
    invalid(
      'cache fill on a miss: has, await, set',
      `${decls}
const cache = new Map<string, number>();
export async function get(key: string) {
  if (!cache.has(key)) cache.set(key, await load(key));
  return cache.get(key);
}`,
      { state: 'an entry of `cache`', write: 'cache.set(', read: 'if (!cache', suspend: 'await load' },
    ),
    invalid(
      'a balance check before a debit',
      `${decls}
export class Account {
  private balance = 100;
  async withdraw(amount: number) {
    if (this.balance >= amount) {
      await save(amount);
      this.balance -= amount;
    }
  }
}`,
      { state: '`this.balance`', write: 'this.balance -=', read: 'if (this.balance', suspend: 'await save' },
    ),
    invalid(
      'a logical assignment with an await on its right',
      `${decls}
let session: string | undefined;
export async function ensureSession() {
  session ??= await refreshToken();
  return session;
}`,
      { state: '`session`', write: 'session ??=', read: 'session ??=', suspend: 'session ??=' },
    ),
    invalid(
      'a guard that returns early, then an await, then the write',
      `${decls}
export class Job {
  private status: 'idle' | 'running' = 'idle';
  async start() {
    if (this.status !== 'idle') return;
    await save();
    this.status = 'running';
  }
}`,
      { state: '`this.status`', write: 'this.status = ', read: "if (this.status !== 'idle')", suspend: 'await save' },
    ),
    invalid(
      'memoization through ||: the cached value is written back only after a check that went stale',
      `${decls}
export class Repo {
  private root: string | undefined;
  async findRoot() {
    const root = this.root || (await refreshToken());
    this.root = root;
    return root;
  }
}`,
      { state: '`this.root`', write: 'this.root = root', read: 'const root', suspend: 'const root' },
    ),
    invalid(
      'a conditional expression choosing between the cached value and an awaited one',
      `${decls}
let name: string | undefined;
export async function ensureName() {
  name = name ? name : await refreshToken();
}`,
      { state: '`name`', write: 'name = name ?', read: 'name = name ?', suspend: 'name = name ?' },
    ),
    invalid(
      'a check by && short circuit',
      `${decls}
declare function connect(): Promise<object>;
let connection: object | undefined;
export async function ensure() {
  !connection && (connection = await connect());
  return connection;
}`,
      { state: '`connection`', write: 'connection = await', read: '!connection &&', suspend: 'await connect' },
    ),
    invalid(
      'a check by || short circuit',
      `${decls}
let ready = false;
export async function warm() {
  ready || (await save(), (ready = true));
}`,
      { state: '`ready`', write: 'ready = true', read: 'ready ||', suspend: 'await save' },
    ),
    invalid(
      'an append guarded by a stale membership test',
      `${decls}
const subscribers: string[] = [];
export async function subscribe(id: string) {
  if (subscribers.includes(id)) return;
  await save(id);
  subscribers.push(id);
}`,
      { state: 'an entry of `subscribers`', write: 'subscribers.push', read: 'if (subscribers', suspend: 'await save' },
    ),
    invalid(
      'writing some other, unchecked state before the await claims nothing',
      `${decls}
export class Wallet {
  private balance = 100;
  private pending = false;
  async pay(amount: number) {
    if (this.balance < amount) return;
    this.pending = true;
    await save(amount);
    this.balance -= amount;
    this.pending = false;
  }
}`,
      { state: '`this.balance`', write: 'this.balance -=', read: 'if (this.balance', suspend: 'await save' },
    ),
    invalid(
      'removing an entry under a stale check (a lease renewed meanwhile is dropped)',
      `${decls}
const pending = new Map<string, number>();
export async function settle(id: string) {
  if (!pending.has(id)) return;
  await save(id);
  pending.delete(id);
}`,
      { state: 'an entry of `pending`', write: 'pending.delete', read: 'if (!pending', suspend: 'await save' },
    ),
    invalid(
      'a cache fill guarded by the in operator',
      `${decls}
const prices: Record<string, number> = {};
export async function price(sku: string) {
  if (!(sku in prices)) prices[sku] = await load(sku);
  return prices[sku];
}`,
      { state: 'an entry of `prices`', write: 'prices[sku] =', read: 'if (!(sku in', suspend: 'await load' },
    ),
    invalid(
      'a check of a value read before the await',
      `${decls}
export class Client {
  private token: string | undefined;
  async renew() {
    const current = this.token;
    await save();
    if (!current) this.token = await refreshToken();
  }
}`,
      { state: '`this.token`', write: 'this.token = await', read: 'const current', suspend: 'await save' },
    ),
    invalid(
      'a closure Set checked by concurrent callbacks',
      `${decls}
export async function saveAll(ids: string[]) {
  const seen = new Set<string>();
  await Promise.all(
    ids.map(async (id) => {
      if (seen.has(id)) return;
      await save(id);
      seen.add(id);
    }),
  );
}`,
      { state: 'an entry of `seen`', write: 'seen.add(id)', read: 'if (seen.has', suspend: 'await save' },
    ),
    invalid(
      'the check is made before the lock is taken',
      `${decls}
import { Mutex } from 'async-mutex';
const mutex = new Mutex();
let token: string | undefined;
export async function getToken() {
  if (!token) {
    await mutex.runExclusive(async () => {
      token = await refreshToken();
    });
  }
  return token;
}`,
      {
        state: '`token`',
        write: 'token = await',
        read: 'if (!token)',
        suspend: 'mutex.runExclusive',
        variant: 'ReadOutsideLock',
        extra: { lock: '`mutex`' },
      },
    ),
    invalid(
      'a new object chosen by a check of the state: testing it for null is that check',
      `${decls}
class Insert {
  constructor(readonly docs?: unknown[]) {}
}
export class Bulk {
  private serialized: unknown[] | undefined;
  async execute() {
    const operation = this.serialized ? new Insert(this.serialized) : null;
    if (operation == null) return;
    await save(operation);
    this.serialized = undefined;
  }
}`,
      { state: '`this.serialized`', write: 'this.serialized = undefined', read: 'const operation', suspend: 'await save' },
    ),
    invalid(
      'a test of what a new object holds checks the state it was built from',
      `${decls}
class Insert {
  constructor(readonly docs?: unknown[]) {}
}
export class Bulk {
  private serialized: unknown[] | undefined;
  async execute() {
    const operation = new Insert(this.serialized);
    if (operation.docs == null) return;
    await save(operation);
    this.serialized = [];
  }
}`,
      { state: '`this.serialized`', write: 'this.serialized = []', read: 'const operation', suspend: 'await save' },
    ),
    invalid(
      'removing by a fresh filter still acts on the stale check: an entry re-added meanwhile under that id is dropped',
      `${decls}
export class Widget {
  private pending: { id: string; tx: string }[] = [];
  async settle(id: string) {
    if (!this.pending.some((p) => p.id === id)) return;
    await save(id);
    this.pending = this.pending.filter((p) => p.id !== id);
  }
}`,
      { state: '`this.pending`', write: 'this.pending = this', read: 'if (!this.pending', suspend: 'await save' },
    ),
    // --- Methods serialised by their callers: what is not recognised ---
    invalid('the same `_connect()` when it is public: anyone may start a second run', connectingClient({ method: 'async _connect()' }), caCheck),
    invalid(
      'a second caller runs the private method without the in-flight promise',
      connectingClient({ more: `
  async reconnect() {
    await this._connect();
  }` }),
      caCheck,
    ),
    invalid(
      'a computed `this[name]` might call the private method without the in-flight promise',
      connectingClient({ more: `
  async run(name: 'connect' | '_connect') {
    await (this as Client)[name]();
  }` }),
      caCheck,
    ),
    invalid(
      'a holder that is not private may be emptied from outside the class at any time',
      connectingClient().replace('private connectionLock', 'connectionLock'),
      caCheck,
    ),
    invalid(
      'another method may empty the holder while a run is in flight',
      connectingClient({ more: `
  reset() {
    this.connectionLock = undefined;
  }` }),
      caCheck,
    ),
    invalid(
      'a method that empties the holder after awaiting it without having stored a run in it may clear the next run',
      connectingClient({ more: `
  async ready() {
    try {
      await this.connectionLock;
    } finally {
      this.connectionLock = undefined;
    }
  }` }),
      caCheck,
    ),
    invalid(
      'the holder is emptied in \`finally\` when the \`try\` returns the promise without awaiting it',
      connectingClient({ connect: lockedConnect.replace('      await this.connectionLock;', '      return this.connectionLock;') }),
      caCheck,
    ),
    invalid(
      'a suspension between the test of the holder and the store lets two callers pass the test',
      connectingClient({ connect: lockedConnect.replace('    try {', '    await save();\n    try {') }),
      { state: '`this.connectionLock`', write: 'this.connectionLock = this._connect()', read: 'if (this.connectionLock)', suspend: 'await save()' },
      caCheck,
    ),
    invalid(
      'an argument that suspends runs between the test of `??=` and the store',
      connectingClient({
        connect: joinedConnect.replace('this.#connect()', "this.#connect(await load('attempt'))"),
        method: 'async #connect(_attempt: number)',
      }),
      { state: '`this.connectionLock`', write: 'this.connectionLock ??=', read: 'this.connectionLock ??=', suspend: 'this.connectionLock ??=' },
      caCheck,
    ),
    invalid(
      'state that another method also writes stays reported, though each runs one at a time under its own holder (mongodb _connect/_close)',
      `${decls}
export class Client {
  private connectionLock?: Promise<this>;
  private closeLock?: Promise<void>;
  topology?: { connected: boolean; close(): void };
  async connect(): Promise<this> {
    this.connectionLock ??= this._connect();
    try {
      return await this.connectionLock;
    } finally {
      this.connectionLock = undefined;
    }
  }
  async close(): Promise<void> {
    this.closeLock ??= this._close();
    try {
      await this.closeLock;
    } finally {
      this.closeLock = undefined;
    }
  }
  private async _connect(): Promise<this> {
    if (this.topology?.connected) return this;
    await save();
    this.topology = { connected: true, close() {} };
    return this;
  }
  private async _close(): Promise<void> {
    if (this.topology == null) return;
    await save();
    const topology = this.topology;
    this.topology = undefined;
    topology.close();
  }
}`,
      { state: '`this.topology`', write: 'this.topology = {', read: 'if (this.topology?.connected)', suspend: 'await save()' },
      { state: '`this.topology`', write: 'this.topology = undefined', read: 'if (this.topology == null)', suspend: 'await save()', suspendOccurrence: 2 },
    ),
  ],
});
