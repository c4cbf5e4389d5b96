import type { TSESLint, TSESTree } from '@typescript-eslint/utils';
import * as path from 'node:path';
import ts from 'typescript';

import { awaitedWithin, calledMethod, containsOwn, mentionsLocks, oncePerFile, type LockFile, type LockKey, sameLock, thisOwnerOf } from './lock-identity';
import type { LockCall } from './locks';
import { enclosingFunction, type FunctionNode, isFunctionNode } from './suspensions';
import { skipTypeWrappers, walk, walkFile } from './walk';

/** Taking a lock that this code already holds: async-mutex locks are not re-entrant. */
export interface Reentry {
  /** `take`: runExclusive/acquire again; `wait`: waitForUnlock; `call`: a function that takes it. */
  kind: 'take' | 'wait' | 'call';
  /** The inner take (or the call of the function that takes the lock). */
  node: TSESTree.CallExpression;
  /** Where the lock was taken first (the runExclusive or acquire that holds it). */
  held: TSESTree.CallExpression;
  label: string;
  /** With `withTimeout`, the inner take fails after the timeout instead of waiting forever. */
  timesOut: boolean;
  /** For `call`: the called function's name and where it takes the lock (a line, or a line of another file). */
  callee?: { name: string; line: number | string };
  /** For a nested runExclusive whose callback can run inline: the replacement. */
  unwrap?: { range: [number, number]; text: string };
}

const TAKES = new Set(['runExclusive', 'acquire', 'waitForUnlock', 'request']);

/** Every re-entry of a lock in the file. */
export const findReentries = oncePerFile((file): Reentry[] => new ReentryFinder(file).run());

interface HeldLock {
  key: LockKey;
  label: string;
  take: TSESTree.CallExpression;
  receiver: TSESTree.Expression;
  timesOut: boolean;
}

interface CalleeTake {
  take: TSESTree.CallExpression;
  key: LockKey;
}

class ReentryFinder {
  private readonly found = new Map<TSESTree.CallExpression, Reentry>();
  private readonly calleeTakes = new Map<TSESTree.Node, CalleeTake | null>();
  private readonly sourceCode: Readonly<TSESLint.SourceCode>;

  constructor(private readonly file: LockFile) {
    this.sourceCode = file.sourceCode;
  }

  run(): Reentry[] {
    // Most files make and take no lock: a text search spares them the walk.
    if (!mentionsLocks(this.file)) return [];
    walkFile(this.sourceCode, (node) => {
      if (node.type === 'CallExpression') this.section(node);
      return undefined;
    });
    return [...this.found.values()].sort((a, b) => a.node.range[0] - b.node.range[0]);
  }

  /** When `call` takes an exclusive lock, scan the code that runs while it is held. */
  private section(call: TSESTree.CallExpression): void {
    const method = calledMethod(call)?.method;
    if (method !== 'runExclusive' && method !== 'acquire' && method !== 'request') return;
    const lockCall = this.file.locks.recognize(call);
    const held = lockCall && this.exclusiveLock(call, lockCall);
    if (!held) return;
    if (lockCall.operation.op === 'callback') {
      const callback = call.arguments[lockCall.operation.callbackIndex] as FunctionNode;
      this.scan([callback.body], callback, true, held);
    } else if (lockCall.operation.op === 'acquire') {
      this.acquiredRegion(call, held);
    }
  }

  /**
   * An async-mutex Mutex, or a Semaphore with one permit, whose identity is known; or a key of an
   * async-lock made here without options (then not re-entrant), in promise mode.
   */
  private exclusiveLock(call: TSESTree.CallExpression, lockCall: LockCall): HeldLock | undefined {
    const receiver = calledMethod(call)!.receiver;
    const library = this.file.locks.libraryOf(receiver);
    if (library === 'async-lock') return this.asyncLockKey(call, lockCall, receiver);
    if (library === 'lock-manager') return this.webLockName(call, lockCall, receiver);
    if (library !== 'mutex' && library !== 'semaphore') return undefined;
    if (lockCall.notExclusiveBecause) return undefined;
    const key = this.file.keyOf(receiver);
    if (!key) return undefined;
    const origin = this.file.originOf(receiver);
    const originName = origin && ts.isCallExpression(origin) ? origin.expression.getText() : undefined;
    // tryAcquire(mutex) rejects at once when locked: a nested take fails, it does not wait.
    if (originName?.endsWith('tryAcquire')) return undefined;
    return { key, label: lockCall.label, take: call, receiver, timesOut: originName?.endsWith('withTimeout') ?? false };
  }

