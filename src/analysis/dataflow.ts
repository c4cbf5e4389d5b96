import type { TSESTree } from '@typescript-eslint/utils';

import {
  childPath,
  CONTAINER_APPENDS,
  CONTAINER_READ_WRITES,
  CONTAINER_READS,
  CONTAINER_WRITES,
  SYNC_CALLBACK_METHODS,
  CONTENTS,
  type ContainerKind,
  isSharedPath,
  memberSegment,
  overwrites,
  staticPropertyName,
  type StatePath,
} from './access-paths';
import {
  EMPTY_VALUE,
  type Fact,
  type FactStatus,
  FlowState,
  type FlowValue,
  type HeldLock,
  identityOf,
  joinValues,
  NO_FACTS,
  readOf,
  unionFacts,
} from './flow-state';
import type { LockCall, LockRecognizer } from './locks';
import type { SharedStateResolver } from './shared-state';
import { type FunctionNode, isAwaitUsing, isFunctionNode, yieldSuspends } from './suspensions';

export type LockProblem =
  /** The read and the suspension were under the lock, the write is not (or the lock was let go in between). */
  | { kind: 'releasedBeforeWrite'; lock: HeldLock }
  /** The write is under a lock taken after the read. */
  | { kind: 'readOutsideLock'; lock: HeldLock }
  /** The only lock around the sequence does not exclude other tasks. */
  | { kind: 'notExclusive'; lock: HeldLock }
  /** The sequence is under a lock, but another update of the same state holds a different one. */
  | { kind: 'differentLocks'; lock: string; otherLock: string; otherLine: number };

export interface RaceFinding {
  /** `lostUpdate`: the written value depends on the stale read; `staleCheck`: the write is guarded by it. */
  kind: 'lostUpdate' | 'staleCheck';
  write: TSESTree.Node;
  path: StatePath;
  read: TSESTree.Node;
  suspension: TSESTree.Node;
  lockProblem?: LockProblem;
  /** The analysed function the sequence is in. */
  unit: FunctionNode;
  /**
   * Of a lost update: the earliest check of the same state, made before the suspension, that also
   * guards the write (`if (!ctx.token) throw …; ctx.token = await renew(ctx.token)`). One report
   * per write names the lost update; a fix must hold the check as well, or it would be reported next.
   */
  staleCheck?: TSESTree.Node;
}

/** A read → suspend → write sequence that a lock made safe, kept to compare the locks of different writers. */
export interface GuardedUpdate {
  kind: RaceFinding['kind'];
  unit: FunctionNode;
  path: StatePath;
  write: TSESTree.Node;
  read: TSESTree.Node;
  suspension: TSESTree.Node;
  locks: readonly HeldLock[];
}

/** A call made while holding locks: a fix must not make the callee take one of them again. */
export interface CallUnderLock {
  call: TSESTree.CallExpression;
  locks: readonly HeldLock[];
}

export interface FlowContext {
  shared: SharedStateResolver;
  locks: LockRecognizer;
  /** Whether the receiver, the shared state at `path`, is a Map, a Set or an array (asked once per path). */
  containerKind(receiver: TSESTree.Expression, path: StatePath): ContainerKind | undefined;
  /** Lock callbacks analysed inline by their enclosing function, so not on their own. */
  inlined: WeakSet<FunctionNode>;
  findings: Map<TSESTree.Node, RaceFinding>;
  guarded: GuardedUpdate[];
  callsUnderLock: CallUnderLock[];
  facts: Map<TSESTree.Node, Map<string, Fact>>;
  /** How many facts were made: their ids (for debugging; facts are compared by identity). */
  factCount: number;
  /** The guard fact made from each read, and the facts standing for a read on a short-circuit path. */
  derivedFacts: Map<Fact, Map<string, Fact>>;
}

interface JumpFrame {
  kind: 'loop' | 'breakable' | 'function' | 'try';
  labels: readonly string[];
  breaks: FlowState[];
  continues: FlowState[];
  /** For inlined callbacks: states and values at `return`. */
  returns: Array<{ state: FlowState; value: FlowValue }>;
  /** For `try`: the join of the states from which the `catch` block may be entered (null: none yet). */
  thrown: FlowState | null;
}

/** A state from which the `catch` block may be entered, joined in place into the frame's (a copy is made only for the first one that is not `owned`). */
function addThrow(frame: JumpFrame, state: FlowState, owned: boolean): void {
  frame.thrown = frame.thrown ? FlowState.joinInto(frame.thrown, state) : owned ? state : state.clone();
}

const LOOP_PASSES = 2;

function newFrame(kind: JumpFrame['kind'], labels: readonly string[] = []): JumpFrame {
  return { kind, labels, breaks: [], continues: [], returns: [], thrown: null };
}

function unwrapExpression(node: TSESTree.Node): TSESTree.Node {
  let current = node;
  while (
    current.type === 'TSAsExpression' ||
    current.type === 'TSNonNullExpression' ||
    current.type === 'TSSatisfiesExpression' ||
    current.type === 'TSTypeAssertion' ||
    current.type === 'TSInstantiationExpression' ||
    current.type === 'ChainExpression'
  ) {
    current = current.expression;
  }
  return current;
}

/**
 * `a === b`, or `a == null`: compares which values they are (for objects, which object), not what
 * they hold. Loose equality with anything else may convert an object through its contents.
 */
function comparesIdentity(node: TSESTree.BinaryExpression): boolean {
  if (node.operator === '===' || node.operator === '!==') return true;
  if (node.operator !== '==' && node.operator !== '!=') return false;
  return [node.left, node.right].some(
    (side) => (side.type === 'Literal' && side.value === null) || (side.type === 'Identifier' && side.name === 'undefined'),
  );
}

/**
 * Walks one async function in evaluation order, tracking which values were computed from reads of
 * shared state, which of those reads have gone stale across a suspension, which conditions guard
 * each point, and which locks are held; and records every write that overwrites state from a stale
 * read (a lost update) or under a stale check. Lock callbacks are walked inline, where they run.
 */
export class FunctionFlow {
  private readonly frames: JumpFrame[] = [];
  private currentFunction: FunctionNode;

  constructor(
    private readonly ctx: FlowContext,
    private readonly unit: FunctionNode,
  ) {
    this.currentFunction = unit;
  }

  run(): void {
    const state = new FlowState();
    this.walkFunctionBody(this.unit, state);
  }

  // ---------------------------------------------------------------- functions

