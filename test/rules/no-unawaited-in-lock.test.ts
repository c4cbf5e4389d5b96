import type { InvalidTestCase } from '@typescript-eslint/rule-tester';

import rule, { type MessageIds, type Options } from '../../rules/no-unawaited-in-lock';
import { describeFixedOutputs } from '../fixed-outputs';
import { locate } from '../locate';
import { createRuleTester } from '../rule-tester';

const decls = `import { Mutex } from 'async-mutex';
import AsyncLock from 'async-lock';
declare function save(value?: unknown): Promise<void>;
declare function log(value?: unknown): void;
declare const untyped: any;
const mutex = new Mutex();
const asyncLock = new AsyncLock();
`;

type Case = InvalidTestCase<MessageIds, [Options]>;

/** The error on `snippet` (its `occurrence`-th appearance), in the section whose lock call starts with `lockCall`. */
function report(
  code: string,
  messageId: 'unawaited' | 'unawaitedVariable' | 'unawaitedArray' | 'asyncForEach',
  snippet: string,
  lockCall: string,
  lock: string,
  extra: { occurrence?: number; name?: string; suggestions?: Array<{ messageId: 'addAwait' | 'awaitAll' | 'returnPromise'; output: string }> } = {},
) {
  const at = locate(code, snippet, extra.occurrence);
  return {
    messageId,
    data: { lock, line: locate(code, lockCall).line, ...(extra.name ? { name: extra.name } : {}) },
    line: at.line,
    column: at.column,
    ...(extra.suggestions ? { suggestions: extra.suggestions } : {}),
  };
}

const asyncCallback = `${decls}
export async function store(value: number) {
  await mutex.runExclusive(async () => {
    save(value);
    log(value);
  });
}
`;
const syncCallbackLast = `${decls}
export function store(value: number) {
  return mutex.runExclusive(() => {
    log(value);
    save(value);
  });
}
`;
const syncCallbackNotLast = `${decls}
export function store(value: number) {
  return mutex.runExclusive(() => {
    save(value);
    log(value);
  });
}
`;
const acquired = `${decls}
export async function store(value: number) {
  const release = await mutex.acquire();
  try {
    save(value).catch(log);
  } finally {
    release();
  }
}
`;
const variable = `${decls}
export async function store(value: number) {
  await mutex.runExclusive(async () => {
    const saving = save(value);
    log(value);
  });
}
`;
const outerVariable = `${decls}
export async function store(value: number) {
  let pending: Promise<void> | undefined;
  await mutex.runExclusive(() => {
    pending = save(value);
  });
  await pending;
}
`;
const mapped = `${decls}
export async function storeAll(values: number[]) {
  await mutex.runExclusive(async () => {
    values.map((value) => save(value));
    log(values);
  });
}
`;
const forEach = `${decls}
export async function storeAll(values: number[]) {
  await mutex.runExclusive(() => {
    values.forEach(async (value) => {
      await save(value);
    });
  });
}
`;
const asyncLockCallback = `${decls}
export function store(value: number) {
  return asyncLock.acquire('store', async () => {
    save(value);
  });
}
`;
const webLock = `${decls}
export async function store(value: number) {
  await navigator.locks.request('store', async () => {
    save(value);
  });
}
`;
const conditional = `${decls}
export async function store(value: number, enabled: boolean) {
  await mutex.runExclusive(async () => {
    enabled && save(value);
  });
}
`;
const nested = `${decls}
const other = new Mutex();
export async function store(value: number) {
  await mutex.runExclusive(async () => {
    other.runExclusive(() => save(value));
  });
}
`;
const configured = `${decls}
import { withLock } from './lib/locks';
export async function store(value: number) {
  await withLock('store', async () => {
    save(value);
  });
}
`;

const insertBefore = (code: string, snippet: string, text: string) => code.replace(snippet, `${text}${snippet}`);
/** The one suggestion of an async section: `await` before `snippet`. */
const awaitSuggested = (code: string, snippet: string) => [{ messageId: 'addAwait' as const, output: insertBefore(code, snippet, 'await ') }];

