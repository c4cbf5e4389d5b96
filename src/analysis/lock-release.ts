import type { ParserServicesWithTypeInformation, TSESLint, TSESTree } from '@typescript-eslint/utils';
import * as ASTUtils from '@typescript-eslint/utils/ast-utils';
import ts from 'typescript';

import { findOwnNode, type LockSite, walkOwnCode } from './lock-sites';
import { enclosingFunction, type FunctionNode, isFunctionNode } from './suspensions';
import { parentSkippingTypeWrappers, skipTypeWrappers } from './walk';

/**
 * Does every path leave a lock taken with `await lock.acquire()`? The function holding the acquire
 * is interpreted statement by statement (branches, loops, `switch`, labels, `try`/`catch`/`finally`,
 * and the exceptions a call or an `await` can throw) with the set of states the lock can be in
 * on some path: not yet taken, held (possibly since a jump that skipped the release), or released
 * by a given call.
 */

/** How the section's lock is let go: by calling the releaser it resolved to, or by `lock.release()`. */
export interface AcquireSection {
  site: LockSite;
  fn: FunctionNode;
  /** The statement that takes the lock; none when `fn` is a `.then()` callback that receives the releaser, holding the lock from its start. */
  statement?: TSESTree.Statement;
  /** The releaser variable (`const release = await m.acquire()`), if the releaser is kept. */
  releaser?: TSESLint.Scope.Variable;
  /** The lock's receiver as written: `m.release()` with the same text releases it. */
  receiverText: string;
}

export type ExitKind = 'return' | 'throw' | 'exception' | 'break' | 'continue' | 'end';

export type ReleaseFinding =
  /** The releaser is never called and never leaves the function. */
  | { kind: 'neverReleased'; section: AcquireSection }
  /** Some path leaves the function with the lock held: `exit` names the first such path. */
  | { kind: 'notReleased'; section: AcquireSection; exit: { kind: ExitKind; node: TSESTree.Node; line: number } }
  /** A release that runs after the lock was already released on the same path. */
  | { kind: 'releasedTwice'; section: AcquireSection; release: TSESTree.CallExpression; first: TSESTree.Node };

const GUARDS = new Set(['IfStatement', 'ConditionalExpression', 'LogicalExpression', 'SwitchCase']);

/** The shape of an `acquire()` whose release this analysis can follow; undefined when ownership may leave the function. */
export function acquireSectionOf(site: LockSite, sourceCode: Readonly<TSESLint.SourceCode>): AcquireSection | undefined {
  if (site.lock.operation.op !== 'acquire' || !site.lock.receiver || !site.enclosing) return undefined;
  const fn = site.enclosing;
  const receiverText = sourceCode.getText(site.lock.receiver);
  const awaited = parentSkippingTypeWrappers(site.call);
  if (awaited?.type === 'MemberExpression') return thenSectionOf(site, awaited, receiverText, sourceCode);
  if (awaited?.type !== 'AwaitExpression') return undefined;
  const holder = parentSkippingTypeWrappers(awaited);
  if (holder?.type === 'ExpressionStatement') return { site, fn, statement: holder, receiverText };
  let binding: TSESTree.Node | undefined;
  let statement: TSESTree.Node | undefined;
  if (holder?.type === 'VariableDeclarator' && holder.init && skipTypeWrappers(holder.init) === awaited) {
    binding = holder.id;
    statement = holder.parent;
    if (holder.parent.kind !== 'const' && holder.parent.kind !== 'let') return undefined;
    if (holder.parent.declarations.length !== 1) return undefined;
  } else if (holder?.type === 'AssignmentExpression' && holder.operator === '=' && holder.parent.type === 'ExpressionStatement') {
    binding = holder.left;
    statement = holder.parent;
  } else {
    return undefined;
  }
  const releaseIdentifier = releaserIdentifier(binding, site.lock.operation.returnsTuple);
  if (releaseIdentifier === null || !isStatementInBlock(statement)) return undefined;
  if (releaseIdentifier === undefined) return { site, fn, statement, receiverText };
  const releaser = variableOf(sourceCode, releaseIdentifier);
  if (!releaser || !ownsReleaser(releaser, fn, holder)) return undefined;
  return { site, fn, statement, releaser, receiverText };
}

