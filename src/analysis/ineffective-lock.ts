import type { TSESLint, TSESTree } from '@typescript-eslint/utils';

import { calledMethod, containsOwn, mentionsLocks, oncePerFile, type LockFile, type LockKey, sameLock } from './lock-identity';
import type { LockLibrary } from './locks';
import { enclosingFunction, type FunctionNode, isFunctionNode } from './suspensions';
import { walk, walkFile } from './walk';

/** A lock that cannot exclude anyone, and why. */
export type IneffectiveLock =
  /** `const m = new Mutex()` inside the function that takes it: every call has its own lock. */
  | { kind: 'perCall'; node: TSESTree.NewExpression | TSESTree.CallExpression; name: string; take: TSESTree.CallExpression; hoist?: Hoist }
  /** `const service = new Service()` per call, then `service.lock` taken: a new lock on every call. */
  | { kind: 'perInstance'; node: TSESTree.NewExpression; name: string; className: string; field: string; take: TSESTree.CallExpression }
  /** `const m = new Mutex()` in a React component or hook body: a new lock on every render. */
  | { kind: 'perRender'; node: TSESTree.NewExpression | TSESTree.CallExpression; name: string; component: string; take: TSESTree.CallExpression }
  /** async-lock callback mode whose `done` is never called: the key stays locked. */
  | { kind: 'doneNeverCalled'; node: TSESTree.Identifier; key: string }
  /** await-lock `release()` on a path where this call does not hold the lock. */
  | { kind: 'releaseNotHeld'; node: TSESTree.CallExpression; label: string; reason: NotHeld; line: number };

export type NotHeld = 'neverAcquired' | 'acquireMayThrow' | 'tryAcquireFailed' | 'releasedTwice';

/** Moving `const m = new Mutex();` to the module: the declaration to remove and the text to insert. */
export interface Hoist {
  remove: [number, number];
  insertAt: number;
  text: string;
}

const LOCK_CLASS_LIBRARIES: readonly LockLibrary[] = ['mutex', 'semaphore', 'async-lock', 'await-lock'];
const LOCK_CLASSES: ReadonlySet<LockLibrary | null> = new Set(LOCK_CLASS_LIBRARIES);
const TAKES = new Set(['runExclusive', 'acquire', 'acquireAsync', 'tryAcquire']);
/**
 * The only uses a per-call lock may have to be reported: taking and releasing it. Any other use
 * passes it on (ownership leaves this call) or looks at the lock itself (`isLocked()`, permits), as
 * a test of the lock does, rather than relying on it to exclude anyone.
 */
const LOCK_METHODS = new Set([...TAKES, 'release']);
/** A test makes a lock per test case to exercise it. */
const TEST_FILE = /\.(test|spec)\.[cm]?[jt]sx?$|[\\/]__tests__[\\/]/;

/** Every lock in the file that cannot exclude anyone. */
export const findIneffectiveLocks = oncePerFile((file): IneffectiveLock[] => new IneffectiveLockFinder(file).run());

class IneffectiveLockFinder {
  private readonly found: IneffectiveLock[] = [];
  private readonly sourceCode: Readonly<TSESLint.SourceCode>;

  constructor(private readonly file: LockFile) {
    this.sourceCode = file.sourceCode;
  }

  run(): IneffectiveLock[] {
    // Most files make and take no lock: a text search spares them the walk.
    if (!mentionsLocks(this.file)) return [];
    walkFile(this.sourceCode, (node) => {
      if (node.type === 'VariableDeclarator') this.localLock(node);
      else if (node.type === 'CallExpression') this.lockCall(node);
      return undefined;
    });
    return this.found.sort((a, b) => a.node.range[0] - b.node.range[0]);
  }

  // ------------------------------------------------------------ a lock made per call or per render