  private walkFunctionBody(
    fn: FunctionNode,
    state: FlowState,
    argumentValues: readonly FlowValue[] = [],
  ): { state: FlowState | null; value: FlowValue } {
    const outer = this.currentFunction;
    this.currentFunction = fn;
    const frame = newFrame('function');
    this.frames.push(frame);
    fn.params.forEach((param, index) => {
      const argument = argumentValues.at(index);
      if (argument && param.type === 'Identifier') this.bind(param, argument, state);
      else this.bindParameter(param, state);
    });
    let end: FlowState | null;
    let value: FlowValue = EMPTY_VALUE;
    if (fn.body.type === 'BlockStatement') {
      end = this.statement(fn.body, state);
    } else {
      value = this.expression(fn.body, state);
      end = state;
    }
    this.frames.pop();
    this.currentFunction = outer;
    for (const returned of frame.returns) value = joinValues(value, returned.value);
    // The returned values still refer to their reads: an expression-level join.
    return { state: FlowState.joinAll([end, ...frame.returns.map((returned) => returned.state)], 'expression'), value };
  }

  private bindParameter(param: TSESTree.Parameter, state: FlowState): void {
    switch (param.type) {
      case 'Identifier': {
        const binding = this.ctx.shared.classify(param, this.unit);
        if (binding.kind === 'param') state.env.set(binding.variable, { facts: NO_FACTS, alias: binding.path });
        else if (binding.kind === 'local') state.env.set(binding.variable, EMPTY_VALUE);
        return;
      }
      case 'AssignmentPattern':
        this.expression(param.right, state);
        this.bindParameter(param.left, state);
        return;
      case 'RestElement':
        this.bindParameter(param.argument as TSESTree.Parameter, state);
        return;
      case 'ObjectPattern':
        for (const property of param.properties) {
          this.bindParameter((property.type === 'Property' ? property.value : property) as TSESTree.Parameter, state);
        }
        return;
      case 'ArrayPattern':
        for (const element of param.elements) if (element) this.bindParameter(element as TSESTree.Parameter, state);
        return;
      case 'TSParameterProperty':
        this.bindParameter(param.parameter, state);
        return;
      default:
        return;
    }
  }

  // ---------------------------------------------------------------- suspensions, reads, writes

  private suspend(state: FlowState, at: TSESTree.Node): void {
    const held = state.exclusiveHeld();
    for (const [fact, status] of state.status) {
      const protectedBy = new Set([...status.protectedBy].filter((id) => held.has(id)));
      if (status.suspension && protectedBy.size === status.protectedBy.size) continue;
      state.status.set(fact, { ...status, suspension: status.suspension ?? at, protectedBy });
    }
    // A rejected await throws here: the catch block can start from this state.
    const tryFrame = this.innermost('try');
    if (tryFrame) addThrow(tryFrame, state, false);
  }

  private read(path: StatePath, node: TSESTree.Node, state: FlowState): Fact {
    let byPath = this.ctx.facts.get(node);
    if (!byPath) {
      byPath = new Map();
      this.ctx.facts.set(node, byPath);
    }
    let fact = byPath.get(path.key);
    if (!fact) {
      fact = { id: ++this.ctx.factCount, node, path };
      byPath.set(path.key, fact);
    }
    state.status.set(fact, {
      suspension: null,
      protectedBy: state.exclusiveHeld(),
      locksAtRead: new Map(state.held),
    });
    return fact;
  }

  /**
   * A write of `path` whose value (or key, or receiver) was computed from `dependencies`. Reports a
   * lost update when one of them is a stale read of the same state, otherwise a stale check when an
   * enclosing condition is; then the write claims the state: the checks of it are settled and the
   * reads of it are superseded.
   */
  private write(
    path: StatePath,
    node: TSESTree.Node,
    dependencies: ReadonlySet<Fact>,
    state: FlowState,
    options: { append?: boolean; restores?: StatePath } = {},
  ): void {
    if (!isSharedPath(path) || !this.ctx.shared.isConfirmedShared(path)) return;
    const values = [...dependencies].filter((fact) => !fact.guardOf);
    const guards = [...dependencies].filter((fact) => fact.guardOf).map(readOf);
    const lost = !options.append && this.checkLostUpdate(path, node, values, state, options.restores);
    if (!lost && !this.storesSharedInFlight(node)) this.checkStaleCheck(path, node, [...state.checks, ...guards], state);
    if (lost) this.noteStaleCheck(path, node, [...state.checks, ...guards], state);
    for (const [fact, status] of [...state.status]) {
      if (overwrites(path, fact.path) && !status.superseded) state.status.set(fact, { ...status, superseded: true });
    }
    // Writing a state this function just checked, before suspending, claims it (a busy flag, an
    // in-flight promise): concurrent callers now fail that check, so every check made so far is settled.
    const claims = [...state.checks].some((fact) => overwrites(path, fact.path) && !state.status.get(fact)?.suspension);
    if (claims) state.checks.clear();
    for (const fact of [...state.checks]) {
      if (overwrites(path, fact.path)) state.checks.delete(fact);
    }
  }

  private checkLostUpdate(
    path: StatePath,
    node: TSESTree.Node,
    dependencies: readonly Fact[],
    state: FlowState,
    restores: StatePath | undefined,
  ): boolean {
    const rollback = restores !== undefined && this.inCatchClause(node);
    const stale = dependencies.filter((fact) => {
      const status = state.status.get(fact);
      if (!status?.suspension || !overwrites(path, fact.path)) return false;
      // Putting back, when the work failed, what this function read before its own write is a
      // rollback. Putting it back on the normal path (`active = n` after `active = n + 1`) is not.
      return !(rollback && status.superseded && restores.key === fact.path.key);
    });
    // A value that also folds in the current state, re-read after the suspension
    // (`[...batch, ...this.items]`), loses nothing.
    const rereads = dependencies.filter((fact) => fact.path.key === path.key && !state.status.get(fact)?.suspension);
    const foldsCurrent = (fact: Fact): boolean => {
      const suspension = state.status.get(fact)?.suspension;
      return suspension !== undefined && suspension !== null && rereads.some((reread) => reread.node.range[0] > suspension.range[0]);
    };
    if (stale.length > 0 && stale.every(foldsCurrent)) return false;
    return this.recordStale('lostUpdate', path, node, stale, state);
  }

  /**
   * `x = await (xLoading ??= load())`: every caller that passed the check awaits the same in-flight
   * promise, so they all store the same value; the check no longer decides what is written.
   */
  private storesSharedInFlight(target: TSESTree.Node): boolean {
    const assignment = target.parent;
    if (assignment?.type !== 'AssignmentExpression' || unwrapExpression(assignment.left) !== target) return false;
    const awaited = unwrapExpression(assignment.right);
    if (awaited.type !== 'AwaitExpression') return false;
    const memo = unwrapExpression(awaited.argument);
    if (memo.type !== 'AssignmentExpression' || (memo.operator !== '??=' && memo.operator !== '||=')) return false;
    const holder = unwrapExpression(memo.left);
    if (holder.type === 'Identifier') return this.ctx.shared.classify(holder, this.unit).kind === 'shared';
    return holder.type === 'MemberExpression' && unwrapExpression(holder.object).type === 'ThisExpression' && this.ctx.shared.thisRoot(holder.object) !== undefined;
  }