/** `lock.acquire().then((release) => { … })`: the callback holds the lock from its start. */
function thenSectionOf(
  site: LockSite,
  member: TSESTree.MemberExpression,
  receiverText: string,
  sourceCode: Readonly<TSESLint.SourceCode>,
): AcquireSection | undefined {
  const call = member.parent;
  if (member.computed || member.property.type !== 'Identifier' || member.property.name !== 'then') return undefined;
  if (call.type !== 'CallExpression' || call.callee !== member) return undefined;
  const callback = call.arguments.at(0);
  if (!callback || !isFunctionNode(callback) || site.lock.operation.op !== 'acquire') return undefined;
  const parameter = callback.params.at(0);
  if (!parameter) return undefined;
  const releaseIdentifier = releaserIdentifier(parameter, site.lock.operation.returnsTuple);
  if (!releaseIdentifier) return undefined;
  const releaser = sourceCode.getDeclaredVariables(callback).find((variable) => variable.name === releaseIdentifier.name);
  if (!releaser || !ownsReleaser(releaser, callback, parameter)) return undefined;
  return { site, fn: callback, releaser, receiverText };
}

/** The identifier the releaser is bound to; undefined when the releaser is dropped, null when it is bound some other way. */
function releaserIdentifier(binding: TSESTree.Node, tuple: boolean): TSESTree.Identifier | undefined | null {
  if (!tuple) return binding.type === 'Identifier' ? binding : null;
  if (binding.type !== 'ArrayPattern') return null;
  const element = binding.elements.at(1);
  if (!element) return binding.elements.length <= 2 ? undefined : null;
  return element.type === 'Identifier' ? element : null;
}

function isStatementInBlock(node: TSESTree.Node): node is TSESTree.Statement {
  const parent = node.parent;
  return parent?.type === 'BlockStatement' || parent?.type === 'SwitchCase' || parent?.type === 'IfStatement' || parent?.type === 'LabeledStatement';
}

function variableOf(sourceCode: Readonly<TSESLint.SourceCode>, identifier: TSESTree.Identifier): TSESLint.Scope.Variable | undefined {
  const declaration = identifier.parent.type === 'ArrayPattern' ? identifier.parent.parent : identifier.parent;
  if (declaration.type === 'VariableDeclarator') {
    return sourceCode.getDeclaredVariables(declaration).find((variable) => variable.name === identifier.name);
  }
  let scope: TSESLint.Scope.Scope | null = sourceCode.getScope(identifier);
  while (scope) {
    const found = scope.set.get(identifier.name);
    if (found) return found;
    scope = scope.upper;
  }
  return undefined;
}

/**
 * The function keeps the releaser to itself: it is declared in the function, written only by this
 * acquire, and otherwise only called (in the function's own code) or tested for truthiness.
 * Passed, returned, stored or called from a callback, it may be called elsewhere: not followed.
 */
function ownsReleaser(releaser: TSESLint.Scope.Variable, fn: FunctionNode, holder: TSESTree.Node): boolean {
  const declaredIn = releaser.defs.at(0)?.node;
  if (!declaredIn || (declaredIn !== fn && enclosingFunction(declaredIn) !== fn)) return false;
  return releaser.references.every((reference) => {
    const identifier = reference.identifier as TSESTree.Identifier;
    if (reference.isWrite()) {
      return identifier.parent === holder || (holder.type === 'VariableDeclarator' && identifier.parent.type === 'ArrayPattern');
    }
    if (enclosingFunction(identifier) !== fn) return false;
    const parent = identifier.parent;
    if (parent.type === 'CallExpression' && parent.callee === identifier) return true;
    if (parent.type === 'IfStatement' || parent.type === 'ConditionalExpression') return parent.test === identifier;
    if (parent.type === 'LogicalExpression') return parent.left === identifier;
    return parent.type === 'UnaryExpression' && parent.operator === '!';
  });
}