  /**
   * async-lock is re-entrant only with `domainReentrant`, and `timeout`, `maxPending` and the
   * occupation limits turn a wait into an error: only `new AsyncLock()` without options is sure to
   * wait forever. The key must be a constant, the callback in promise mode (no `done` parameter).
   */
  private asyncLockKey(call: TSESTree.CallExpression, lockCall: LockCall, receiver: TSESTree.Expression): HeldLock | undefined {
    const origin = this.file.originOf(receiver);
    if (!origin || !ts.isNewExpression(origin) || (origin.arguments?.length ?? 0) > 0) return undefined;
    if (lockCall.operation.op !== 'callback' || !isConstantKey(lockCall.keyText) || call.arguments.length > 2) return undefined;
    const callback = call.arguments[lockCall.operation.callbackIndex] as FunctionNode;
    if (callback.params.length > 0) return undefined;
    const key = this.file.keyOf(receiver);
    return key && { key: { ...key, path: `${key.path}#${lockCall.keyText!}` }, label: lockCall.label, take: call, receiver, timesOut: false };
  }

  /**
   * A Web Lock is known by its name in the whole origin: `navigator.locks.request(name, …)` in
   * exclusive mode (no `mode: 'shared'`, `ifAvailable` or `steal`) with a constant name.
   */
  private webLockName(call: TSESTree.CallExpression, lockCall: LockCall, receiver: TSESTree.Expression): HeldLock | undefined {
    if (lockCall.operation.op !== 'callback' || lockCall.notExclusiveBecause || !isConstantKey(lockCall.keyText)) return undefined;
    if (call.arguments.length > 2 && !isExclusiveMode(call.arguments[1])) return undefined;
    return { key: { path: `web-lock#${lockCall.keyText!}`, suffix: '' }, label: lockCall.label, take: call, receiver, timesOut: false };
  }

  /**
   * `await m.acquire()` (alone, or giving the releaser, or `[value, release]`): held over the
   * statements that follow in the same block, up to the first mention of a release (in source order,
   * which never extends the region past a conditional release).
   */
  private acquiredRegion(call: TSESTree.CallExpression, held: HeldLock): void {
    const awaited = call.parent;
    if (awaited.type !== 'AwaitExpression') return;
    let statement: TSESTree.Node = awaited.parent;
    let releaser: TSESLint.Scope.Variable | null = null;
    if (statement.type === 'VariableDeclarator' && statement.init === awaited) {
      const id = statement.id;
      const name = id.type === 'Identifier' ? id : id.type === 'ArrayPattern' ? id.elements[1] : null;
      if (name?.type === 'Identifier') releaser = this.file.variableOf(name);
      statement = statement.parent;
    } else if (statement.type !== 'ExpressionStatement') {
      return;
    }
    const list = statementList(statement.parent);
    if (!list) return;
    const releaserMentions = new Set<TSESTree.Node>(releaser?.references.map((reference) => reference.identifier));
    const isRelease = (node: TSESTree.Node): boolean => {
      if (releaserMentions.has(node)) return true;
      if (node.type !== 'CallExpression') return false;
      const member = calledMethod(node);
      if (member?.method !== 'release') return false;
      const key = this.file.keyOf(member.receiver);
      return key !== undefined && sameLock(key, held.key);
    };
    const region = list.slice(list.indexOf(statement) + 1);
    this.scan(region, enclosingFunction(call), false, held, isRelease);
  }

  /** Walks the code run while `held` is held, in source order, stopping at a release. */
  private scan(
    region: readonly TSESTree.Node[],
    section: FunctionNode | undefined,
    returnWaits: boolean,
    held: HeldLock,
    isRelease: (node: TSESTree.Node) => boolean = () => false,
  ): void {
    const state = { released: false };
    for (const root of region) {
      walk(root, this.sourceCode.visitorKeys, (node) => {
        if (state.released) return false;
        if (isRelease(node)) {
          state.released = true;
          return false;
        }
        if (node.type === 'CallExpression' && node !== held.take) this.inner(node, section, returnWaits, held);
        return undefined;
      });
      if (state.released) return;
    }
  }

