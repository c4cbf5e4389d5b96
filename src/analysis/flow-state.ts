import type { TSESLint, TSESTree } from '@typescript-eslint/utils';

import type { StatePath } from './access-paths';

/** One read of shared state, identified by where it happens; a loop reads through the same fact each time round. */
export interface Fact {
  readonly id: number;
  readonly node: TSESTree.Node;
  readonly path: StatePath;
  /**
   * Set on a value's *guard* facts: the value was chosen by a check of that read
   * (`x || await load()` is `x` only when `x` was truthy), so a write of it depends on the check, not on the read.
   */
  readonly guardOf?: Fact;
}

/** The read a fact stands for (itself, or the read a guard fact was made from). */
export function readOf(fact: Fact): Fact {
  return fact.guardOf ?? fact;
}

/** A lock held at some point of the function. */
export interface HeldLock {
  readonly id: string;
  readonly label: string;
  /** Why this lock does not exclude other tasks (a Semaphore with several permits, a shared Web Lock …). */
  readonly notExclusiveBecause?: string;
  /** For an async-mutex mutex held through `receiver.runExclusive`: the receiver, which a fix can reuse. */
  readonly mutexReceiver?: TSESTree.Expression;
}

/** What happened to a read since it was made. */
export interface FactStatus {
  /** The first suspension after the read, or null while the read is fresh. */
  readonly suspension: TSESTree.Node | null;
  /** Exclusive locks held at the read and through every suspension since. */
  readonly protectedBy: ReadonlySet<string>;
  /** Locks (exclusive or not) held at the read, for explaining why a lock did not help. */
  readonly locksAtRead: ReadonlyMap<string, HeldLock>;
  /** The function itself wrote the state after this read (writing the read value back is then a rollback). */
  readonly superseded?: boolean;
}

/** What an expression evaluates to, as far as the analysis cares. */
export interface FlowValue {
  /** The reads of shared state the value was computed from. */
  readonly facts: ReadonlySet<Fact>;
  /**
   * The reads that decide *which* value it is (null, undefined, falsy, which object), when fewer than
   * `facts`: `new C(x)` or `{ a: x }` is a fresh object whatever `x` was, so `v == null`, `!v` or
   * `if (v)` do not check `x`, though `v.a` still reads it. Absent: all of `facts` (see `identityOf`).
   */
  readonly identity?: ReadonlySet<Fact>;
  /** The shared place the value *is* (an object reference), so that `v.x` reads `path.x`. */
  readonly alias?: StatePath;
  /** A releaser function for this lock (`const release = await mutex.acquire()`). */
  readonly releaserOf?: HeldLock;
  /** The value of `mutex.acquire()`: awaiting it takes the lock. */
  readonly acquires?: { lock: HeldLock; tuple: boolean };
  /** Resolves (once awaited) to a releaser, or to a `[value, releaser]` tuple. */
  readonly resolvedReleaser?: { lock: HeldLock; tuple: boolean };
}

export const NO_FACTS: ReadonlySet<Fact> = new Set();
export const EMPTY_VALUE: FlowValue = { facts: NO_FACTS };

/** The reads a test of the value's nullness, truthiness or identity depends on. */
export function identityOf(value: FlowValue): ReadonlySet<Fact> {
  return value.identity ?? value.facts;
}

/** Above this many facts a value keeps only the first and the last read of each state (see `compact`). */
const COMPACT_ABOVE = 32;

export function unionFacts(...sets: ReadonlyArray<ReadonlySet<Fact>>): ReadonlySet<Fact> {
  // The same set twice (both sides of a join kept a value) is that set.
  const nonEmpty = sets.filter((set, index) => set.size > 0 && sets.indexOf(set) === index);
  if (nonEmpty.length === 0) return NO_FACTS;
  if (nonEmpty.length === 1) return nonEmpty[0];
  const result = new Set<Fact>();
  for (const set of nonEmpty) for (const fact of set) result.add(fact);
  return result.size > COMPACT_ABOVE ? compact(result) : result;
}

/**
 * A value that folds in reads without bound (`total += s` in a long function) would make every copy
 * and join of the state cost its length, and the analysis quadratic. Of several reads of one state,
 * the first is the one a suspension made stale earliest and the last the one most likely re-read
 * after it, which is what the lost-update and stale-check decisions look at; the reads in between
 * add nothing those two do not, so they are dropped.
 */