// ---------------------------------------------------------------------------------------------
// The path interpretation.

interface HeldVia {
  /** The `break` or `continue` that left the region with the lock held. */
  readonly heldVia: TSESTree.Node;
}
interface ReleasedAt {
  readonly releasedAt: TSESTree.Node;
}
type Token = 'none' | 'held' | HeldVia | ReleasedAt;
type State = ReadonlySet<Token>;

interface Jump {
  kind: Exclude<ExitKind, 'end'>;
  node: TSESTree.Node;
  label?: string;
  state: State;
}

interface Outcome {
  /** The states on normal completion; null when the statement never completes normally. */
  normal: State | null;
  jumps: Jump[];
}

function join(a: State | null, b: State | null): State | null {
  if (!a) return b;
  if (!b) return a;
  if (a === b) return a;
  const out = new Set(a);
  for (const token of b) out.add(token);
  return out;
}

function sameState(a: State | null, b: State | null): boolean {
  if (!a || !b) return a === b;
  return a.size === b.size && [...a].every((token) => b.has(token));
}

const isHeld = (token: Token): boolean => token === 'held' || (typeof token === 'object' && 'heldVia' in token);

export class ReleaseFlow {
  private readonly heldVia = new Map<TSESTree.Node, HeldVia>();
  private readonly releasedAt = new Map<TSESTree.Node, ReleasedAt>();
  private readonly releaseCalls: Set<TSESTree.CallExpression>;
  /** Statements that (re)take the lock: this acquire, and for `lock.release()` pairing every acquire of the same lock. */
  private readonly acquireStatements: ReadonlySet<TSESTree.Statement>;
  readonly releasedTwice = new Map<TSESTree.CallExpression, TSESTree.Node>();

  constructor(
    private readonly section: AcquireSection,
    private readonly mayThrow: (node: TSESTree.Node) => boolean,
    private readonly keys: TSESLint.SourceCode.VisitorKeys,
    private readonly sourceCode: Readonly<TSESLint.SourceCode>,
    sameLockStatements: readonly TSESTree.Statement[],
  ) {
    this.releaseCalls = findReleaseCalls(section, keys, sourceCode);
    const own = section.statement ? [section.statement] : [];
    this.acquireStatements = new Set(section.releaser ? own : [...own, ...sameLockStatements]);
  }

  get releases(): ReadonlySet<TSESTree.CallExpression> {
    return this.releaseCalls;
  }

  /** Every way out of the function, with the lock's states on it. */
  exits(): Array<{ kind: ExitKind; node: TSESTree.Node; line: number; state: State }> {
    const body = this.section.fn.body;
    const start: State = new Set<Token>([this.section.statement ? 'none' : 'held']);
    const outcome =
      body.type === 'BlockStatement'
        ? this.statement(body, start)
        : this.expressionStatement(body, start);
    const exits: Array<{ kind: ExitKind; node: TSESTree.Node; line: number; state: State }> = outcome.jumps.map((jump) => ({
      ...jump,
      line: jump.node.loc.start.line,
    }));
    if (outcome.normal) exits.push({ kind: 'end', node: body, line: body.loc.end.line, state: outcome.normal });
    return exits;
  }

  private heldAfterJump(node: TSESTree.Node, state: State): State {
    if (!state.has('held')) return state;
    let via = this.heldVia.get(node);
    if (!via) {
      via = { heldVia: node };
      this.heldVia.set(node, via);
    }
    const out = new Set(state);
    out.delete('held');
    out.add(via);
    return out;
  }

  private release(call: TSESTree.CallExpression, state: State, maybe: boolean): State {
    let releasedHere = this.releasedAt.get(call);
    if (!releasedHere) {
      releasedHere = { releasedAt: call };
      this.releasedAt.set(call, releasedHere);
    }
    const out = new Set<Token>(maybe ? state : []);
    for (const token of state) {
      if (isHeld(token)) {
        out.add(releasedHere);
      } else if (token === 'none') {
        out.add(token);
      } else {
        if (!maybe && token !== 'held' && 'releasedAt' in token && !this.isGuarded(call)) {
          if (!this.releasedTwice.has(call)) this.releasedTwice.set(call, token.releasedAt);
        }
        out.add(token);
      }
    }
    return out;
  }