// await-lock's acquireAsync(), in a file that names no other lock method.
const awaitLock = `import type AwaitLock from 'await-lock' with { 'resolution-mode': 'import' };
declare function save(value?: unknown): Promise<void>;
declare const lock: AwaitLock;
export async function store(value: number) {
  await lock.acquireAsync();
  try {
    save(value);
  } finally {
    lock.release();
  }
}
`;

/** Overloads that disagree: only the resolved call says which one is made (here the one that returns a promise). */
const overloaded = `${decls}
declare function flush(done: () => void): void;
declare function flush(): Promise<void>;
export async function store() {
  await mutex.runExclusive(async () => {
    flush();
  });
}
`;
/** A method whose declaration says it returns a promise, and one that says it does not. */
const declaredMethods = `${decls}
interface Store { put(value: number): Promise<void>; get(): number }
export async function store(value: number, target: Store) {
  await mutex.runExclusive(async () => {
    target.put(value);
    target.get();
  });
}
`;

/**
 * Methods found from declarations without building the receiver's type: a field made with `new` of
 * a generic class, a class's bases, locals made by calls (or destructured from what one returns) or
 * copied from a field, a tuple's element, methods declared to return `this`. The section makes the
 * calls that return no promise (`this.on(…)` returns the emitter; `this.plain.get()` a number) and
 * `reported`, which returns a promise, or a thenable, for the call made here.
 */
const declaredReceivers = (reported: string) => `${decls}
class Emitter { on(name: string): this { return this; } }
class Connection extends Emitter { close(): Promise<void> { return save(); } }
class Client extends Connection {}
class Chain { then(done: () => void): void { done(); } step(): this { return this; } }
class Box<T> {
  constructor(private readonly value: T) {}
  get(): T { return this.value; }
  flush(): Promise<void> { return save(); }
  size(): number { return 1; }
}
declare function connect(): Promise<Client>;
declare function open(): Client;
declare function openBoth(): Promise<{ main: Client; spare: Emitter }>;
export class Service extends Emitter {
  private readonly box = new Box<Promise<void>>(save());
  private readonly plain = new Box(1);
  private readonly pair: [] | [Client, Client] = [];
  private readonly chain = new Chain();
  async run() {
    await mutex.runExclusive(async () => {
      const client = await connect();
      const opened = open();
      const held = this.box;
      const { main, spare } = await openBoth();
      spare.on('w');
      this.on('x');
      this.plain.get();
      this.plain.size();
      client.on('y');
      opened.on('z');
      ${reported};
    });
  }
}
`;