  private inCatchClause(node: TSESTree.Node): boolean {
    for (let current = node.parent; current && current !== this.currentFunction; current = current.parent) {
      if (current.type === 'CatchClause') return true;
    }
    return false;
  }

  private checkStaleCheck(path: StatePath, node: TSESTree.Node, checks: readonly Fact[], state: FlowState): boolean {
    const stale = checks.filter((fact) => {
      const status = state.status.get(fact);
      return status?.suspension && overwrites(path, fact.path);
    });
    return this.recordStale('staleCheck', path, node, stale, state);
  }

  /** Keeps, on the lost update reported at `node`, the earliest stale check that guards it too (see `RaceFinding.staleCheck`). */
  private noteStaleCheck(path: StatePath, node: TSESTree.Node, checks: readonly Fact[], state: FlowState): void {
    const finding = this.ctx.findings.get(node);
    if (finding?.kind !== 'lostUpdate') return;
    const held = state.exclusiveHeld();
    for (const fact of checks) {
      const status = state.status.get(fact);
      if (!status?.suspension || !overwrites(path, fact.path)) continue;
      if ([...status.protectedBy].some((id) => held.has(id))) continue;
      if (!finding.staleCheck || fact.node.range[0] < finding.staleCheck.range[0]) finding.staleCheck = fact.node;
    }
  }

  private recordStale(
    kind: RaceFinding['kind'],
    path: StatePath,
    node: TSESTree.Node,
    stale: readonly Fact[],
    state: FlowState,
  ): boolean {
    const held = state.exclusiveHeld();
    for (const fact of stale) {
      const status = state.status.get(fact);
      if (!status?.suspension) continue;
      const guards = [...status.protectedBy].filter((id) => held.has(id));
      if (guards.length > 0) {
        this.ctx.guarded.push({
          kind,
          unit: this.unit,
          path,
          write: node,
          read: fact.node,
          suspension: status.suspension,
          locks: guards.map((id) => state.held.get(id)).filter((lock): lock is HeldLock => lock !== undefined),
        });
        continue;
      }
      if (!this.ctx.findings.has(node)) {
        this.ctx.findings.set(node, {
          kind,
          write: node,
          path,
          read: fact.node,
          suspension: status.suspension,
          lockProblem: this.lockProblem(status, state),
          unit: this.unit,
        });
      }
      return true;
    }
    return false;
  }

  private lockProblem(status: FactStatus, state: FlowState): LockProblem | undefined {
    for (const [id, lock] of status.locksAtRead) {
      if (!lock.notExclusiveBecause && (!state.held.has(id) || !status.protectedBy.has(id))) {
        return { kind: 'releasedBeforeWrite', lock };
      }
    }
    for (const lock of state.held.values()) {
      if (!lock.notExclusiveBecause && !status.locksAtRead.has(lock.id)) return { kind: 'readOutsideLock', lock };
    }
    for (const lock of state.held.values()) {
      if (lock.notExclusiveBecause) return { kind: 'notExclusive', lock };
    }
    return undefined;
  }

  /** A condition was evaluated: a fresh re-read compared with a stale one re-validates it (optimistic concurrency). */
  private condition(test: TSESTree.Expression, state: FlowState): ReadonlySet<Fact> {
    const value = this.expression(test, state);
    const reads = new Set([...identityOf(value)].map(readOf));
    const fresh: Fact[] = [];
    const stale: Fact[] = [];
    for (const fact of reads) {
      const status = state.status.get(fact);
      if (!status) continue;
      (status.suspension ? stale : fresh).push(fact);
    }
    for (const staleFact of stale) {
      if (fresh.some((freshFact) => overwrites(freshFact.path, staleFact.path) || overwrites(staleFact.path, freshFact.path))) {
        const status = state.status.get(staleFact);
        if (status) state.status.set(staleFact, { ...status, suspension: null, protectedBy: state.exclusiveHeld() });
      }
    }
    return reads;
  }

  private derived(fact: Fact, key: string, make: () => Fact): Fact {
    let byKey = this.ctx.derivedFacts.get(fact);
    if (!byKey) {
      byKey = new Map();
      this.ctx.derivedFacts.set(fact, byKey);
    }
    let derived = byKey.get(key);
    if (!derived) {
      derived = make();
      byKey.set(key, derived);
    }
    return derived;
  }

  /** The facts of a value that was chosen by checking them: guards, not values. */
  private asGuards(facts: ReadonlySet<Fact>): ReadonlySet<Fact> {
    if (facts.size === 0) return facts;
    return new Set(
      [...facts].map((fact) => {
        const read = readOf(fact);
        return this.derived(read, 'guard', () => ({ ...read, id: -read.id, guardOf: read }));
      }),
    );
  }

  /**
   * The facts of a value on a short-circuit path (`x` in `x || await load()`): the same reads, with the
   * status they have on that path only, so a suspension on the other path does not make them stale.
   */
  private onShortCircuit(facts: ReadonlySet<Fact>, at: TSESTree.Node, state: FlowState): ReadonlySet<Fact> {
    const result = new Set<Fact>();
    for (const fact of facts) {
      const status = state.status.get(fact);
      if (fact.guardOf || !status) {
        result.add(fact);
        continue;
      }
      const shadow = this.derived(fact, `short:${at.range[0]}`, () => ({ ...fact, id: -fact.id - 0.5 }));
      state.status.set(shadow, status);
      result.add(shadow);
    }
    return result;
  }

  /** Enter a branch guarded by `checks`; a fresh check supersedes stale checks of the same state. */
  private guard(state: FlowState, checks: ReadonlySet<Fact>): void {
    // The stale checks in force, by the key of their path: a fresh check of a path supersedes the
    // stale checks of that path and of every path it lies in (the ones that `overwrites` it).
    let staleByKey: Map<string, Fact[]> | undefined;
    for (const fact of checks) {
      const status = state.status.get(fact);
      if (!status) continue;
      if (!status.suspension) {
        staleByKey ??= this.staleChecksByKey(state);
        let key = fact.path.root;
        for (let i = 0; ; i++) {
          for (const existing of staleByKey.get(key) ?? []) if (existing !== fact) state.checks.delete(existing);
          if (i === fact.path.segments.length) break;
          key += `\u0000${fact.path.segments[i]}`;
        }
      } else if (staleByKey) {
        const list = staleByKey.get(fact.path.key);
        if (list) list.push(fact);
        else staleByKey.set(fact.path.key, [fact]);
      }
      state.checks.add(fact);
    }
  }