  /** A release under a condition (`if (!released) release()`): the condition may be what prevents a second release. */
  private isGuarded(call: TSESTree.Node): boolean {
    if (call.type === 'CallExpression' && call.optional) return true;
    for (let node: TSESTree.Node | undefined = call.parent; node && node !== this.section.fn; node = node.parent) {
      if (GUARDS.has(node.type) && !(this.section.statement && contains(node, this.section.statement))) return true;
    }
    return false;
  }

  /**
   * Evaluates an expression: it may throw (a call, `new`, `await`) before anything in it releases,
   * then its release calls run in source order; one on a conditional branch may or may not run.
   */
  private expression(node: TSESTree.Node | null | undefined, state: State, jumps: Jump[]): State {
    if (!node) return state;
    let thrower: TSESTree.Node | undefined;
    const releases: Array<{ call: TSESTree.CallExpression; maybe: boolean }> = [];
    // Only a path that holds the lock cares whether the expression throws: ask only then.
    const held = [...state].some(isHeld);
    walkOwnCode(node, this.keys, (inner) => {
      if (inner.type === 'CallExpression' && this.releaseCalls.has(inner)) {
        releases.push({ call: inner, maybe: isConditionalWithin(inner, node) });
        return;
      }
      if (held && !thrower && this.mayThrow(inner)) thrower = inner;
    });
    if (thrower) jumps.push({ kind: 'exception', node: thrower, state });
    let current = state;
    for (const { call, maybe } of releases) current = this.release(call, current, maybe);
    return current;
  }

  private expressionStatement(node: TSESTree.Node, state: State): Outcome {
    const jumps: Jump[] = [];
    return { normal: this.expression(node, state, jumps), jumps };
  }

  private sequence(statements: readonly TSESTree.Node[], state: State): Outcome {
    const jumps: Jump[] = [];
    let current: State | null = state;
    for (const statement of statements) {
      if (!current) break;
      const outcome = this.statement(statement, current);
      jumps.push(...outcome.jumps);
      current = outcome.normal;
    }
    return { normal: current, jumps };
  }

  private statement(node: TSESTree.Node, state: State, labels: readonly string[] = []): Outcome {
    if (this.acquireStatements.has(node as TSESTree.Statement)) {
      // Awaiting the acquire may reject (a timeout, a cancel): the lock is then not taken.
      return { normal: new Set<Token>(['held']), jumps: [{ kind: 'exception', node, state }] };
    }
    switch (node.type) {
      case 'BlockStatement':
      case 'StaticBlock':
        return this.sequence(node.body, state);
      case 'ExpressionStatement':
        return this.expressionStatement(node.expression, state);
      case 'VariableDeclaration': {
        const jumps: Jump[] = [];
        let current = state;
        for (const declarator of node.declarations) current = this.expression(declarator.init, current, jumps);
        return { normal: current, jumps };
      }
      case 'ReturnStatement':
      case 'ThrowStatement': {
        const jumps: Jump[] = [];
        const after = this.expression(node.argument, state, jumps);
        jumps.push({ kind: node.type === 'ReturnStatement' ? 'return' : 'throw', node, state: after });
        return { normal: null, jumps };
      }
      case 'BreakStatement':
      case 'ContinueStatement':
        return {
          normal: null,
          jumps: [
            {
              kind: node.type === 'BreakStatement' ? 'break' : 'continue',
              node,
              label: node.label?.name,
              state: this.heldAfterJump(node, state),
            },
          ],
        };
      case 'IfStatement':
        return this.ifStatement(node, state);
      case 'LabeledStatement': {
        const outcome = this.statement(node.body, state, [...labels, node.label.name]);
        return consume(outcome, (jump) => jump.kind === 'break' && jump.label === node.label.name);
      }
      case 'WhileStatement':
      case 'DoWhileStatement':
      case 'ForStatement':
      case 'ForInStatement':
      case 'ForOfStatement':
        return this.loop(node, state, labels);
      case 'SwitchStatement':
        return this.switchStatement(node, state);
      case 'TryStatement':
        return this.tryStatement(node, state);
      default:
        // Declarations of functions, classes and types, empty statements: nothing runs.
        return { normal: state, jumps: [] };
    }
  }