function compact(facts: ReadonlySet<Fact>): ReadonlySet<Fact> {
  const ends = new Map<string, { first: Fact; last: Fact }>();
  for (const fact of facts) {
    const key = `${fact.guardOf ? 'guard' : 'value'}\u0000${fact.path.key}`;
    const known = ends.get(key);
    if (!known) ends.set(key, { first: fact, last: fact });
    else if (fact.id < known.first.id) known.first = fact;
    else if (fact.id > known.last.id) known.last = fact;
  }
  if (ends.size * 2 >= facts.size) return facts;
  const result = new Set<Fact>();
  for (const { first, last } of ends.values()) result.add(first).add(last);
  return result;
}

export function joinValues(a: FlowValue | undefined, b: FlowValue | undefined): FlowValue {
  if (!a) return b ?? EMPTY_VALUE;
  if (!b || a === b) return a;
  return {
    facts: unionFacts(a.facts, b.facts),
    identity: a.identity || b.identity ? unionFacts(identityOf(a), identityOf(b)) : undefined,
    alias: a.alias && b.alias && a.alias.key === b.alias.key ? a.alias : undefined,
    releaserOf: a.releaserOf && b.releaserOf && a.releaserOf.id === b.releaserOf.id ? a.releaserOf : undefined,
  };
}

function intersect(a: ReadonlySet<string>, b: ReadonlySet<string>): ReadonlySet<string> {
  if (a === b) return a;
  const result = new Set<string>();
  for (const item of a) if (b.has(item)) result.add(item);
  return result;
}

/** The analysis state at one point of a function: a "may" state, joined at control-flow merges. */
export class FlowState {
  /** `status` and `env` may grow to this size before what nothing refers to is dropped (see `forgetDeadReads`). */
  pruneAbove = 64;

  constructor(
    public status = new Map<Fact, FactStatus>(),
    // Annotated so the emitted .d.ts names the type through @typescript-eslint/utils (a dependency),
    // not through @typescript-eslint/scope-manager (which the package does not declare).
    public env: Map<TSESLint.Scope.Variable, FlowValue> = new Map(),
    /** Reads that decided whether this point is reached (conditions of enclosing branches and passed guards). */
    public checks = new Set<Fact>(),
    public held = new Map<string, HeldLock>(),
  ) {}

  clone(): FlowState {
    // The copies go to the constructor: a copy is made at every branch, and empty collections made
    // for it first and thrown away were a sixth of what cloning allocated.
    const copy = new FlowState(new Map(this.status), new Map(this.env), new Set(this.checks), new Map(this.held));
    copy.pruneAbove = this.pruneAbove;
    return copy;
  }

  exclusiveHeld(): ReadonlySet<string> {
    const ids = new Set<string>();
    for (const lock of this.held.values()) if (!lock.notExclusiveBecause) ids.add(lock.id);
    return ids;
  }

  /**
   * This state, for the path that skipped `subtree` (the right side of `a && b`, a branch of `?:`, a
   * callback that may not run), before it is joined with the path that evaluated it. A read inside
   * `subtree` has here only the status an earlier loop iteration left; unless a variable or check
   * still refers to that read, the status of the path that made it is the one that counts.
   */
  skipping(subtree: TSESTree.Node): FlowState {
    const [start, end] = subtree.range;
    // (Collected without a copy of every key: this runs at each `&&`, `?:` and callback.)
    let inside: Fact[] | undefined;
    for (const fact of this.status.keys()) {
      if (fact.node.range[0] >= start && fact.node.range[1] <= end) (inside ??= []).push(fact);
    }
    if (!inside) return this;
    const live = this.liveFacts();
    const copy = this.clone();
    for (const fact of inside) if (!live.has(readOf(fact)) && !live.has(fact)) copy.status.delete(fact);
    return copy;
  }

  /**
   * Between statements nothing but variables and checks refers to a read, so the status of any other
   * read can no longer decide a report: dropped, so that copying and joining states does not grow
   * with the length of the function. Done when the map has doubled since the last time, so it costs
   * O(1) per statement, amortised.
   */
  forgetDeadReads(at: TSESTree.Node): void {
    for (const variable of [...this.env.keys()]) {
      // A variable no code after this statement refers to (counting a loop around a use as a use at
      // its end) cannot be read any more: a loop's `const item` after the loop, a function's
      // `const seen` after its last use.
      if (lastUse(variable) <= at.range[1]) this.env.delete(variable);
    }
    const live = this.liveFacts();
    for (const fact of [...this.status.keys()]) if (!live.has(readOf(fact)) && !live.has(fact)) this.status.delete(fact);
    this.pruneAbove = Math.max(64, 2 * (this.status.size + this.env.size));
  }