  /** `const m = new Mutex()` (or `withTimeout(new Mutex(), …)`) in a function body. */
  private localLock(declarator: TSESTree.VariableDeclarator): void {
    const init = declarator.init;
    if (declarator.id.type !== 'Identifier' || declarator.parent.kind !== 'const') return;
    if (init?.type !== 'NewExpression' && !(init?.type === 'CallExpression' && init.arguments[0]?.type === 'NewExpression')) return;
    const fn = enclosingFunction(declarator);
    if (!fn) return;
    const variable = this.file.variableOf(declarator.id);
    if (!variable) return;
    if (!LOCK_CLASSES.has(this.file.locks.libraryOf(init, LOCK_CLASS_LIBRARIES))) {
      if (init.type === 'NewExpression') this.instanceLock(init, variable, fn);
      return;
    }
    const name = declarator.id.name;
    const component = componentName(fn, this.sourceCode);
    if (component !== undefined) {
      // Top level of a component body, not inside useRef/useMemo/useState: a new lock each render.
      const take = declarator.parent.parent === fn.body ? renderTake(variable, fn) : undefined;
      if (take) this.found.push({ kind: 'perRender', node: init, name, component, take });
      return;
    }
    if (TEST_FILE.test(this.file.services.esTreeNodeToTSNodeMap.get(this.sourceCode.ast).fileName)) return;
    const uses = variable.references.filter((reference) => !reference.init).map((reference) => reference.identifier);
    const take = this.onlySequentialTakes(uses, fn);
    if (take) this.found.push({ kind: 'perCall', node: init, name, take, hoist: this.hoist(declarator, fn) });
  }

  /**
   * `const service = new Service()` in a function, where `Service` (a class of this file) creates a
   * lock in an instance field and the function takes `service.lock`: a new lock on every call. Only
   * the plain shape is reported: the instance is used only through that lock and plain data fields
   * (no methods, getters or function-valued fields), and constructing it never hands `this` out.
   */
  private instanceLock(init: TSESTree.NewExpression, variable: TSESLint.Scope.Variable, fn: FunctionNode): void {
    if (init.callee.type !== 'Identifier') return;
    const cls = this.file.variableOf(init.callee)?.defs[0];
    if (cls?.type !== 'ClassName') return;
    const body = cls.node.body.body;
    if (cls.node.superClass || !constructionKeepsThis(body, this.sourceCode)) return;
    const lockUses: TSESTree.Node[] = [];
    let lockField: string | undefined;
    for (const reference of variable.references) {
      if (reference.init) continue;
      const member = reference.identifier.parent;
      if (member.type !== 'MemberExpression' || member.object !== reference.identifier || member.property.type !== 'Identifier') return;
      const name = member.property.name;
      const field = body.find(
        (element): element is TSESTree.PropertyDefinition =>
          element.type === 'PropertyDefinition' && !element.static && element.key.type === 'Identifier' && element.key.name === name,
      );
      if (!field || (field.value && isFunctionNode(field.value))) return;
      if (field.value?.type === 'NewExpression' && LOCK_CLASSES.has(this.file.locks.libraryOf(field.value, LOCK_CLASS_LIBRARIES))) {
        if (lockField !== undefined && lockField !== name) return;
        lockField = name;
        lockUses.push(member);
      } else if (member.parent.type === 'CallExpression' && member.parent.callee === member) {
        return;
      }
    }
    if (lockField === undefined) return;
    const take = this.onlySequentialTakes(lockUses, fn);
    if (take) {
      this.found.push({ kind: 'perInstance', node: init, name: init.parent.type === 'VariableDeclarator' ? this.sourceCode.getText(init.parent.id) : '', className: init.callee.name, field: lockField, take });
    }
  }