  private ifStatement(node: TSESTree.IfStatement, state: State): Outcome {
    const jumps: Jump[] = [];
    const tested = this.expression(node.test, state, jumps);
    const consequent = this.statement(node.consequent, tested);
    jumps.push(...consequent.jumps);
    if (!node.alternate && this.isReleaseGuard(node)) {
      // `if (!released) release()`: the test tracks whether the lock is still held.
      return { normal: consequent.normal, jumps };
    }
    const alternate = node.alternate ? this.statement(node.alternate, tested) : { normal: tested, jumps: [] };
    jumps.push(...alternate.jumps);
    return { normal: join(consequent.normal, alternate.normal), jumps };
  }

  /** `if (flag) release()`, `if (release) release()`: a release under a test of the releaser or of a flag the function sets. */
  private isReleaseGuard(node: TSESTree.IfStatement): boolean {
    const releases = findOwnNode(node.consequent, this.keys, (inner) => inner.type === 'CallExpression' && this.releaseCalls.has(inner));
    if (!releases) return false;
    const tracked = findOwnNode(node.test, this.keys, (inner) => {
      if (inner.type !== 'Identifier') return false;
      if (this.section.releaser?.references.some((reference) => reference.identifier === inner)) return true;
      const variable = ASTUtils.findVariable(this.sourceCode.getScope(inner), inner);
      return variable?.references.some((reference) => reference.isWrite() && reference.init !== true) === true;
    });
    return tracked !== undefined;
  }

  private loop(
    node: TSESTree.WhileStatement | TSESTree.DoWhileStatement | TSESTree.ForStatement | TSESTree.ForInStatement | TSESTree.ForOfStatement,
    state: State,
    labels: readonly string[],
  ): Outcome {
    const ownJump = (jump: Jump, kind: 'break' | 'continue') =>
      jump.kind === kind && (jump.label === undefined || labels.includes(jump.label));
    const entryJumps: Jump[] = [];
    let entry = state;
    if (node.type === 'ForStatement') {
      if (node.init?.type === 'VariableDeclaration') entry = this.statement(node.init, entry).normal ?? entry;
      else entry = this.expression(node.init, entry, entryJumps);
    } else if (node.type === 'ForInStatement' || node.type === 'ForOfStatement') {
      entry = this.expression(node.right, entry, entryJumps);
    }
    let head: State = entry;
    let result: Outcome = { normal: null, jumps: [] };
    for (let round = 0; round < 8; round++) {
      const jumps: Jump[] = [];
      let beforeBody: State = head;
      let exitState: State | null = null;
      if (node.type !== 'DoWhileStatement') {
        beforeBody = this.expression('test' in node ? node.test : null, head, jumps);
        exitState = 'test' in node && alwaysTrue(node.test) ? null : beforeBody;
      }
      const body = this.statement(node.body, beforeBody);
      const continued = join(body.normal, body.jumps.filter((jump) => ownJump(jump, 'continue')).reduce<State | null>((acc, jump) => join(acc, jump.state), null));
      let next: State | null = continued;
      if (node.type === 'DoWhileStatement' && continued) {
        next = this.expression(node.test, continued, jumps);
        exitState = alwaysTrue(node.test) ? null : next;
      } else if (node.type === 'ForStatement' && continued) {
        next = this.expression(node.update, continued, jumps);
      }
      let normal = exitState;
      for (const jump of body.jumps) {
        if (ownJump(jump, 'break')) normal = join(normal, jump.state);
        else if (!ownJump(jump, 'continue')) jumps.push(jump);
      }
      result = { normal, jumps };
      const nextHead = join(entry, next) ?? entry;
      if (sameState(nextHead, head)) break;
      head = nextHead;
    }
    return { normal: result.normal, jumps: [...entryJumps, ...result.jumps] };
  }