  private staleChecksByKey(state: FlowState): Map<string, Fact[]> {
    const byKey = new Map<string, Fact[]>();
    for (const existing of state.checks) {
      if (!state.status.get(existing)?.suspension) continue;
      const list = byKey.get(existing.path.key);
      if (list) list.push(existing);
      else byKey.set(existing.path.key, [existing]);
    }
    return byKey;
  }

  /** Leave the branches of a condition that both reach the join: their guards no longer decide anything. */
  private unguard(state: FlowState | null, before: ReadonlySet<Fact>, checks: ReadonlySet<Fact>): void {
    if (!state) return;
    for (const fact of checks) if (!before.has(fact)) state.checks.delete(fact);
  }

  // ---------------------------------------------------------------- statements

  private statements(list: readonly TSESTree.Node[], state: FlowState | null): FlowState | null {
    let awaitUsing: TSESTree.Node | undefined;
    for (const statement of list) {
      if (!state) return null;
      if (isAwaitUsing(statement)) awaitUsing = statement;
      state = this.statement(statement, state);
      if (state && state.size > state.pruneAbove && this.outsideExpressions(statement)) state.forgetDeadReads(statement);
    }
    if (state && awaitUsing) this.suspend(state, awaitUsing);
    return state;
  }

  /**
   * Whether only statements enclose `node` up to the analysed function: not an inlined callback
   * (`items.map((item) => { … })`, a lock callback), where operands of the enclosing expression are
   * still pending and refer to reads no variable holds.
   */
  private outsideExpressions(node: TSESTree.Node): boolean {
    for (let current = node.parent; current && current !== this.unit; current = current.parent) {
      if (isFunctionNode(current)) return false;
    }
    return true;
  }

  private statement(node: TSESTree.Node, state: FlowState): FlowState | null {
    switch (node.type) {
      case 'BlockStatement':
      case 'StaticBlock':
        this.freshBindings(node.body, state);
        return this.statements(node.body, state);
      case 'ExpressionStatement':
        this.expression(node.expression, state);
        return state;
      case 'VariableDeclaration':
        for (const declarator of node.declarations) {
          const value = declarator.init ? this.expression(declarator.init, state) : EMPTY_VALUE;
          this.bind(declarator.id, value, state);
        }
        return state;
      case 'IfStatement': {
        const checks = this.condition(node.test, state);
        const before = new Set(state.checks);
        const thenState = state.clone();
        this.guard(thenState, checks);
        const elseState = state;
        this.guard(elseState, checks);
        const thenEnd = this.statement(node.consequent, thenState);
        const elseEnd = node.alternate ? this.statement(node.alternate, elseState) : elseState;
        if (thenEnd && elseEnd) {
          const joined = FlowState.join(thenEnd, elseEnd);
          this.unguard(joined, before, checks);
          return joined;
        }
        return thenEnd ?? elseEnd;
      }
      case 'ReturnStatement': {
        const value = node.argument ? this.expression(node.argument, state) : EMPTY_VALUE;
        const frame = this.innermost('function');
        frame?.returns.push({ state, value });
        return null;
      }
      case 'ThrowStatement': {
        this.expression(node.argument, state);
        const frame = this.innermost('try');
        if (frame) addThrow(frame, state, true);
        return null;
      }
      case 'BreakStatement':
      case 'ContinueStatement': {
        const label = node.label?.name;
        for (let i = this.frames.length - 1; i >= 0; i--) {
          const frame = this.frames[i];
          if (frame.kind === 'function') break;
          const matches = label
            ? frame.labels.includes(label) && (node.type === 'BreakStatement' || frame.kind === 'loop')
            : frame.kind === 'loop' || (node.type === 'BreakStatement' && frame.kind === 'breakable' && frame.labels.length === 0);
          if (matches) {
            (node.type === 'BreakStatement' ? frame.breaks : frame.continues).push(state);
            break;
          }
        }
        return null;
      }
      case 'LabeledStatement':
        return this.labeled(node, state, []);
      case 'WhileStatement':
      case 'DoWhileStatement':
      case 'ForStatement':
      case 'ForInStatement':
      case 'ForOfStatement':
        return this.loop(node, state, []);
      case 'SwitchStatement':
        return this.switchStatement(node, state, []);
      case 'TryStatement':
        return this.tryStatement(node, state);
      case 'FunctionDeclaration':
      case 'ClassDeclaration':
      case 'EmptyStatement':
      case 'DebuggerStatement':
      case 'TSTypeAliasDeclaration':
      case 'TSInterfaceDeclaration':
      case 'TSEnumDeclaration':
      case 'TSModuleDeclaration':
      case 'TSDeclareFunction':
      case 'ImportDeclaration':
      case 'TSImportEqualsDeclaration':
        return state;
      case 'WithStatement':
        this.expression(node.object, state);
        return this.statement(node.body, state);
      default:
        return state;
    }
  }

  private labeled(node: TSESTree.LabeledStatement, state: FlowState, outerLabels: readonly string[]): FlowState | null {
    const labels = [...outerLabels, node.label.name];
    const body = node.body;
    switch (body.type) {
      case 'WhileStatement':
      case 'DoWhileStatement':
      case 'ForStatement':
      case 'ForInStatement':
      case 'ForOfStatement':
        return this.loop(body, state, labels);
      case 'SwitchStatement':
        return this.switchStatement(body, state, labels);
      case 'LabeledStatement':
        return this.labeled(body, state, labels);
      default: {
        const frame = newFrame('breakable', labels);
        this.frames.push(frame);
        const end = this.statement(body, state);
        this.frames.pop();
        return FlowState.joinAll([end, ...frame.breaks]);
      }
    }
  }