  private inner(call: TSESTree.CallExpression, section: FunctionNode | undefined, returnWaits: boolean, held: HeldLock): void {
    if (this.found.has(call)) return;
    const member = calledMethod(call);
    const awaited = () => awaitedWithin(call, section, returnWaits, (identifier) => this.file.variableOf(identifier));
    const label = held.label;
    if (member && TAKES.has(member.method)) {
      const key = this.innerKey(call, member.receiver);
      if (!key || !sameLock(key, held.key) || !awaited()) return;
      const kind = member.method === 'waitForUnlock' ? 'wait' : 'take';
      this.found.set(call, {
        kind,
        node: call,
        held: held.take,
        label,
        timesOut: held.timesOut,
        unwrap: member.method === 'runExclusive' ? this.unwrapped(call) : undefined,
      });
      return;
    }
    const callee = this.calleeOf(call);
    if (!callee) {
      const imported = this.importedTake(call, held.key);
      if (imported && awaited()) {
        this.found.set(call, { kind: 'call', node: call, held: held.take, label, timesOut: held.timesOut, callee: imported });
      }
      return;
    }
    const calleeTake = this.calleeTake(callee);
    if (!calleeTake || !this.sameThroughCall(call, callee, calleeTake.key, held.key) || !awaited()) return;
    this.found.set(call, {
      kind: 'call',
      node: call,
      held: held.take,
      label,
      timesOut: held.timesOut,
      callee: { name: this.sourceCode.getText(call.callee), line: calleeTake.take.loc.start.line },
    });
  }

  /** The lock an inner take takes: for async-lock, the lock and its constant key; for a Web Lock, its name. */
  private innerKey(call: TSESTree.CallExpression, receiver: TSESTree.Expression): LockKey | undefined {
    if (calledMethod(call)?.method === 'request') {
      const lockCall = this.file.locks.recognize(call);
      const held = lockCall && this.webLockName(call, lockCall, receiver);
      return held?.key;
    }
    const key = this.file.keyOf(receiver);
    if (!key || this.file.locks.libraryOf(receiver, ['async-lock']) !== 'async-lock') return key;
    const keyText = this.file.locks.recognize(call)?.keyText;
    return isConstantKey(keyText) ? { ...key, path: `${key.path}#${keyText}` } : undefined;
  }

  /**
   * The function a call runs, in this file: `helper()` through ESLint's scope, `this.method()`
   * through the checker's symbol of the method.
   */
  private calleeOf(call: TSESTree.CallExpression): FunctionNode | undefined {
    const callee = skipTypeWrappers(call.callee);
    if (callee.type === 'Identifier') {
      const def = this.file.variableOf(callee)?.defs[0];
      if (def?.type === 'FunctionName' && isFunctionNode(def.node)) return def.node;
      if (def?.type === 'Variable' && def.parent.kind === 'const' && def.node.init && isFunctionNode(def.node.init)) {
        return def.node.init;
      }
      return undefined;
    }
    if (callee.type !== 'MemberExpression' || callee.computed || callee.object.type !== 'ThisExpression') return undefined;
    const symbol = this.file.checker.getSymbolAtLocation(this.file.services.esTreeNodeToTSNodeMap.get(callee.property));
    const declaration = symbol?.valueDeclaration;
    // Only functions of this file can be followed: their bodies are in this file's syntax tree.
    if (!declaration || declaration.getSourceFile() !== this.file.services.esTreeNodeToTSNodeMap.get(this.sourceCode.ast)) {
      return undefined;
    }
    const member = this.file.services.tsNodeToESTreeNodeMap.get(declaration) as TSESTree.Node | undefined;
    if (member?.type === 'MethodDefinition' && member.kind === 'method' && isFunctionNode(member.value)) return member.value;
    if (member?.type === 'PropertyDefinition' && member.value && isFunctionNode(member.value)) return member.value;
    // An object literal's method: `{ async add() { … } }` or `add: async () => …`.
    if (member?.type === 'Property' && isFunctionNode(member.value)) return member.value;
    return undefined;
  }

