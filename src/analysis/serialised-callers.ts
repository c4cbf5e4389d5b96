import type { TSESLint, TSESTree } from '@typescript-eslint/utils';

import { CONTAINER_WRITES, staticPropertyName } from './access-paths';
import type { RaceFinding } from './dataflow';
import { enclosingFunction, type FunctionNode, isAwaitUsing, isFunctionNode } from './suspensions';
import { skipTypeWrappers, walk } from './walk';

/*
 * A private method whose callers run it through one in-flight promise kept in a field (the holder)
 * never has two runs at once: a new run starts only once the holder is empty, and the holder is
 * emptied only after the run in it has settled. Its reads cannot then go stale because of another
 * run of itself (mongodb `MongoClient._connect` under `connectionLock`, matrix-js-sdk
 * `doTokenRefresh` under `tokenRefreshPromise`).
 *
 * Recognised, all syntactically, within the class body (the only place a private member can be
 * used from; TypeScript's `private` is taken at its word):
 * 1. the method is a non-static `async` method that is `private` or `#name`;
 * 2. the class uses it only in calls `this.m(…)` (any other use, on `this` or another object, a
 *    destructuring, or a `this[key]` anywhere in the class with a key that is not a literal,
 *    disqualifies), and there is at least one;
 * 3. every call is a statement storing its promise in one holder, a `private` or `#` field of the
 *    class: `this.P ??= this.m(…)` (the operator is the test), or `this.P = this.m(…)` preceded in
 *    its function by `if (this.P) return …;` (or `throw`) with no suspension between the test and
 *    the store; the call's arguments do not suspend either;
 * 4. every other write of `P` in the class is a statement `this.P = undefined` (or `null`,
 *    `void 0`, `delete this.P`) in the `finally` block of a `try` whose block first awaits
 *    `this.P` (`await this.P;`, `return await this.P;`, `const x = await this.P;`), right after the
 *    same function stored (or joined) the run: a `=` store at the start of the `try` block, or a
 *    store as the statement just before the `try`.
 *
 * Serialising the method keeps out only its own other runs: a finding is dropped only when its state
 * is the instance's (`this.…`) and no other code of the class writes it, that is, no write (an
 * assignment, `delete`, `++`, a container write such as `.push`, `Object.assign`) of a property
 * named as one of the state's or the read's, outside the method's own body and the constructor.
 * (mongodb's `_close`, run one at a time under `closeLock`, clears `this.topology`, which `_connect`
 * sets under `connectionLock`: both stay reported.)
 *
 * Not covered: a method that, before its first await, calls back into its own caller; a caller that
 * joins a run already settled but not yet cleared, whose `finally` may then clear the next run; and
 * writes of the state from outside the class (of a field that is not private, or of an object that
 * a field shares with other code).
 */

type ClassBody = TSESTree.ClassBody;

interface ClassScan {
  /** Every use of a member, by name (`#x` for a private name): member expressions and destructured keys. */
  uses: Map<string, TSESTree.Node[]>;
  /** Names of the `private` and `#` instance fields declared in the class. */
  privateFields: Set<string>;
  /** Whether `this[key]` is used with a key that is not a literal: it might reach any member. */
  dynamic: boolean;
}

const scans = new WeakMap<ClassBody, ClassScan>();
/** Per unit: the scan of its class when its callers serialise it, null when they do not. */
const verdicts = new WeakMap<FunctionNode, ClassScan | null>();

/**
 * Drops the findings on the instance's state made in methods whose runs their callers serialise,
 * when no other code of the class writes that state (see the criterion above).
 */
export function dropCallerSerialised(findings: Map<TSESTree.Node, RaceFinding>, keys: TSESLint.SourceCode.VisitorKeys): void {
  for (const [write, finding] of findings) {
    if (!finding.path.root.startsWith('this:')) continue;
    const scan = serialisedIn(finding.unit, keys);
    if (!scan) continue;
    const names = new Set(finding.path.segments);
    walk(finding.read, keys, (node) => {
      if (node.type === 'MemberExpression') {
        const name = staticPropertyName(node);
        if (name !== undefined) names.add(name);
      }
      return undefined;
    });
    if (![...names].some((name) => (scan.uses.get(name) ?? []).some((use) => isOtherWrite(use, finding.unit)))) findings.delete(write);
  }
}