  private loop(
    node: TSESTree.WhileStatement | TSESTree.DoWhileStatement | TSESTree.ForStatement | TSESTree.ForInStatement | TSESTree.ForOfStatement,
    state: FlowState,
    labels: readonly string[],
  ): FlowState | null {
    let iterated: FlowValue | undefined;
    if (node.type === 'ForStatement' && node.init) {
      if (node.init.type === 'VariableDeclaration') this.statement(node.init, state);
      else this.expression(node.init, state);
    }
    if (node.type === 'ForInStatement' || node.type === 'ForOfStatement') {
      iterated = this.expression(node.right, state);
    }
    const before = new Set(state.checks);
    let head: FlowState = state;
    let exits: Array<FlowState | null> = [];
    for (let pass = 0; pass < LOOP_PASSES; pass++) {
      const frame = newFrame('loop', labels);
      this.frames.push(frame);
      const bodyState: FlowState | null = head.clone();
      let exitState: FlowState | null = null;
      if (node.type === 'WhileStatement' || node.type === 'ForStatement') {
        const checks = node.test ? this.condition(node.test, bodyState) : NO_FACTS;
        exitState = node.test ? bodyState.clone() : null;
        // Leaving the loop is decided by the same test: a fresh test supersedes a stale check of the state.
        if (exitState) this.guard(exitState, checks);
        this.guard(bodyState, checks);
      } else if (node.type === 'ForInStatement' || node.type === 'ForOfStatement') {
        exitState = bodyState.clone();
        if (node.type === 'ForOfStatement' && node.await) this.suspend(bodyState, node);
        const element: FlowValue =
          node.type === 'ForOfStatement' && iterated?.alias
            ? { facts: iterated.facts, alias: childPath(iterated.alias, CONTENTS) }
            : { facts: iterated?.facts ?? NO_FACTS };
        if (node.left.type === 'VariableDeclaration') {
          for (const declarator of node.left.declarations) this.bind(declarator.id, element, bodyState);
        } else {
          this.assignTo(node.left, element, bodyState);
        }
      }
      let end = this.statement(node.body, bodyState);
      end = FlowState.joinAll([end, ...frame.continues]);
      if (end && node.type === 'ForStatement' && node.update) {
        // The update runs before the test is evaluated again: this iteration's checks no longer decide it.
        end.checks = new Set(before);
        this.expression(node.update, end);
      }
      if (end && node.type === 'DoWhileStatement') {
        const checks = this.condition(node.test, end);
        exitState = end.clone();
        this.guard(exitState, checks);
        this.guard(end, checks);
      }
      this.frames.pop();
      exits = [exitState, ...frame.breaks];
      if (!end) break;
      head = FlowState.join(state, end) ?? state;
      // The next iteration re-evaluates its guards: checks made in this one do not carry over.
      head.checks = new Set(state.checks);
    }
    const out = FlowState.joinAll(exits);
    if (out) for (const fact of [...out.checks]) if (!before.has(fact)) out.checks.delete(fact);
    return out;
  }

  private switchStatement(node: TSESTree.SwitchStatement, state: FlowState, labels: readonly string[]): FlowState | null {
    const checks = this.condition(node.discriminant, state);
    const before = new Set(state.checks);
    const frame = newFrame('breakable', labels);
    this.frames.push(frame);
    let fallthrough: FlowState | null = null;
    let hasDefault = false;
    for (const switchCase of node.cases) {
      const entry = state.clone();
      if (switchCase.test) this.expression(switchCase.test, entry);
      else hasDefault = true;
      this.guard(entry, checks);
      fallthrough = this.statements(switchCase.consequent, FlowState.join(entry, fallthrough));
    }
    this.frames.pop();
    const out = FlowState.joinAll([fallthrough, ...frame.breaks, hasDefault ? null : state]);
    this.unguard(out, before, checks);
    return out;
  }

  private tryStatement(node: TSESTree.TryStatement, state: FlowState): FlowState | null {
    const entryChecks = new Set(state.checks);
    const frame = newFrame('try');
    addThrow(frame, state, false);
    this.frames.push(frame);
    const tryEnd = this.statement(node.block, state);
    this.frames.pop();
    let normal = tryEnd;
    if (node.handler) {
      // The catch block changes its entry state; the finally block below may need it as it was.
      const catchEntry = node.finalizer ? (frame.thrown?.clone() ?? null) : frame.thrown;
      if (catchEntry) {
        if (node.handler.param) this.bind(node.handler.param, EMPTY_VALUE, catchEntry);
        normal = FlowState.join(tryEnd, this.statement(node.handler.body, catchEntry));
      }
    }
    if (!node.finalizer) return normal;
    if (normal) {
      // The finally block runs however the try block ended: a check that only chose between ending
      // normally and throwing (`if (late) throw …`) does not guard it, though it still guards what follows.
      const decidedInTry = [...normal.checks].filter((fact) => !entryChecks.has(fact));
      normal.checks = new Set([...normal.checks].filter((fact) => entryChecks.has(fact)));
      const end = this.statement(node.finalizer, normal);
      if (end) for (const fact of decidedInTry) end.checks.add(fact);
      return end;
    }
    // Every path left through return/throw: the finally block still runs, but nothing follows it here.
    const abrupt = frame.thrown;
    if (abrupt) {
      abrupt.checks = new Set([...abrupt.checks].filter((fact) => entryChecks.has(fact)));
      this.statement(node.finalizer, abrupt);
    }
    return null;
  }

  private innermost(kind: 'function' | 'try'): JumpFrame | undefined {
    for (let i = this.frames.length - 1; i >= 0; i--) {
      const frame = this.frames[i];
      if (frame.kind === kind) return frame;
      if (frame.kind === 'function') return undefined;
    }
    return undefined;
  }

  // ---------------------------------------------------------------- bindings

  /**
   * Entering a block makes new bindings of its `let`, `const` and `class` names: what the names of
   * an earlier pass held (the last loop iteration, the last call of a lock callback in a loop) is
   * gone, and so is its hold on reads made then, which a join would otherwise take for live.
   */
  private freshBindings(body: readonly TSESTree.Node[], state: FlowState): void {
    if (state.env.size === 0) return;
    for (const statement of body) {
      const declaration = statement.type === 'ExportNamedDeclaration' ? statement.declaration : statement;
      if (declaration?.type === 'ClassDeclaration') {
        for (const variable of this.ctx.shared.declaredBy(declaration)) state.env.delete(variable);
      }
      if (declaration?.type !== 'VariableDeclaration' || declaration.kind === 'var') continue;
      for (const declarator of declaration.declarations) {
        for (const variable of this.ctx.shared.declaredBy(declarator)) state.env.delete(variable);
      }
    }
  }