const invalid: Case[] = [
  {
    name: 'overloads that disagree are settled by the call made',
    code: overloaded,
    errors: [report(overloaded, 'unawaited', 'flush();', 'mutex.runExclusive', '`mutex`', { suggestions: awaitSuggested(overloaded, 'flush();') })],
  },
  {
    name: 'a method declared to return a promise is reported, one declared to return a number is not',
    code: declaredMethods,
    errors: [
      report(declaredMethods, 'unawaited', 'target.put(value)', 'mutex.runExclusive', '`mutex`', { suggestions: awaitSuggested(declaredMethods, 'target.put(value);') }),
    ],
  },
  ...['this.box.get()', 'this.box.flush()', 'client.close()', 'opened.close()', 'this.pair[0]?.close()', 'this.chain.step()', 'held.flush()', 'main.close()'].map((call) => ({
    name: `found from declarations, and a promise or a thenable: ${call}`,
    code: declaredReceivers(call),
    errors: [report(declaredReceivers(call), 'unawaited', call, 'mutex.runExclusive', '`mutex`', { suggestions: awaitSuggested(declaredReceivers(call), `${call};`) })],
  })),
  {
    name: 'await-lock: a call between acquireAsync() and the release in finally',
    code: awaitLock,
    errors: [report(awaitLock, 'unawaited', 'save(value)', 'lock.acquireAsync', '`lock`', { suggestions: awaitSuggested(awaitLock, 'save(value);') })],
  },
  {
    name: 'a call in an async runExclusive callback: await it',
    code: asyncCallback,
    errors: [
      report(asyncCallback, 'unawaited', 'save(value)', 'mutex.runExclusive', '`mutex`', {
        suggestions: awaitSuggested(asyncCallback, 'save(value);'),
      }),
    ],
  },
  {
    name: 'the last statement of a non-async callback: return it',
    code: syncCallbackLast,
    errors: [
      report(syncCallbackLast, 'unawaited', 'save(value)', 'mutex.runExclusive', '`mutex`', {
        suggestions: [{ messageId: 'returnPromise', output: insertBefore(syncCallbackLast, 'save(value);', 'return ') }],
      }),
    ],
  },
  {
    name: 'a non-async callback that goes on after starting the work: no suggestion',
    code: syncCallbackNotLast,
    errors: [report(syncCallbackNotLast, 'unawaited', 'save(value)', 'mutex.runExclusive', '`mutex`', { suggestions: [] })],
  },
  {
    name: 'between acquire() and the release; a .catch() handler does not keep the lock',
    code: acquired,
    errors: [
      report(acquired, 'unawaited', 'save(value).catch(log)', 'mutex.acquire', '`mutex`', {
        suggestions: awaitSuggested(acquired, 'save(value).catch'),
      }),
    ],
  },
  {
    name: 'a promise kept in a variable that the section never reads',
    code: variable,
    errors: [report(variable, 'unawaitedVariable', 'saving', 'mutex.runExclusive', '`mutex`', { name: 'saving' })],
  },
  {
    name: "a promise put in the enclosing function's variable and awaited only after the section",
    code: outerVariable,
    errors: [report(outerVariable, 'unawaitedVariable', 'pending = save', 'mutex.runExclusive', '`mutex`', { name: 'pending' })],
  },
  {
    name: 'an array of promises from map() that nobody awaits: await them all',
    code: mapped,
    errors: [
      report(mapped, 'unawaitedArray', 'values.map', 'mutex.runExclusive', '`mutex`', {
        suggestions: [
          {
            messageId: 'awaitAll',
            output: mapped.replace('values.map((value) => save(value));', 'await Promise.all(values.map((value) => save(value)));'),
          },
        ],
      }),
    ],
  },
  {
    name: 'forEach with an async callback',
    code: forEach,
    errors: [report(forEach, 'asyncForEach', 'async (value)', 'mutex.runExclusive', '`mutex`')],
  },
  {
    name: "async-lock's promise mode",
    code: asyncLockCallback,
    errors: [
      report(asyncLockCallback, 'unawaited', 'save(value)', 'asyncLock.acquire', '`asyncLock` (key "store")', {
        suggestions: awaitSuggested(asyncLockCallback, 'save(value);'),
      }),
    ],
  },
  {
    name: 'a Web Lock callback',
    code: webLock,
    errors: [
      report(webLock, 'unawaited', 'save(value)', 'navigator.locks.request', 'the Web Lock "store"', {
        suggestions: awaitSuggested(webLock, 'save(value);'),
      }),
    ],
  },
  {
    name: 'a promise behind && : reported, no suggestion',
    code: conditional,
    errors: [report(conditional, 'unawaited', 'enabled && save(value)', 'mutex.runExclusive', '`mutex`', { suggestions: [] })],
  },
  {
    name: 'another lock taken and not awaited inside the section',
    code: nested,
    errors: [
      report(nested, 'unawaited', 'other.runExclusive', 'mutex.runExclusive', '`mutex`', {
        suggestions: awaitSuggested(nested, 'other.runExclusive'),
      }),
    ],
  },
  {
    name: 'a configured lock function',
    code: configured,
    options: [{ locks: [{ module: './lib/locks', export: 'withLock' }] }],
    errors: [
      report(configured, 'unawaited', 'save(value)', "withLock('store'", '`withLock` ("store")', {
        suggestions: awaitSuggested(configured, 'save(value);'),
      }),
    ],
  },
];