  /**
   * The first take, when the lock never escapes this call (every use is a lock method, and only
   * `release` is called from nested functions) and every take is awaited (or returned) where it
   * stands, so no two tasks of one call can ever hold it at once: it serialises nothing.
   */
  private onlySequentialTakes(uses: readonly TSESTree.Node[], fn: FunctionNode): TSESTree.CallExpression | undefined {
    let first: TSESTree.CallExpression | undefined;
    for (const use of uses) {
      const member = use.parent!;
      const call = member.parent;
      if (
        member.type !== 'MemberExpression' ||
        member.object !== use ||
        member.computed ||
        member.property.type !== 'Identifier' ||
        call?.type !== 'CallExpression' ||
        call.callee !== member ||
        !LOCK_METHODS.has(member.property.name)
      ) {
        return undefined;
      }
      const isTake = TAKES.has(member.property.name);
      if (enclosingFunction(call) !== fn) {
        if (isTake) return undefined;
        continue;
      }
      if (!isTake) continue;
      const parent = call.parent;
      const waited = parent.type === 'AwaitExpression' || parent.type === 'ReturnStatement' ||
        (parent.type === 'ArrowFunctionExpression' && parent.body === call);
      // tryAcquire is synchronous: two of them in one call cannot overlap either.
      if (!waited && member.property.name !== 'tryAcquire') return undefined;
      first ??= call;
    }
    return first;
  }

  /**
   * Hoisting to the module is offered when the declaration depends on nothing of the function
   * (its identifiers resolve to the module or globals) and the name is free at the module level.
   */
  private hoist(declarator: TSESTree.VariableDeclarator, fn: FunctionNode): Hoist | undefined {
    const declaration = declarator.parent;
    if (declaration.declarations.length !== 1 || declaration.parent.type !== 'BlockStatement') return undefined;
    const moduleScope = this.sourceCode.scopeManager?.globalScope?.childScopes.find((scope) => scope.type === 'module') ??
      this.sourceCode.scopeManager?.globalScope;
    if (!moduleScope) return undefined;
    const name = (declarator.id as TSESTree.Identifier).name;
    // Free at every level from the module down to the function: nothing else named so would capture it.
    for (let scope: TSESLint.Scope.Scope | null = this.sourceCode.getScope(fn).upper; scope; scope = scope.upper) {
      if (scope.set.has(name)) return undefined;
    }
    if (moduleScope.through.some((reference) => reference.identifier.name === name)) return undefined;
    let top: TSESTree.Node = fn;
    while (top.parent.type !== 'Program') top = top.parent!;
    const insertAt = (this.sourceCode.getCommentsBefore(top)[0] ?? top).range[0];
    // Every name it uses must be a module binding declared above the insertion point (or an import, or a global).
    const blocksHoisting = (node: TSESTree.Node): boolean => {
      if (node.type !== 'Identifier' || (node.parent.type === 'MemberExpression' && node.parent.property === node)) return false;
      const variable = this.file.variableOf(node);
      if (!variable || variable.scope.type === 'global') return false;
      const def = variable.defs[0];
      return variable.scope !== moduleScope || (def.type !== 'ImportBinding' && def.name.range[0] > insertAt);
    };
    if (containsOwn(declarator.init!, this.sourceCode, blocksHoisting)) return undefined;
    const lineStart = this.sourceCode.getIndexFromLoc({ line: declaration.loc.start.line, column: 0 });
    const nextLine = this.sourceCode.getIndexFromLoc({ line: declaration.loc.end.line + 1, column: 0 });
    const ownLines = this.sourceCode.text.slice(lineStart, declaration.range[0]).trim() === '' &&
      this.sourceCode.text.slice(declaration.range[1], nextLine).trim() === '';
    return {
      remove: ownLines ? [lineStart, nextLine] : declaration.range,
      insertAt,
      text: `${this.sourceCode.getText(declaration)}\n\n`,
    };
  }

  // ------------------------------------------------------------ lock calls

  private lockCall(call: TSESTree.CallExpression): void {
    const member = calledMethod(call);
    if (member?.method === 'acquire' && call.arguments.length >= 2) this.asyncLockCallback(call, member.receiver);
    else if (member?.method === 'release' && call.arguments.length === 0) this.awaitLockRelease(call, member.receiver);
  }