  /** Declares the names of a pattern with parts of `value`. */
  private bind(pattern: TSESTree.Node, value: FlowValue, state: FlowState): void {
    switch (pattern.type) {
      case 'Identifier': {
        const binding = this.ctx.shared.classify(pattern, this.unit);
        if (binding.kind === 'local' || binding.kind === 'param') {
          state.env.set(binding.variable, this.bindingValue(value));
        } else if (binding.kind === 'shared') {
          this.write(binding.path, pattern, value.facts, state, { restores: value.alias });
        }
        return;
      }
      case 'ObjectPattern':
        for (const property of pattern.properties) {
          if (property.type === 'RestElement') {
            this.bind(property.argument, { facts: value.facts }, state);
            continue;
          }
          let segment: string | undefined;
          if (!property.computed && property.key.type === 'Identifier') segment = property.key.name;
          else if (property.key.type === 'Literal') segment = String(property.key.value);
          else this.expression(property.key, state);
          this.bind(property.value, this.member(value, segment ?? CONTENTS, property, state), state);
        }
        return;
      case 'ArrayPattern':
        pattern.elements.forEach((element, index) => {
          if (!element) return;
          if (element.type === 'RestElement') {
            this.bind(element.argument, { facts: value.facts }, state);
            return;
          }
          const releaser = value.resolvedReleaser?.tuple && index === 1 ? value.resolvedReleaser.lock : undefined;
          this.bind(
            element,
            releaser ? { facts: NO_FACTS, releaserOf: releaser } : this.member(value, CONTENTS, element, state),
            state,
          );
        });
        return;
      case 'AssignmentPattern': {
        const withDefault = state.clone();
        const fallback = this.expression(pattern.right, withDefault);
        const merged = FlowState.join(state, withDefault, 'expression');
        if (merged) Object.assign(state, merged);
        this.bind(pattern.left, joinValues(value, fallback), state);
        return;
      }
      case 'RestElement':
        this.bind(pattern.argument, value, state);
        return;
      case 'MemberExpression':
        this.assignTo(pattern, value, state);
        return;
      default:
        return;
    }
  }

  private bindingValue(value: FlowValue): FlowValue {
    if (value.resolvedReleaser && !value.resolvedReleaser.tuple) {
      return { facts: value.facts, releaserOf: value.resolvedReleaser.lock };
    }
    return value;
  }

  /** Reads `value[segment]`: a read of shared state when `value` is a shared object. */
  private member(value: FlowValue, segment: string, node: TSESTree.Node, state: FlowState): FlowValue {
    if (!value.alias) return { facts: value.facts };
    const path = childPath(value.alias, segment);
    const fact = this.read(path, node, state);
    return { facts: unionFacts(value.facts, new Set([fact])), alias: path };
  }

  /** Assigns to an assignment target (identifier, member, pattern). */
  private assignTo(target: TSESTree.Node, value: FlowValue, state: FlowState): void {
    const node = unwrapExpression(target);
    if (node.type === 'MemberExpression') {
      const object = this.expression(node.object, state);
      const key = node.computed ? this.expression(node.property, state) : EMPTY_VALUE;
      if (object.alias) {
        this.write(childPath(object.alias, memberSegment(node)), node, unionFacts(value.facts, key.facts, object.facts), state);
      }
      return;
    }
    this.bind(node, value, state);
  }

  // ---------------------------------------------------------------- expressions

  private expression(node: TSESTree.Node, state: FlowState): FlowValue {
    switch (node.type) {
      case 'Identifier':
        return this.identifier(node, state);
      case 'ThisExpression': {
        const root = this.ctx.shared.thisRoot(node);
        return root ? { facts: NO_FACTS, alias: root } : EMPTY_VALUE;
      }
      case 'Literal':
      case 'Super':
      case 'MetaProperty':
      case 'PrivateIdentifier':
      case 'ArrowFunctionExpression':
      case 'FunctionExpression':
      case 'ClassExpression':
        return EMPTY_VALUE;
      case 'TemplateLiteral':
        return this.union(node.expressions, state);
      case 'TaggedTemplateExpression':
        return { facts: unionFacts(this.expression(node.tag, state).facts, this.union(node.quasi.expressions, state).facts) };
      case 'ArrayExpression': {
        const elements = node.elements.filter((element): element is NonNullable<typeof element> => element !== null);
        return { facts: this.union(elements, state).facts, identity: NO_FACTS };
      }
      case 'ObjectExpression': {
        const parts: FlowValue[] = [];
        for (const property of node.properties) {
          if (property.type === 'SpreadElement') {
            parts.push(this.expression(property.argument, state));
          } else {
            if (property.computed) parts.push(this.expression(property.key, state));
            parts.push(this.expression(property.value, state));
          }
        }
        return { facts: unionFacts(...parts.map((part) => part.facts)), identity: NO_FACTS };
      }
      case 'SpreadElement':
        return { facts: this.expression(node.argument, state).facts };
      case 'MemberExpression':
        return this.memberExpression(node, state);
      case 'ChainExpression':
      case 'TSAsExpression':
      case 'TSNonNullExpression':
      case 'TSSatisfiesExpression':
      case 'TSTypeAssertion':
      case 'TSInstantiationExpression':
        return this.expression(node.expression, state);
      case 'CallExpression':
        return this.call(node, state);
      case 'NewExpression':
        this.expression(node.callee, state);
        return { facts: this.union(node.arguments, state).facts, identity: NO_FACTS };
      case 'AwaitExpression': {
        const value = this.expression(node.argument, state);
        this.suspend(state, node);
        if (value.acquires) {
          state.held.set(value.acquires.lock.id, value.acquires.lock);
          return { facts: NO_FACTS, resolvedReleaser: value.acquires };
        }
        return { facts: value.facts };
      }
      case 'YieldExpression': {
        const value = node.argument ? this.expression(node.argument, state) : EMPTY_VALUE;
        if (yieldSuspends(this.currentFunction)) this.suspend(state, node);
        return { facts: value.facts };
      }
      case 'AssignmentExpression':
        return this.assignment(node, state);
      case 'UpdateExpression': {
        const target = unwrapExpression(node.argument);
        const current = this.expression(target, state);
        this.assignTo(target, { facts: current.facts }, state);
        return { facts: current.facts };
      }
      case 'UnaryExpression': {
        const argument = unwrapExpression(node.argument);
        if (node.operator === 'delete' && argument.type === 'MemberExpression') {
          const object = this.expression(argument.object, state);
          const key = argument.computed ? this.expression(argument.property, state) : EMPTY_VALUE;
          if (object.alias) {
            this.write(childPath(object.alias, memberSegment(argument)), argument, unionFacts(key.facts, object.facts), state);
          }
          return EMPTY_VALUE;
        }
        const operand = this.expression(node.argument, state);
        return { facts: node.operator === '!' ? identityOf(operand) : operand.facts };
      }
      case 'BinaryExpression': {
        if (node.operator === 'in') return this.inOperator(node, state);
        const left = this.expression(node.left, state);
        const right = this.expression(node.right, state);
        if (comparesIdentity(node)) return { facts: unionFacts(identityOf(left), identityOf(right)) };
        return { facts: unionFacts(left.facts, right.facts) };
      }
      case 'LogicalExpression': {
        const left = this.expression(node.left, state);
        const checks = new Set([...identityOf(left)].map(readOf));
        const before = new Set(state.checks);
        const rightState = state.clone();
        this.guard(rightState, checks);
        const right = this.expression(node.right, rightState);
        this.unguard(rightState, before, checks);
        // The left value is the result only on the path that skipped the right side.
        const shortCircuit = this.onShortCircuit(left.facts, node, state);
        for (const fact of shortCircuit) if (!left.facts.has(fact)) rightState.status.delete(fact);
        const joined = FlowState.join(state.skipping(node.right), rightState, 'expression');
        if (joined) this.replace(state, joined);
        const guards = this.asGuards(checks);
        const identity =
          left.identity || right.identity
            ? unionFacts(left.identity ? this.onShortCircuit(left.identity, node, state) : shortCircuit, identityOf(right), guards)
            : undefined;
        return { facts: unionFacts(shortCircuit, right.facts, guards), identity };
      }
      case 'ConditionalExpression': {
        const test = this.condition(node.test, state);
        const before = new Set(state.checks);
        const thenState = state.clone();
        this.guard(thenState, test);
        this.guard(state, test);
        const whenTrue = this.expression(node.consequent, thenState);
        const whenFalse = this.expression(node.alternate, state);
        const joined = FlowState.join(thenState.skipping(node.alternate), state.skipping(node.consequent), 'expression');
        if (joined) {
          this.unguard(joined, before, test);
          this.replace(state, joined);
        }
        const guards = this.asGuards(test);
        const identity =
          whenTrue.identity || whenFalse.identity ? unionFacts(guards, identityOf(whenTrue), identityOf(whenFalse)) : undefined;
        return { facts: unionFacts(guards, whenTrue.facts, whenFalse.facts), identity };
      }
      case 'SequenceExpression': {
        let last: FlowValue = EMPTY_VALUE;
        for (const expression of node.expressions) last = this.expression(expression, state);
        return last;
      }
      case 'ImportExpression':
        return { facts: this.expression(node.source, state).facts };
      default:
        return EMPTY_VALUE;
    }
  }