  private switchStatement(node: TSESTree.SwitchStatement, state: State): Outcome {
    const jumps: Jump[] = [];
    const tested = this.expression(node.discriminant, state, jumps);
    let fallthrough: State | null = null;
    let breaks: State | null = null;
    for (const switchCase of node.cases) {
      const entry = join(this.expression(switchCase.test, tested, jumps), fallthrough);
      if (!entry) continue;
      const outcome = this.sequence(switchCase.consequent, entry);
      fallthrough = outcome.normal;
      for (const jump of outcome.jumps) {
        if (jump.kind === 'break' && jump.label === undefined) breaks = join(breaks, jump.state);
        else jumps.push(jump);
      }
    }
    const hasDefault = node.cases.some((switchCase) => switchCase.test === null);
    return { normal: join(join(fallthrough, breaks), hasDefault ? null : tested), jumps };
  }

  private tryStatement(node: TSESTree.TryStatement, state: State): Outcome {
    const block = this.statement(node.block, state);
    let normal = block.normal;
    let pending: Jump[] = block.jumps;
    if (node.handler) {
      const caught = block.jumps.filter((jump) => jump.kind === 'throw' || jump.kind === 'exception');
      pending = block.jumps.filter((jump) => !caught.includes(jump));
      const entry = caught.reduce<State | null>((acc, jump) => join(acc, jump.state), null);
      if (entry) {
        const handler = this.statement(node.handler.body, entry);
        normal = join(normal, handler.normal);
        pending = [...pending, ...handler.jumps];
      }
    }
    if (!node.finalizer) return { normal, jumps: pending };
    const finalizer = node.finalizer;
    const jumps: Jump[] = [];
    let after: State | null = null;
    if (normal) {
      const outcome = this.statement(finalizer, normal);
      after = outcome.normal;
      jumps.push(...outcome.jumps);
    }
    for (const jump of pending) {
      const outcome = this.statement(finalizer, jump.state);
      jumps.push(...outcome.jumps);
      if (outcome.normal) jumps.push({ ...jump, state: outcome.normal });
    }
    return { normal: after, jumps };
  }
}

/** A loop test that never ends the loop: none (`for (;;)`), or a truthy literal (`while (true)`). */
function alwaysTrue(test: TSESTree.Expression | null): boolean {
  return test === null || (test.type === 'Literal' && Boolean(test.value));
}

function consume(outcome: Outcome, isOwn: (jump: Jump) => boolean): Outcome {
  let normal = outcome.normal;
  const jumps: Jump[] = [];
  for (const jump of outcome.jumps) {
    if (isOwn(jump)) normal = join(normal, jump.state);
    else jumps.push(jump);
  }
  return { normal, jumps };
}

function contains(outer: TSESTree.Node, inner: TSESTree.Node): boolean {
  return outer.range[0] <= inner.range[0] && inner.range[1] <= outer.range[1];
}

/** Whether `node` runs only on some evaluations of `root`: on a branch of `?:`, or right of `&&`/`||`/`??`. */
function isConditionalWithin(node: TSESTree.Node, root: TSESTree.Node): boolean {
  // `release?.()` skips the call only when there is no releaser, that is when the lock was not taken.
  for (let current: TSESTree.Node = node; current !== root && current.parent; current = current.parent) {
    const parent: TSESTree.Node = current.parent;
    if (parent.type === 'ConditionalExpression' && parent.test !== current) return true;
    if (parent.type === 'LogicalExpression' && parent.right === current) return true;
  }
  return false;
}