  /**
   * async-lock runs a callback with exactly one parameter in callback mode and holds the key until
   * that parameter (`done`) is called; a callback that never mentions it keeps the key locked.
   */
  private asyncLockCallback(call: TSESTree.CallExpression, receiver: TSESTree.Expression): void {
    const callback = call.arguments[1];
    if (!isFunctionNode(callback) || callback.params.length !== 1) return;
    const done = callback.params[0];
    if (done.type !== 'Identifier') return;
    if (this.file.locks.libraryOf(receiver, ['async-lock']) !== 'async-lock') return;
    // maxExecutionTime frees the key after a while: a slow lock, not a dead one.
    if (this.sourceCode.getText(call).includes('maxExecutionTime')) return;
    const origin = this.file.originOf(receiver);
    if (origin?.getText().includes('maxExecutionTime')) return;
    const variable = this.file.variableOf(done);
    if (!variable || variable.references.length > 0) return;
    this.found.push({ kind: 'doneNeverCalled', node: done, key: this.sourceCode.getText(call.arguments[0]) });
  }

  /** await-lock throws when released unheld; it is released unheld when … (see NotHeld). */
  private awaitLockRelease(release: TSESTree.CallExpression, receiver: TSESTree.Expression): void {
    if (this.file.locks.libraryOf(receiver, ['await-lock']) !== 'await-lock') return;
    const key = this.file.keyOf(receiver);
    const fn = enclosingFunction(release);
    if (!key || !fn) return;
    const label = `\`${this.sourceCode.getText(receiver)}\``;
    const finding = this.releaseInFinally(release, key) ?? this.releaseAfterFailedTry(release, key);
    if (finding) this.found.push({ kind: 'releaseNotHeld', node: release, label, ...finding });
  }

  /**
   * `try { …; await lock.acquireAsync(…); … } finally { lock.release(); }`: when the acquire (with a
   * timeout) or a statement before it throws, `finally` releases a lock this call never got. And
   * `try { …; lock.release(); } finally { lock.release(); }` releases it twice.
   */
  private releaseInFinally(release: TSESTree.CallExpression, key: LockKey): { reason: NotHeld; line: number } | undefined {
    const statement = release.parent.type === 'ExpressionStatement' ? release.parent : undefined;
    const finalizer = statement?.parent;
    const tryStatement = finalizer?.parent;
    if (finalizer?.type !== 'BlockStatement' || tryStatement?.type !== 'TryStatement' || tryStatement.finalizer !== finalizer) {
      return undefined;
    }
    // Nothing in the function acquires it, nor calls a function of this file that does, and it was
    // not handed in as a parameter: the `finally` releases a lock this call never took.
    const fn = enclosingFunction(release)!;
    const acquiresHere = ['acquireAsync', 'tryAcquire'].some((method) => this.lockMethodIn(fn.body, key, method));
    if (!acquiresHere && key.root?.defs[0]?.type !== 'Parameter' && !this.callsAcquirer(fn, key)) {
      return { reason: 'neverAcquired', line: fn.loc.start.line };
    }
    let released: TSESTree.CallExpression | undefined;
    let acquired = false;
    for (const [index, inner] of tryStatement.block.body.entries()) {
      // `if (!lock.tryAcquire()) return;` inside the `try`: that return runs the `finally` too.
      const failedTry = this.leavesWhenTryFails(inner, key);
      if (failedTry && !acquired) return { reason: 'tryAcquireFailed', line: failedTry.loc.start.line };
      const take = this.lockMethodIn(inner, key, 'acquireAsync');
      if (take) {
        if (!acquired && (index > 0 || take.arguments.length > 0)) return { reason: 'acquireMayThrow', line: take.loc.start.line };
        acquired = true;
        released = undefined;
        continue;
      }
      const earlier = this.lockMethodIn(inner, key, 'release');
      if (earlier && inner.type === 'ExpressionStatement' && inner.expression === earlier) released = earlier;
    }
    return released && { reason: 'releasedTwice', line: released.loc.start.line };
  }

  /**
   * Whether `fn` calls (by name: `helper()` or `this.helper()`) a function of this file that
   * acquires the same lock, as a `lock()`/`begin()` wrapper does before a `finally` releases it.
   */
  private callsAcquirer(fn: FunctionNode, key: LockKey): boolean {
    const acquirers = this.acquirersOf(key);
    return containsOwn(fn.body, this.sourceCode, (node) => {
      if (node.type !== 'CallExpression') return false;
      const callee = node.callee;
      const name =
        callee.type === 'Identifier' ? callee.name : callee.type === 'MemberExpression' && callee.property.type === 'Identifier' ? callee.property.name : '';
      return acquirers.has(name);
    });
  }