  /**
   * `helper()` imported from another file, where the held lock is a module-level lock (imported from
   * that file too, or declared there): the checker resolves both names to their declarations, and the
   * helper's first statement returns or awaits a take of that same lock.
   */
  private importedTake(call: TSESTree.CallExpression, heldKey: LockKey): { name: string; line: string } | undefined {
    const callee = skipTypeWrappers(call.callee);
    if (callee.type !== 'Identifier' || heldKey.thisOwner || heldKey.suffix !== '' || !heldKey.root) return undefined;
    if (this.file.variableOf(callee)?.defs[0]?.type !== 'ImportBinding') return undefined;
    const checker = this.file.checker;
    const resolve = (symbol: ts.Symbol | undefined): ts.Symbol | undefined =>
      symbol && symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    const heldIdentifier = heldKey.root.identifiers.at(0);
    if (!heldIdentifier) return undefined;
    const heldSymbol = resolve(checker.getSymbolAtLocation(this.file.services.esTreeNodeToTSNodeMap.get(heldIdentifier)));
    const declaration = resolve(checker.getSymbolAtLocation(this.file.services.esTreeNodeToTSNodeMap.get(callee)))?.valueDeclaration;
    if (!heldSymbol || !declaration) return undefined;
    let body: ts.ConciseBody | undefined;
    if (ts.isFunctionDeclaration(declaration)) body = declaration.body;
    else if (ts.isVariableDeclaration(declaration) && declaration.initializer && (ts.isArrowFunction(declaration.initializer) || ts.isFunctionExpression(declaration.initializer))) {
      body = declaration.initializer.body;
    }
    if (!body) return undefined;
    let taken: ts.Expression | undefined;
    if (!ts.isBlock(body)) taken = body;
    else {
      const first = body.statements.at(0);
      if (first && ts.isReturnStatement(first)) taken = first.expression;
      else if (first && ts.isExpressionStatement(first) && ts.isAwaitExpression(first.expression)) taken = first.expression.expression;
    }
    while (taken && (ts.isAwaitExpression(taken) || ts.isParenthesizedExpression(taken))) taken = taken.expression;
    if (!taken || !ts.isCallExpression(taken) || !ts.isPropertyAccessExpression(taken.expression)) return undefined;
    if (taken.expression.name.text !== 'runExclusive' && taken.expression.name.text !== 'acquire') return undefined;
    const receiver = taken.expression.expression;
    if (!ts.isIdentifier(receiver) || resolve(checker.getSymbolAtLocation(receiver)) !== heldSymbol) return undefined;
    const file = taken.getSourceFile();
    const line = file.getLineAndCharacterOfPosition(taken.getStart(file)).line + 1;
    return { name: callee.name, line: `${line} of ${path.basename(file.fileName)}` };
  }

  /**
   * A function that takes a lock unconditionally at its top level, and whose result waits for it:
   * `await lock.runExclusive(…)`, `return lock.runExclusive(…)`, `const release = await lock.acquire()`,
   * before any statement that could leave the function early.
   */
  private calleeTake(fn: FunctionNode): CalleeTake | null {
    let answer = this.calleeTakes.get(fn);
    if (answer === undefined) {
      answer = this.computeCalleeTake(fn);
      this.calleeTakes.set(fn, answer);
    }
    return answer;
  }

  private computeCalleeTake(fn: FunctionNode): CalleeTake | null {
    if (fn.generator) return null;
    const candidates: TSESTree.Node[] = [];
    if (fn.body.type !== 'BlockStatement') {
      candidates.push(fn.body);
    } else {
      for (const statement of topLevelStatements(fn.body.body)) {
        const take = takeOf(statement);
        if (take) {
          candidates.push(take);
          break;
        }
        if (mayLeave(statement, this.sourceCode)) break;
      }
    }
    for (const candidate of candidates) {
      const expression = skipTypeWrappers(candidate.type === 'AwaitExpression' ? candidate.argument : candidate);
      if (expression.type !== 'CallExpression') continue;
      const member = calledMethod(expression);
      if (!member || !TAKES.has(member.method)) continue;
      if (candidate.type !== 'AwaitExpression' && !isReturned(candidate)) continue;
      const library = this.file.locks.libraryOf(member.receiver, ['mutex', 'semaphore']);
      if (library !== 'mutex' && library !== 'semaphore') continue;
      const key = this.file.keyOf(member.receiver);
      if (key) return { take: expression, key };
    }
    return null;
  }