/** Methods that write into the container they are called on. */
const WRITING_METHODS: ReadonlySet<string> = new Set(Object.values(CONTAINER_WRITES).flatMap((names) => [...names]));

/** Whether a use of a member writes it (or into it, as a container) from code other than the unit's own body and the constructor. */
function isOtherWrite(use: TSESTree.Node, unit: FunctionNode): boolean {
  if (use.type !== 'MemberExpression') return false;
  const parent = use.parent;
  const writes =
    isWriteTarget(use) ||
    (parent.type === 'MemberExpression' &&
      parent.object === use &&
      parent.parent.type === 'CallExpression' &&
      parent.parent.callee === parent &&
      WRITING_METHODS.has(staticPropertyName(parent) ?? '')) ||
    (parent.type === 'CallExpression' &&
      parent.arguments[0] === use &&
      parent.callee.type === 'MemberExpression' &&
      staticPropertyName(parent.callee) === 'assign');
  if (!writes) return false;
  const fn = enclosingFunction(use);
  return fn !== unit && !(fn?.parent.type === 'MethodDefinition' && fn.parent.kind === 'constructor');
}

/** The scan of the unit's class when the unit is a method whose callers run it one at a time. */
function serialisedIn(unit: FunctionNode, keys: TSESLint.SourceCode.VisitorKeys): ClassScan | undefined {
  let verdict = verdicts.get(unit);
  if (verdict === undefined) {
    verdict = decide(unit, keys);
    verdicts.set(unit, verdict);
  }
  return verdict ?? undefined;
}

function decide(unit: FunctionNode, keys: TSESLint.SourceCode.VisitorKeys): ClassScan | null {
  const method = unit.parent;
  if (unit.type !== 'FunctionExpression' || !unit.async || method.type !== 'MethodDefinition') return null;
  if (method.kind !== 'method' || method.static || method.computed || method.value !== unit) return null;
  const name = privateName(method);
  if (name === undefined) return null;
  const body = method.parent;
  const scan = scanClass(body, keys);
  if (scan.dynamic) return null;

  const calls = scan.uses.get(name) ?? [];
  const stores = new Set<TSESTree.AssignmentExpression>();
  let holder: string | undefined;
  for (const use of calls) {
    const store = storeOf(use, body, keys);
    if (!store) return null;
    const stored = staticPropertyName(store.left as TSESTree.MemberExpression);
    if (holder !== undefined && stored !== holder) return null;
    holder = stored;
    stores.add(store);
  }
  if (holder === undefined || !scan.privateFields.has(holder)) return null;
  for (const store of stores) {
    if (store.operator === '=' && !isGuarded(store.parent as TSESTree.ExpressionStatement, holder, keys)) return null;
  }
  const holderWrites = (scan.uses.get(holder) ?? []).filter(isWriteTarget);
  return holderWrites.every((use) => [...stores].some((store) => store.left === use) || isClearAfterAwait(use, holder, body, stores))
    ? scan
    : null;
}

function privateName(member: TSESTree.MethodDefinition | TSESTree.PropertyDefinition): string | undefined {
  if (member.computed) return undefined;
  if (member.key.type === 'PrivateIdentifier') return `#${member.key.name}`;
  return member.accessibility === 'private' && member.key.type === 'Identifier' ? member.key.name : undefined;
}