  /** `key in object` reads whether the object has that key. */
  private inOperator(node: TSESTree.BinaryExpression, state: FlowState): FlowValue {
    const key = this.expression(node.left, state);
    const object = this.expression(node.right, state);
    const name = node.left.type === 'Literal' && typeof node.left.value === 'string' ? node.left.value : CONTENTS;
    return { facts: unionFacts(key.facts, this.member(object, name, node, state).facts) };
  }

  private replace(state: FlowState, next: FlowState): void {
    state.status = next.status;
    state.env = next.env;
    state.checks = next.checks;
    state.held = next.held;
  }

  private union(nodes: readonly TSESTree.Node[], state: FlowState): FlowValue {
    return { facts: unionFacts(...nodes.map((node) => this.expression(node, state).facts)) };
  }

  private identifier(node: TSESTree.Identifier, state: FlowState): FlowValue {
    if (node.name === 'undefined') return EMPTY_VALUE;
    const binding = this.ctx.shared.classify(node, this.unit);
    switch (binding.kind) {
      case 'local':
        return state.env.get(binding.variable) ?? EMPTY_VALUE;
      case 'param':
        return state.env.get(binding.variable) ?? { facts: NO_FACTS, alias: binding.path };
      case 'shared': {
        if (!binding.path.rootShared) return { facts: NO_FACTS, alias: binding.path };
        const fact = this.read(binding.path, node, state);
        return { facts: new Set([fact]), alias: binding.path };
      }
      case 'none':
        return EMPTY_VALUE;
    }
  }

  private memberExpression(node: TSESTree.MemberExpression, state: FlowState): FlowValue {
    const object = this.expression(node.object, state);
    const key = node.computed ? this.expression(node.property, state) : EMPTY_VALUE;
    const value = this.member(object, memberSegment(node), node, state);
    return key.facts.size > 0 ? { facts: unionFacts(value.facts, key.facts), alias: value.alias } : value;
  }

  private assignment(node: TSESTree.AssignmentExpression, state: FlowState): FlowValue {
    const target = unwrapExpression(node.left);
    if (node.operator === '=') {
      if (target.type === 'MemberExpression') {
        const object = this.expression(target.object, state);
        const key = target.computed ? this.expression(target.property, state) : EMPTY_VALUE;
        const value = this.expression(node.right, state);
        if (object.alias) {
          this.write(childPath(object.alias, memberSegment(target)), target, unionFacts(value.facts, key.facts, object.facts), state, {
            restores: value.alias,
          });
        }
        return value;
      }
      const value = this.expression(node.right, state);
      this.bind(target, value, state);
      return value;
    }
    // Compound and logical assignment: the target is read before the right side is evaluated.
    let object: FlowValue = EMPTY_VALUE;
    let key: FlowValue = EMPTY_VALUE;
    let current: FlowValue;
    if (target.type === 'MemberExpression') {
      object = this.expression(target.object, state);
      key = target.computed ? this.expression(target.property, state) : EMPTY_VALUE;
      current = this.member(object, memberSegment(target), target, state);
    } else {
      current = this.expression(target, state);
    }
    const store = (value: FlowValue, at: FlowState): void => {
      if (target.type === 'MemberExpression') {
        if (object.alias) {
          this.write(childPath(object.alias, memberSegment(target)), target, unionFacts(value.facts, key.facts, object.facts), at);
        }
      } else {
        this.bind(target, value, at);
      }
    };
    if (node.operator === '&&=' || node.operator === '||=' || node.operator === '??=') {
      const before = new Set(state.checks);
      const assigning = state.clone();
      const checks = identityOf(current);
      this.guard(assigning, checks);
      const value = this.expression(node.right, assigning);
      store(value, assigning);
      this.unguard(assigning, before, checks);
      const joined = FlowState.join(state.skipping(node.right), assigning, 'expression');
      if (joined) this.replace(state, joined);
      return joinValues(current, value);
    }
    const right = this.expression(node.right, state);
    const value = { facts: unionFacts(current.facts, right.facts) };
    store(value, state);
    return value;
  }