  /** The size `pruneAbove` is measured against. */
  get size(): number {
    return this.status.size + this.env.size;
  }

  /** The reads this state still refers to: through its variables and its checks. */
  private liveFacts(): Set<Fact> {
    const live = new Set<Fact>(this.checks);
    for (const value of this.env.values()) {
      for (const fact of value.facts) live.add(readOf(fact));
      // A union of many reads keeps only some of them (`compact`): an identity may keep others.
      if (value.identity) for (const fact of value.identity) live.add(readOf(fact));
    }
    return live;
  }

  /**
   * Merge of two paths: a read is stale if it is stale on either, a lock held only if held on both.
   * Between statements nothing but variables and checks refers to a read, so a read that one path
   * no longer refers to takes its status from the other path alone (`mode: 'statement'`); inside an
   * expression, pending operands still refer to it (`mode: 'expression'`).
   */
  static join(a: FlowState | null, b: FlowState | null, mode: JoinMode = 'statement'): FlowState | null {
    if (!a) return b;
    if (!b) return a;
    return FlowState.joinInto(a.clone(), b, mode);
  }

  /** `join(out, b)`, made in `out` itself (a state the caller owns), without a copy. */
  static joinInto(out: FlowState, b: FlowState, mode: JoinMode = 'statement'): FlowState {
    const liveA = mode === 'statement' ? out.liveFacts() : undefined;
    const liveB = mode === 'statement' ? b.liveFacts() : undefined;
    for (const [fact, other] of b.status) {
      const mine = out.status.get(fact);
      if (!mine) {
        out.status.set(fact, other);
      } else if (mine !== other) {
        const inA = !liveA || liveA.has(fact);
        const inB = !liveB || liveB.has(fact);
        if (inA && !inB) continue;
        if (inB && !inA) {
          out.status.set(fact, other);
          continue;
        }
        out.status.set(fact, {
          suspension: mine.suspension ?? other.suspension,
          protectedBy: intersect(mine.protectedBy, other.protectedBy),
          locksAtRead: mine.locksAtRead.size <= other.locksAtRead.size ? mine.locksAtRead : other.locksAtRead,
          superseded: (mine.superseded ?? false) && (other.superseded ?? false),
        });
      }
    }
    for (const [variable, value] of b.env) out.env.set(variable, joinValues(out.env.get(variable), value));
    for (const variable of out.env.keys()) {
      if (!b.env.has(variable)) out.env.set(variable, joinValues(out.env.get(variable), undefined));
    }
    for (const fact of b.checks) out.checks.add(fact);
    for (const id of [...out.held.keys()]) if (!b.held.has(id)) out.held.delete(id);
    return out;
  }

  static joinAll(states: ReadonlyArray<FlowState | null>, mode: JoinMode = 'statement'): FlowState | null {
    return states.reduce<FlowState | null>((acc, state) => FlowState.join(acc, state, mode), null);
  }
}

export type JoinMode = 'statement' | 'expression';

const lastUses = new WeakMap<TSESLint.Scope.Variable, number>();

/**
 * Where the last reference to a variable ends; a reference inside a loop (within the variable's
 * scope) runs again until the loop ends, so it counts as a use at the end of its outermost such loop.
 */
function lastUse(variable: TSESLint.Scope.Variable): number {
  let last = lastUses.get(variable);
  if (last !== undefined) return last;
  last = 0;
  for (const reference of variable.references) last = Math.max(last, endThroughLoops(reference.identifier, variable.scope.block));
  lastUses.set(variable, last);
  return last;
}

/**
 * Where code at `node` last runs within `home` (a variable's scope): its end, or, inside a loop
 * within `home`, the end of the outermost such loop, which runs it again until then.
 */
export function endThroughLoops(node: TSESTree.Node, home: TSESTree.Node): number {
  let end = node.range[1];
  for (let current: TSESTree.Node | undefined = node.parent; current && current !== home; current = current.parent) {
    if (LOOPS.has(current.type)) end = Math.max(end, current.range[1]);
  }
  return end;
}

/** The statements that run their body again: a use inside one counts until it ends. */
export const LOOPS: ReadonlySet<string> = new Set(['ForStatement', 'ForInStatement', 'ForOfStatement', 'WhileStatement', 'DoWhileStatement']);