  /**
   * A module-level (or closure) lock is the same wherever it is named; `this.lock` only when the
   * call is on the same `this` and the callee's `this` is its receiver.
   */
  private sameThroughCall(call: TSESTree.CallExpression, callee: FunctionNode, calleeKey: LockKey, heldKey: LockKey): boolean {
    // `withLock(mutex, …)` where the callee takes its parameter: the lock is the argument.
    const parameter = calleeKey.root?.defs[0]?.type === 'Parameter' ? callee.params.indexOf(calleeKey.root.identifiers[0]) : -1;
    if (parameter >= 0) {
      const argument = call.arguments.at(parameter);
      const argumentKey = argument && argument.type !== 'SpreadElement' ? this.file.keyOf(argument) : undefined;
      return (
        argumentKey !== undefined &&
        argumentKey.path + calleeKey.suffix === heldKey.path &&
        argumentKey.thisOwner === heldKey.thisOwner
      );
    }
    if (calleeKey.path !== heldKey.path) return false;
    if (!calleeKey.thisOwner && !heldKey.thisOwner) return true;
    const target = skipTypeWrappers(call.callee);
    if (target.type !== 'MemberExpression' || target.object.type !== 'ThisExpression') return false;
    if (thisOwnerOf(target.object) !== heldKey.thisOwner) return false;
    return calleeKey.thisOwner === callee || (calleeKey.thisOwner === callee.parent && callee.parent.type === 'PropertyDefinition');
  }

  /**
   * `await m.runExclusive(() => expr)` → `await expr`; `await m.runExclusive(async () => { … });` →
   * the block, when it returns nothing. Only arrow callbacks (same `this`) without parameters.
   */
  private unwrapped(call: TSESTree.CallExpression): Reentry['unwrap'] {
    const callback = call.arguments[0];
    if (call.arguments.length !== 1 || callback.type !== 'ArrowFunctionExpression' || callback.params.length > 0) return undefined;
    const body = callback.body;
    if (body.type !== 'BlockStatement') {
      const simple = ['CallExpression', 'MemberExpression', 'Identifier', 'Literal', 'ThisExpression'].includes(body.type);
      const text = this.sourceCode.getText(body);
      return { range: call.range, text: simple ? text : `(${text})` };
    }
    const awaited = call.parent;
    if (awaited.type !== 'AwaitExpression' || awaited.parent.type !== 'ExpressionStatement') return undefined;
    if (containsOwn(body, this.sourceCode, (node) => node.type === 'ReturnStatement')) return undefined;
    return { range: awaited.parent.range, text: this.sourceCode.getText(body) };
  }
}

/** A key given as a string or number constant (`staticText` quotes anything else in backticks). */
const isConstantKey = (keyText: string | undefined): boolean => keyText !== undefined && !keyText.startsWith('`');

/** Options given to `request` that keep it exclusive: none of `mode: 'shared'`, `ifAvailable`, `steal`, `signal`. */
function isExclusiveMode(options: TSESTree.Node): boolean {
  return (
    options.type === 'ObjectExpression' &&
    options.properties.every(
      (property) =>
        property.type === 'Property' &&
        property.key.type === 'Identifier' &&
        property.key.name === 'mode' &&
        property.value.type === 'Literal' &&
        property.value.value === 'exclusive',
    )
  );
}

function statementList(parent: TSESTree.Node): readonly TSESTree.Statement[] | undefined {
  switch (parent.type) {
    case 'BlockStatement':
    case 'StaticBlock':
      return parent.body;
    case 'Program':
      return parent.body;
    case 'SwitchCase':
      return parent.consequent;
    default:
      return undefined;
  }
}

/** The statements of a body that run unconditionally, top-level `try` blocks included. */
function* topLevelStatements(body: readonly TSESTree.Statement[]): Generator<TSESTree.Statement> {
  for (const statement of body) {
    if (statement.type === 'TryStatement') {
      yield* topLevelStatements(statement.block.body);
      if (statement.handler) return;
      continue;
    }
    yield statement;
  }
}

/** `await lock.x(…);`, `return [await] lock.x(…);`, `const … = await lock.x(…);`: the awaited or returned expression. */
function takeOf(statement: TSESTree.Statement): TSESTree.Node | undefined {
  if (statement.type === 'ExpressionStatement' && statement.expression.type === 'AwaitExpression') return statement.expression;
  if (statement.type === 'ReturnStatement' && statement.argument) return statement.argument;
  if (statement.type === 'VariableDeclaration' && statement.declarations.length === 1) {
    const init = statement.declarations[0].init;
    if (init?.type === 'AwaitExpression') return init;
  }
  return undefined;
}

function isReturned(node: TSESTree.Node): boolean {
  return node.parent?.type === 'ReturnStatement' || (node.parent?.type === 'ArrowFunctionExpression' && node.parent.body === node);
}

/** Could the function stop before the next statement: a `return` or `throw` in it (not in a nested function). */
const mayLeave = (statement: TSESTree.Statement, sourceCode: Readonly<TSESLint.SourceCode>): boolean =>
  containsOwn(statement, sourceCode, (node) => node.type === 'ReturnStatement' || node.type === 'ThrowStatement');