createRuleTester().run('no-unawaited-in-lock', rule, {
  valid: [
    {
      name: 'a module-level in-flight promise started under the lock is shared on purpose',
      code: `${decls}
let loading: Promise<void> | undefined;
export async function warm() {
  await mutex.runExclusive(() => {
    if (!loading) loading = save('warm');
  });
  await loading;
}`,
    },
    {
      name: 'an array of promises awaited with Promise.all, and a map() of plain values',
      code: `${decls}
export async function storeAll(values: number[]) {
  await mutex.runExclusive(async () => {
    await Promise.all(values.map((value) => save(value)));
    values.map((value) => value * 2);
  });
}`,
    },
    {
      name: 'awaited inside the section',
      code: `${decls}
export async function store(value: number) {
  await mutex.runExclusive(async () => {
    await save(value);
  });
}`,
    },
    {
      name: 'returned from a non-async callback, or as an arrow body',
      code: `${decls}
export function store(value: number) {
  return Promise.all([
    mutex.runExclusive(() => {
      log(value);
      return save(value);
    }),
    mutex.runExclusive(() => save(value)),
  ]);
}`,
    },
    {
      name: '`void` marks work meant to outlive the section',
      code: `${decls}
export async function store(value: number) {
  await mutex.runExclusive(async () => {
    void save(value);
    await save(value + 1);
  });
}`,
    },
    {
      name: 'kept in a variable and awaited later in the section, or given to Promise.all',
      code: `${decls}
export async function store(value: number) {
  await mutex.runExclusive(async () => {
    const first = save(value);
    const second = save(value + 1);
    await first;
    await Promise.all([second, save(value + 2)]);
  });
}`,
    },
    {
      name: 'stored for someone else to await: ownership leaves the section',
      code: `${decls}
export class Flusher {
  private readonly mutex = new Mutex();
  private pending?: Promise<void>;
  async flush(value: number) {
    await this.mutex.runExclusive(async () => {
      this.pending = save(value);
    });
  }
}`,
    },
    {
      name: 'started after the release: outside the section',
      code: `${decls}
export async function store(value: number) {
  const release = await mutex.acquire();
  try {
    await save(value);
  } finally {
    release();
  }
  save(value + 1).catch(log);
}`,
    },
    {
      name: "async-lock's callback mode holds the lock until done() is called",
      code: `${decls}
export function store(value: number) {
  asyncLock.acquire('store', (done) => {
    save(value).then(() => done(), done);
  });
}`,
    },
    {
      name: 'synchronous and untyped calls are not promises',
      code: `${decls}
export async function store(value: number) {
  await mutex.runExclusive(async () => {
    log(value);
    untyped.save(value);
    await save(value);
  });
}`,
    },
    {
      name: 'a floating promise in a callback nested in the section belongs to that callback',
      code: `${decls}
export async function store(value: number) {
  await mutex.runExclusive(async () => {
    await save(value);
    setTimeout(() => {
      save(value).catch(log);
    }, 10);
  });
}`,
    },
    {
      name: 'a promise created outside any lock',
      code: `${decls}
export function store(value: number) {
  save(value).catch(log);
}`,
    },
    {
      name: 'a mutex of the project’s own making is not a known lock',
      code: `${decls}
class Lock {
  runExclusive(callback: () => unknown) {
    return callback();
  }
}
export function store(value: number) {
  new Lock().runExclusive(() => {
    save(value).catch(log);
  });
}`,
    },
  ],
  invalid,
});

describeFixedOutputs(
  'no-unawaited-in-lock suggestion outputs',
  invalid.flatMap((testCase) => testCase.errors.flatMap((error) => (error.suggestions ?? []).map((suggestion) => suggestion.output))),
  6,
);