/** The calls in the section's function that release its lock: the releaser, or `lock.release()` on the same receiver. */
export function findReleaseCalls(
  section: AcquireSection,
  keys: TSESLint.SourceCode.VisitorKeys,
  sourceCode: Readonly<TSESLint.SourceCode>,
): Set<TSESTree.CallExpression> {
  const calls = new Set<TSESTree.CallExpression>();
  const releaserCalls = new Set<TSESTree.Node>();
  for (const reference of section.releaser?.references ?? []) {
    const parent = reference.identifier.parent;
    if (parent.type === 'CallExpression' && parent.callee === reference.identifier) releaserCalls.add(parent);
  }
  const countMethod = !section.releaser || releaserCalls.size === 0;
  walkOwnCode(section.fn.body, keys, (node) => {
    if (node.type !== 'CallExpression') return;
    if (releaserCalls.has(node)) {
      calls.add(node);
      return;
    }
    const callee = node.callee;
    if (
      countMethod &&
      callee.type === 'MemberExpression' &&
      !callee.computed &&
      callee.property.type === 'Identifier' &&
      callee.property.name === 'release' &&
      sourceCode.getText(callee.object) === section.receiverText
    ) {
      calls.add(node);
    }
  });
  return calls;
}

/** `lock.release()` calls on the same receiver inside a nested function: the release is handed on, and not followed. */
function releasedFromCallback(section: AcquireSection, keys: TSESLint.SourceCode.VisitorKeys, sourceCode: Readonly<TSESLint.SourceCode>): boolean {
  let found = false;
  const visit = (node: TSESTree.Node, nested: boolean): void => {
    if (found) return;
    if (
      nested &&
      node.type === 'CallExpression' &&
      node.callee.type === 'MemberExpression' &&
      node.callee.property.type === 'Identifier' &&
      node.callee.property.name === 'release' &&
      sourceCode.getText(node.callee.object) === section.receiverText
    ) {
      found = true;
      return;
    }
    for (const key of keys[node.type] ?? []) {
      const child = (node as unknown as Record<string, unknown>)[key];
      for (const item of Array.isArray(child) ? child : [child]) {
        if (item && typeof (item as TSESTree.Node).type === 'string') {
          const inner = item as TSESTree.Node;
          visit(inner, nested || isFunctionNode(inner));
        }
      }
    }
  };
  visit(section.fn.body, false);
  return found;
}

/** Analyses one acquire: the first path that skips the release, a release that can run twice, or no release at all. */
export function analyzeRelease(
  section: AcquireSection,
  mayThrow: (node: TSESTree.Node) => boolean,
  sameLockStatements: readonly TSESTree.Statement[],
  sourceCode: Readonly<TSESLint.SourceCode>,
): ReleaseAnalysis {
  const keys = sourceCode.visitorKeys;
  const flow = new ReleaseFlow(section, mayThrow, keys, sourceCode, sameLockStatements);
  const releases = flow.releases;
  if (releasedFromCallback(section, keys, sourceCode)) return { findings: [], releases };
  if (releases.size === 0) {
    // `await m.acquire()` with no `m.release()` here: the lock is released by other code (an unlock method).
    // Unless `lock.release()` appears elsewhere in the file (an unlock method that ignores the releaser).
    const neverCalled =
      section.releaser?.references.every((reference) => reference.isWrite()) === true &&
      !sourceCode.text.includes(`${section.receiverText}.release(`);
    return { findings: neverCalled ? [{ kind: 'neverReleased', section }] : [], releases };
  }
  const findings: ReleaseFinding[] = [];
  const leaks = flow.exits().filter((exit) => [...exit.state].some(isHeld));
  if (leaks.length > 0) {
    const jumped = leaks
      .flatMap((exit) => [...exit.state])
      .filter((token): token is HeldVia => typeof token === 'object' && 'heldVia' in token)
      .map((token) => token.heldVia)
      .sort((a, b) => a.range[0] - b.range[0]);
    const first = jumped.at(0);
    if (first) {
      findings.push({
        kind: 'notReleased',
        section,
        exit: { kind: first.type === 'BreakStatement' ? 'break' : 'continue', node: first, line: first.loc.start.line },
      });
    } else {
      const explicit = leaks.filter((exit) => exit.kind !== 'exception');
      const chosen = (explicit.length > 0 ? explicit : leaks).sort((a, b) => a.node.range[0] - b.node.range[0])[0];
      findings.push({ kind: 'notReleased', section, exit: { kind: chosen.kind, node: chosen.node, line: chosen.line } });
    }
  }
  for (const [release, first] of flow.releasedTwice) findings.push({ kind: 'releasedTwice', section, release, first });
  return { findings, releases };
}