  private readonly acquirersByPath = new Map<string, Set<string>>();

  /** The names of the file's functions that acquire the lock at `key.path`: one walk of the file per lock. */
  private acquirersOf(key: LockKey): Set<string> {
    const known = this.acquirersByPath.get(key.path);
    if (known) return known;
    const acquirers = new Set<string>();
    this.acquirersByPath.set(key.path, acquirers);
    walkFile(this.sourceCode, (node) => {
      if (node.type !== 'CallExpression') return undefined;
      const member = calledMethod(node);
      if (member?.method !== 'acquireAsync' && member?.method !== 'tryAcquire') return undefined;
      const found = this.file.keyOf(member.receiver);
      const owner = enclosingFunction(node);
      const name = owner && functionName(owner);
      // The same field of `this` in another method has another `this` owner: compare the path only.
      if (found?.path === key.path && name) acquirers.add(name);
      return undefined;
    });
    return acquirers;
  }

  /** The `tryAcquire()` of `if (!lock.tryAcquire()) return;` (or `throw`, or a block ending in one). */
  private leavesWhenTryFails(statement: TSESTree.Statement, key: LockKey): TSESTree.CallExpression | undefined {
    if (statement.type !== 'IfStatement' || statement.test.type !== 'UnaryExpression' || statement.test.operator !== '!') return undefined;
    const tried = statement.test.argument;
    const member = tried.type === 'CallExpression' ? calledMethod(tried) : undefined;
    if (tried.type !== 'CallExpression' || member?.method !== 'tryAcquire') return undefined;
    const triedKey = this.file.keyOf(member.receiver);
    if (!triedKey || !sameLock(triedKey, key)) return undefined;
    const exit = statement.consequent.type === 'BlockStatement' ? statement.consequent.body.at(-1) : statement.consequent;
    return exit?.type === 'ReturnStatement' || exit?.type === 'ThrowStatement' ? tried : undefined;
  }

  /** `if (!lock.tryAcquire()) { …; lock.release(); }` or the `else` of `if (lock.tryAcquire())`. */
  private releaseAfterFailedTry(release: TSESTree.CallExpression, key: LockKey): { reason: NotHeld; line: number } | undefined {
    // Compared through `child`, a plain node, so that every TypeScript of the peer range types the comparisons alike.
    let current: TSESTree.Node = release;
    while (current.parent && !isFunctionNode(current)) {
      const child: TSESTree.Node = current;
      const parent: TSESTree.Node = current.parent;
      current = parent;
      if (parent.type !== 'IfStatement' || parent.test === child) continue;
      const test = parent.test;
      const negated = test.type === 'UnaryExpression' && test.operator === '!';
      const tried = negated ? test.argument : test;
      if (tried.type !== 'CallExpression' || calledMethod(tried)?.method !== 'tryAcquire') continue;
      const triedKey = this.file.keyOf(calledMethod(tried)!.receiver);
      if (!triedKey || !sameLock(triedKey, key)) continue;
      const branch: TSESTree.Node | null = negated ? parent.consequent : parent.alternate;
      return branch === child ? { reason: 'tryAcquireFailed', line: tried.loc.start.line } : undefined;
    }
    return undefined;
  }

  /** A call `lock.<method>(…)` on the same lock in a statement (not in nested functions). */
  private lockMethodIn(statement: TSESTree.Node, key: LockKey, method: string): TSESTree.CallExpression | undefined {
    const state: { call?: TSESTree.CallExpression } = {};
    containsOwn(statement, this.sourceCode, (node) => {
      if (node.type !== 'CallExpression') return false;
      const member = calledMethod(node);
      if (member?.method !== method) return false;
      const found = this.file.keyOf(member.receiver);
      if (!found || !sameLock(found, key)) return false;
      state.call = node;
      return true;
    });
    return state.call;
  }
}