function scanClass(body: ClassBody, keys: TSESLint.SourceCode.VisitorKeys): ClassScan {
  let scan = scans.get(body);
  if (scan) return scan;
  const found: ClassScan = { uses: new Map(), privateFields: new Set(), dynamic: false };
  const use = (name: string, node: TSESTree.Node): void => {
    const list = found.uses.get(name);
    if (list) list.push(node);
    else found.uses.set(name, [node]);
  };
  for (const member of body.body) {
    if (member.type !== 'PropertyDefinition' || member.static) continue;
    const name = privateName(member);
    if (name !== undefined) found.privateFields.add(name);
  }
  walk(body, keys, (node) => {
    if (node.type === 'MemberExpression') {
      const name = staticPropertyName(node);
      if (name !== undefined) use(name, node);
      else if (skipTypeWrappers(node.object).type === 'ThisExpression') found.dynamic = true;
    } else if (node.type === 'Property' && node.parent.type === 'ObjectPattern' && !node.computed && node.key.type === 'Identifier') {
      use(node.key.name, node);
    }
    return undefined;
  });
  scan = found;
  scans.set(body, scan);
  return scan;
}


/** The class whose instance `this` is at `node`: arrow functions keep it, other functions and static members do not. */
function instanceClassOf(node: TSESTree.Node): ClassBody | undefined {
  let child = node;
  for (let current = node.parent; current; child = current, current = current.parent) {
    if (current.type === 'ArrowFunctionExpression') continue;
    if (isFunctionNode(current)) {
      const method = current.parent;
      return method.type === 'MethodDefinition' && !method.static && method.value === current ? method.parent : undefined;
    }
    if (current.type === 'PropertyDefinition') return !current.static && current.value === child ? current.parent : undefined;
    if (current.type === 'StaticBlock' || current.type === 'ClassBody') return undefined;
  }
  return undefined;
}

/** `this.P = this.m(…);` or `this.P ??= this.m(…);` for a use `this.m` of the method, with arguments that do not suspend. */
function storeOf(use: TSESTree.Node, body: ClassBody, keys: TSESLint.SourceCode.VisitorKeys): TSESTree.AssignmentExpression | undefined {
  if (use.type !== 'MemberExpression' || use.object.type !== 'ThisExpression' || instanceClassOf(use) !== body) return undefined;
  const call = use.parent;
  if (call.type !== 'CallExpression' || call.callee !== use || call.optional) return undefined;
  const store = call.parent;
  if (store.type !== 'AssignmentExpression' || store.right !== call || (store.operator !== '=' && store.operator !== '??=')) return undefined;
  if (store.left.type !== 'MemberExpression' || store.left.object.type !== 'ThisExpression' || store.left.computed) return undefined;
  if (store.parent.type !== 'ExpressionStatement') return undefined;
  return call.arguments.some((argument) => suspends(argument, keys)) ? undefined : store;
}

/**
 * Whether `if (this.P) return …;` runs before `statement` in its function with no suspension in
 * between: it precedes the statement, or a block or `try` block around it, in the same block.
 */
function isGuarded(statement: TSESTree.ExpressionStatement, holder: string, keys: TSESLint.SourceCode.VisitorKeys): boolean {
  let current: TSESTree.Node = statement;
  for (;;) {
    const parent: TSESTree.Node = current.parent;
    if (parent.type === 'TryStatement' && parent.block === current) {
      current = parent;
      continue;
    }
    if (parent.type !== 'BlockStatement') return false;
    const index = parent.body.indexOf(current);
    for (const before of parent.body.slice(0, index).reverse()) {
      if (isHolderTest(before, holder)) return true;
      if (suspends(before, keys)) return false;
    }
    if (isFunctionNode(parent.parent)) return false;
    current = parent;
  }
}

/** `if (this.P) return …;` (or `throw`, or a block ending in one), with no `else`. */
function isHolderTest(statement: TSESTree.Statement, holder: string): boolean {
  if (statement.type !== 'IfStatement' || statement.alternate || !isThisMember(statement.test, holder)) return false;
  const last = statement.consequent.type === 'BlockStatement' ? statement.consequent.body.at(-1) : statement.consequent;
  return last?.type === 'ReturnStatement' || last?.type === 'ThrowStatement';
}

function isThisMember(node: TSESTree.Node | null | undefined, name: string): node is TSESTree.MemberExpression {
  return node?.type === 'MemberExpression' && node.object.type === 'ThisExpression' && staticPropertyName(node) === name;
}