export interface ReleaseAnalysis {
  findings: ReleaseFinding[];
  /** The calls that release the section's lock. */
  releases: ReadonlySet<TSESTree.CallExpression>;
}

/** The release problems of every `await lock.acquire()` in a file whose release can be followed. */
export function releaseAnalyses(
  sites: readonly LockSite[],
  services: ParserServicesWithTypeInformation,
  sourceCode: Readonly<TSESLint.SourceCode>,
): ReleaseAnalysis[] {
  const sections = sites.flatMap((site) => acquireSectionOf(site, sourceCode) ?? []);
  const mayThrow = throwOracle(services);
  return sections.map((section) => {
    const sameLock = sections
      .filter((other) => !other.releaser && other.fn === section.fn && other.receiverText === section.receiverText)
      .flatMap((other) => other.statement ?? []);
    return analyzeRelease(section, mayThrow, sameLock, sourceCode);
  });
}

/** Methods of built-in collections and strings that throw only on misuse no program recovers from (out of memory, invalid length). */
const NON_THROWING_METHODS: Record<'array' | 'map' | 'set' | 'string', ReadonlySet<string>> = {
  array: new Set(['at', 'concat', 'includes', 'indexOf', 'join', 'lastIndexOf', 'pop', 'push', 'reverse', 'shift', 'slice', 'splice', 'unshift', 'fill', 'keys', 'values', 'entries']),
  map: new Set(['get', 'set', 'has', 'delete', 'clear', 'keys', 'values', 'entries']),
  set: new Set(['add', 'has', 'delete', 'clear', 'keys', 'values', 'entries']),
  string: new Set(['at', 'charAt', 'concat', 'endsWith', 'includes', 'indexOf', 'lastIndexOf', 'padEnd', 'padStart', 'slice', 'split', 'startsWith', 'substring', 'toLowerCase', 'toUpperCase', 'trim', 'trimEnd', 'trimStart']),
};
const NON_THROWING_GLOBALS = new Set(['console', 'Math']);
const NON_THROWING_CONSTRUCTORS = new Set(['Map', 'Set', 'WeakMap', 'WeakSet', 'Date', 'Error', 'AbortController']);

/**
 * Can evaluating this node throw? `await` (the promise may reject), and calls or `new` of anything
 * but the plain built-ins above: a user function may throw. Reading properties, arithmetic and
 * assignments are taken not to throw, and a `throw` statement is a path of its own.
 */
function throwOracle(services: ParserServicesWithTypeInformation): (node: TSESTree.Node) => boolean {
  const checker = services.program.getTypeChecker();
  const kindOf = (receiver: TSESTree.Node): keyof typeof NON_THROWING_METHODS | undefined => {
    const type = services.getTypeAtLocation(receiver);
    if (type.flags & ts.TypeFlags.StringLike) return 'string';
    if (checker.isArrayType(type) || checker.isTupleType(type)) return 'array';
    const name = (type.getSymbol() ?? type.aliasSymbol)?.getName();
    if (name === 'Map' || name === 'WeakMap') return 'map';
    if (name === 'Set' || name === 'WeakSet') return 'set';
    return undefined;
  };
  return (node) => {
    switch (node.type) {
      case 'AwaitExpression':
      case 'TaggedTemplateExpression':
        return true;
      case 'NewExpression':
        return !(node.callee.type === 'Identifier' && NON_THROWING_CONSTRUCTORS.has(node.callee.name));
      case 'CallExpression': {
        const callee = node.callee;
        if (callee.type !== 'MemberExpression' || callee.computed || callee.property.type !== 'Identifier') return true;
        if (callee.object.type === 'Identifier' && NON_THROWING_GLOBALS.has(callee.object.name)) return false;
        if (node.arguments.some((argument) => isFunctionNode(argument))) return true;
        const kind = kindOf(callee.object);
        return !kind || !NON_THROWING_METHODS[kind].has(callee.property.name);
      }
      default:
        return false;
    }
  };
}