/** Constructing the class uses `this` only as `this.field`: the new instance is not handed to anyone. */
function constructionKeepsThis(body: readonly TSESTree.ClassElement[], sourceCode: Readonly<TSESLint.SourceCode>): boolean {
  const state = { leaks: false };
  for (const element of body) {
    const runsOnConstruction =
      (element.type === 'MethodDefinition' && element.kind === 'constructor') ||
      (element.type === 'PropertyDefinition' && !element.static) ||
      element.type === 'StaticBlock';
    if (!runsOnConstruction) continue;
    walk(element, sourceCode.visitorKeys, (node) => {
      if (node.type === 'ThisExpression' && !(node.parent.type === 'MemberExpression' && node.parent.object === node)) state.leaks = true;
      return !state.leaks;
    });
  }
  return !state.leaks;
}

/**
 * The first take in the render itself or in a handler made on each render, or in a hook's callback
 * that is made again whenever the lock changes (no dependency list, or one that names the lock);
 * not one inside a hook's callback that keeps the first render's lock (`useCallback(…, [])`).
 */
function renderTake(variable: TSESLint.Scope.Variable, component: FunctionNode): TSESTree.CallExpression | undefined {
  for (const reference of variable.references) {
    const member = reference.identifier.parent;
    if (
      member.type !== 'MemberExpression' ||
      member.object !== reference.identifier ||
      member.property.type !== 'Identifier' ||
      !TAKES.has(member.property.name) ||
      member.parent.type !== 'CallExpression' ||
      member.parent.callee !== member
    ) {
      continue;
    }
    let keepsFirstLock = false;
    for (let current: TSESTree.Node = member; current !== component; current = current.parent!) {
      if (current.type === 'CallExpression' && isHookCall(current) && !renewedWith(current, variable)) keepsFirstLock = true;
    }
    if (!keepsFirstLock) return member.parent;
  }
  return undefined;
}

/** A hook call whose callback is made again on every render, or whenever `variable` changes. */
function renewedWith(hook: TSESTree.CallExpression, variable: TSESLint.Scope.Variable): boolean {
  if (hook.arguments.length < 2) return hook.arguments.length === 1 && isFunctionNode(hook.arguments[0]);
  const deps = hook.arguments[hook.arguments.length - 1];
  return deps.type === 'ArrayExpression' && deps.elements.some((element) => element?.type === 'Identifier' && variable.references.some((reference) => reference.identifier === element));
}

function isHookCall(call: TSESTree.CallExpression): boolean {
  const callee = call.callee;
  const name = callee.type === 'Identifier' ? callee.name : callee.type === 'MemberExpression' && callee.property.type === 'Identifier' ? callee.property.name : '';
  return /^use[A-Z]/.test(name);
}

/** The name a function is called by: its own, its variable's, or its method's or property's key. */
function functionName(fn: FunctionNode): string | undefined {
  if (fn.type === 'FunctionDeclaration') return fn.id?.name;
  const parent = fn.parent;
  if (parent.type === 'VariableDeclarator' && parent.id.type === 'Identifier') return parent.id.name;
  if ((parent.type === 'MethodDefinition' || parent.type === 'Property' || parent.type === 'PropertyDefinition') && parent.key.type === 'Identifier') {
    return parent.key.name;
  }
  return undefined;
}

/**
 * The name of a React function component (capitalised, renders JSX) or custom hook (`useX`) that
 * `fn` is, when it is one.
 */
function componentName(fn: FunctionNode, sourceCode: Readonly<TSESLint.SourceCode>): string | undefined {
  const name = fn.type === 'FunctionDeclaration' || fn.parent.type === 'VariableDeclarator' ? functionName(fn) : undefined;
  if (!name) return undefined;
  if (/^use[A-Z]/.test(name)) return name;
  if (!/^[A-Z]/.test(name)) return undefined;
  // A capitalised function that renders JSX, or calls hooks in its own body (only components may).
  const rendersOrHooks = (node: TSESTree.Node): boolean =>
    node.type === 'JSXElement' || node.type === 'JSXFragment' || (node.type === 'CallExpression' && isHookCall(node));
  return containsOwn(fn.body, sourceCode, rendersOrHooks) ? name : undefined;
}