/** Whether the node can suspend the function it is in (its nested functions suspend only themselves). */
function suspends(node: TSESTree.Node, keys: TSESLint.SourceCode.VisitorKeys): boolean {
  let found = false;
  walk(node, keys, (inner) => {
    if (found || isFunctionNode(inner)) return false;
    found =
      inner.type === 'AwaitExpression' ||
      inner.type === 'YieldExpression' ||
      (inner.type === 'ForOfStatement' && inner.await) ||
      isAwaitUsing(inner);
    return undefined;
  });
  return found;
}

function isWriteTarget(node: TSESTree.Node): boolean {
  const parent = node.parent;
  if (!parent) return false;
  switch (parent.type) {
    case 'AssignmentExpression':
      return parent.left === node;
    case 'UpdateExpression':
      return true;
    case 'UnaryExpression':
      return parent.operator === 'delete';
    case 'ForInStatement':
    case 'ForOfStatement':
      return parent.left === node;
    case 'ArrayPattern':
    case 'RestElement':
      return true;
    case 'AssignmentPattern':
      return parent.left === node;
    case 'Property':
      return parent.parent.type === 'ObjectPattern' && parent.value === node;
    default:
      return false;
  }
}

/** `this.P = undefined;` (or `null`, `void 0`, `delete this.P`) in a `finally` after the run in `P` was stored and awaited. */
function isClearAfterAwait(use: TSESTree.Node, holder: string, body: ClassBody, stores: ReadonlySet<TSESTree.AssignmentExpression>): boolean {
  if (use.type !== 'MemberExpression' || use.object.type !== 'ThisExpression' || instanceClassOf(use) !== body) return false;
  const clear = use.parent;
  const clears =
    clear.type === 'UnaryExpression'
      ? clear.operator === 'delete'
      : clear.type === 'AssignmentExpression' && clear.operator === '=' && isEmpty(clear.right);
  const statement = clear.parent;
  if (!clears || statement?.type !== 'ExpressionStatement') return false;
  const finalizer = statement.parent;
  if (finalizer.type !== 'BlockStatement') return false;
  const attempt = finalizer.parent;
  if (attempt.type !== 'TryStatement' || attempt.finalizer !== finalizer) return false;

  const isStore = (statement: TSESTree.Node | undefined, operators: readonly string[]): boolean =>
    statement?.type === 'ExpressionStatement' &&
    statement.expression.type === 'AssignmentExpression' &&
    stores.has(statement.expression) &&
    operators.includes(statement.expression.operator);
  // Inside the `try`, only a `=` store: it found the holder empty, so clearing after it throws loses no run.
  const block = attempt.block.body;
  let first = 0;
  while (isStore(block[first], ['='])) first++;
  if (first === 0) {
    const outer = attempt.parent;
    const previous = outer.type === 'BlockStatement' ? outer.body[outer.body.indexOf(attempt) - 1] : undefined;
    if (!isStore(previous, ['=', '??='])) return false;
  }
  return awaitsHolder(block[first], holder);
}

function isEmpty(node: TSESTree.Expression): boolean {
  return (
    (node.type === 'Identifier' && node.name === 'undefined') ||
    (node.type === 'Literal' && node.value === null) ||
    (node.type === 'UnaryExpression' && node.operator === 'void' && node.argument.type === 'Literal')
  );
}

/** `await this.P;`, `return await this.P;` or `const x = await this.P;`. */
function awaitsHolder(statement: TSESTree.Statement | undefined, holder: string): boolean {
  let awaited: TSESTree.Node | null | undefined;
  if (statement?.type === 'ExpressionStatement' || statement?.type === 'ReturnStatement') {
    awaited = statement.type === 'ExpressionStatement' ? statement.expression : statement.argument;
  } else if (statement?.type === 'VariableDeclaration' && statement.declarations.length === 1) {
    awaited = statement.declarations[0]?.init;
  }
  return awaited?.type === 'AwaitExpression' && isThisMember(awaited.argument, holder);
}