  private call(node: TSESTree.CallExpression, state: FlowState): FlowValue {
    if (state.held.size > 0) this.ctx.callsUnderLock.push({ call: node, locks: [...state.held.values()] });
    if (this.ctx.locks.mayBeLockCall(node)) {
      const lockCall = this.ctx.locks.recognize(node);
      if (lockCall) return this.lockCall(node, lockCall, state);
    }
    const callee = unwrapExpression(node.callee);
    if (callee.type === 'Identifier') {
      // Only a local releaser (`release()`) matters about the function called; an imported one is
      // not even classified, which would ask the checker what the import is.
      const calleeValue = this.ctx.shared.variableOf(callee)?.defs[0]?.type === 'ImportBinding' ? EMPTY_VALUE : this.expression(callee, state);
      const args = this.union(node.arguments, state);
      if (calleeValue.releaserOf) state.held.delete(calleeValue.releaserOf.id);
      return args;
    }
    if (callee.type === 'MemberExpression') {
      const receiverNode = callee.object;
      const receiver = this.expression(receiverNode, state);
      const key = callee.computed ? this.expression(callee.property, state) : EMPTY_VALUE;
      const method = staticPropertyName(callee);
      if (method === 'assign' && receiverNode.type === 'Identifier' && receiverNode.name === 'Object' && node.arguments.length > 0) {
        return this.objectAssign(node, state);
      }
      let args = this.union(node.arguments, state);
      if (method !== undefined && SYNC_CALLBACK_METHODS.has(method)) {
        args = { facts: unionFacts(args.facts, this.syncCallbacks(node, receiver, state)) };
      }
      const kind = receiver.alias && method !== undefined ? this.containerMethod(receiverNode, receiver.alias, method) : undefined;
      if (kind && receiver.alias && method !== undefined) {
        const contents = childPath(receiver.alias, CONTENTS);
        if (CONTAINER_WRITES[kind].has(method)) {
          let result = args.facts;
          if (CONTAINER_READ_WRITES.has(method)) result = unionFacts(result, new Set([this.read(contents, node, state)]));
          this.write(contents, node, unionFacts(args.facts, receiver.facts, key.facts), state, {
            append: CONTAINER_APPENDS.has(method),
          });
          return { facts: result };
        }
        const fact = this.read(contents, node, state);
        const facts = unionFacts(receiver.facts, args.facts, new Set([fact]));
        const returnsElement = method === 'get' || method === 'find' || method === 'at' || method === 'findLast';
        return { facts, alias: returnsElement ? contents : undefined };
      }
      return { facts: unionFacts(receiver.facts, key.facts, args.facts) };
    }
    const calleeValue = this.expression(callee, state);
    return { facts: unionFacts(calleeValue.facts, this.union(node.arguments, state).facts) };
  }

  /**
   * `items.forEach((item) => { … })`: the callback runs now, any number of times, before the call
   * returns; walk it where it runs, merged with the path where it does not run.
   */
  private syncCallbacks(node: TSESTree.CallExpression, receiver: FlowValue, state: FlowState): ReadonlySet<Fact> {
    let facts: ReadonlySet<Fact> = NO_FACTS;
    for (const argument of node.arguments) {
      if ((argument.type !== 'ArrowFunctionExpression' && argument.type !== 'FunctionExpression') || argument.async || argument.generator) {
        continue;
      }
      const branch = state.clone();
      const element: FlowValue = receiver.alias
        ? { facts: receiver.facts, alias: childPath(receiver.alias, CONTENTS) }
        : { facts: receiver.facts };
      const isReduce = node.callee.type === 'MemberExpression' && staticPropertyName(node.callee)?.startsWith('reduce');
      const result = this.walkFunctionBody(argument, branch, isReduce ? [EMPTY_VALUE, element] : [element]);
      facts = unionFacts(facts, result.value.facts);
      const joined = FlowState.join(state.skipping(argument), result.state, 'expression');
      if (joined) this.replace(state, joined);
    }
    return facts;
  }

  private containerMethod(receiver: TSESTree.Expression, path: StatePath, method: string): ContainerKind | undefined {
    const mayBe = (['map', 'set', 'array'] as const).some(
      (kind) => CONTAINER_READS[kind].has(method) || CONTAINER_WRITES[kind].has(method),
    );
    if (!mayBe) return undefined;
    const kind = this.ctx.containerKind(receiver, path);
    if (!kind) return undefined;
    return CONTAINER_READS[kind].has(method) || CONTAINER_WRITES[kind].has(method) ? kind : undefined;
  }

  /** `Object.assign(target, ...sources)` writes the properties of `target` from the sources. */
  private objectAssign(node: TSESTree.CallExpression, state: FlowState): FlowValue {
    const [targetNode, ...sources] = node.arguments;
    const target = this.expression(targetNode, state);
    const values = this.union(sources, state);
    if (target.alias && isSharedPath(target.alias)) this.write(target.alias, node, values.facts, state);
    return { facts: unionFacts(target.facts, values.facts), alias: target.alias };
  }

  // ---------------------------------------------------------------- locks

  private lockIdentity(lockCall: LockCall, state: FlowState): HeldLock {
    let id: string;
    let notExclusiveBecause = lockCall.notExclusiveBecause;
    if (lockCall.receiver) {
      const receiver = this.expression(lockCall.receiver, state);
      // A lock in a parameter that is no object (any, unknown) is as if this call made it.
      const ownParameter = receiver.alias !== undefined && !this.ctx.shared.isConfirmedShared(receiver.alias);
      if (receiver.alias && !ownParameter) {
        id = receiver.alias.key;
      } else {
        const receiverNode = unwrapExpression(lockCall.receiver);
        const local = receiverNode.type === 'Identifier' ? this.ctx.shared.classify(receiverNode, this.unit) : undefined;
        if (local?.kind === 'local' || (ownParameter && local?.kind === 'param')) {
          notExclusiveBecause ??= 'it is created inside this call, so every call has its own';
        }
        id = `expr:${lockCall.label}`;
      }
    } else {
      id = `key:${lockCall.keyText ?? lockCall.label}`;
    }
    if (lockCall.keyText && lockCall.receiver) id += `#${lockCall.keyText}`;
    const mutexReceiver = lockCall.isMutex && !notExclusiveBecause ? lockCall.receiver : undefined;
    return { id, label: lockCall.label, notExclusiveBecause, mutexReceiver };
  }

  private lockCall(node: TSESTree.CallExpression, lockCall: LockCall, state: FlowState): FlowValue {
    const lock = this.lockIdentity(lockCall, state);
    const operation = lockCall.operation;
    if (operation.op === 'acquire') {
      const args = this.union(node.arguments, state);
      return { facts: args.facts, acquires: { lock, tuple: operation.returnsTuple } };
    }
    if (operation.op === 'release') {
      this.union(node.arguments, state);
      state.held.delete(lock.id);
      return EMPTY_VALUE;
    }
    const callback = node.arguments[operation.callbackIndex] as FunctionNode;
    node.arguments.forEach((argument, index) => {
      if (index !== operation.callbackIndex) this.expression(argument, state);
    });
    // The callback never runs synchronously: taking the lock is a suspension.
    this.suspend(state, node);
    const alreadyHeld = state.held.has(lock.id);
    state.held.set(lock.id, lock);
    this.ctx.inlined.add(callback);
    const result = this.walkFunctionBody(callback, state);
    const after = result.state ?? state;
    if (!alreadyHeld) after.held.delete(lock.id);
    if (after !== state) this.replace(state, after);
    return { facts: result.value.facts };
  }
}
