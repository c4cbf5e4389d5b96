import type { ParserServicesWithTypeInformation, TSESLint, TSESTree } from '@typescript-eslint/utils';
import * as ASTUtils from '@typescript-eslint/utils/ast-utils';
import ts from 'typescript';

import { PerFile } from '../util/per-file';
import { requireTypeInformation } from './analyze';
import { type LockLibrary, LockRecognizer } from './locks';
import { enclosingFunction, type FunctionNode, isFunctionNode } from './suspensions';
import { skipTypeWrappers, walk } from './walk';

type AnyContext = Readonly<TSESLint.RuleContext<string, readonly unknown[]>>;

/**
 * Which lock object an expression denotes, as a path of bindings: the root is a variable (ESLint's
 * scope analysis, so imports, module variables, closures and locals each have their own identity)
 * or `this`, followed by property symbols from the checker. Two receivers with the same path (and,
 * for `this` paths, the same `this`) are the same lock.
 */
export interface LockKey {
  path: string;
  /** For a path rooted at `this`: the method (or field initializer) whose `this` it is. */
  thisOwner?: TSESTree.Node;
  /** For a path rooted at a variable: the variable, and the property part of the path after it. */
  root?: TSESLint.Scope.Variable;
  suffix: string;
}

/** What the lock-hygiene rules know about one file: the checker, the lock recognizer, lock identities. */
export interface LockFile {
  sourceCode: Readonly<TSESLint.SourceCode>;
  services: ParserServicesWithTypeInformation;
  checker: ts.TypeChecker;
  locks: LockRecognizer;
  variableOf(identifier: TSESTree.Identifier): TSESLint.Scope.Variable | null;
  keyOf(receiver: TSESTree.Node): LockKey | undefined;
  /** The expression that created the lock a receiver holds (`new Mutex()`, `withTimeout(…)`), when visible. */
  originOf(receiver: TSESTree.Node): ts.NewExpression | ts.CallExpression | undefined;
}

const files = new PerFile<LockFile>();

/** The lock facts of the file being linted, built once per file and shared by the lock-hygiene rules. */
export function lockFileOf(context: AnyContext, ruleName: string): LockFile {
  const services = requireTypeInformation(context, ruleName);
  const sourceCode = context.sourceCode;
  return files.get(sourceCode, () => buildLockFile(sourceCode, services));
}

function buildLockFile(sourceCode: Readonly<TSESLint.SourceCode>, services: ParserServicesWithTypeInformation): LockFile {
  const checker = services.program.getTypeChecker();
  const variables = new Map<TSESTree.Identifier, TSESLint.Scope.Variable | null>();
  const variableOf = (identifier: TSESTree.Identifier): TSESLint.Scope.Variable | null => {
    let variable = variables.get(identifier);
    if (variable === undefined) {
      variable = ASTUtils.findVariable(sourceCode.getScope(identifier), identifier);
      variables.set(identifier, variable);
    }
    return variable;
  };
  const locks = new LockRecognizer({ services, checker }, [], variableOf, (node) => sourceCode.getText(node));
  const ids = new Map<object, number>();
  const idOf = (thing: object): number => {
    let id = ids.get(thing);
    if (id === undefined) {
      id = ids.size + 1;
      ids.set(thing, id);
    }
    return id;
  };
  const keys = new Map<TSESTree.Node, LockKey | undefined>();

  const computeKey = (receiver: TSESTree.Node): LockKey | undefined => {
    const node = skipTypeWrappers(receiver);
    if (node.type === 'ThisExpression') return { path: 'this', thisOwner: thisOwnerOf(node), suffix: '' };
    if (node.type === 'Identifier') {
      const variable = variableOf(node);
      // A variable assigned again may hold another lock by the time it is taken again.
      if (!variable || variable.defs.length === 0 || variable.references.some((ref) => ref.isWrite() && !ref.init)) {
        return undefined;
      }
      return { path: `v${idOf(variable)}`, root: variable, suffix: '' };
    }
    if (node.type === 'MemberExpression' && !node.computed) {
      const base = keyOf(node.object);
      if (!base) return undefined;
      const symbol = checker.getSymbolAtLocation(services.esTreeNodeToTSNodeMap.get(node.property));
      // A getter may return a new lock each time; only a stored property is one object.
      if (!symbol || !(symbol.flags & ts.SymbolFlags.Property) || symbol.flags & ts.SymbolFlags.Accessor) return undefined;
      const property = `.p${idOf(symbol)}`;
      return { path: base.path + property, thisOwner: base.thisOwner, root: base.root, suffix: base.suffix + property };
    }
    return undefined;
  };
  const keyOf = (receiver: TSESTree.Node): LockKey | undefined => {
    if (!keys.has(receiver)) keys.set(receiver, computeKey(receiver));
    return keys.get(receiver);
  };
  const originOf = (receiver: TSESTree.Node): ts.NewExpression | ts.CallExpression | undefined =>
    locks.originOf(services.esTreeNodeToTSNodeMap.get(receiver) as ts.Expression);
  return { sourceCode, services, checker, locks, variableOf, keyOf, originOf };
}

/** Memoises a whole-file analysis of the lock-hygiene rules, so that it runs once per file. */
export function oncePerFile<T extends object>(analyse: (file: LockFile) => T): (file: LockFile) => T {
  const results = new PerFile<T>();
  return (file) => results.get(file, () => analyse(file));
}

/**
 * What a file that takes or makes a lock of a library names (its class, module or a method), by
 * library: a file of a program that contains none of the libraries its text names skips the walk.
 */
const MENTIONS_BY_LIBRARY: Readonly<Record<LockLibrary, RegExp>> = {
  mutex: /Mutex|runExclusive|acquire|withTimeout/,
  semaphore: /Semaphore|runExclusive|acquire|withTimeout/,
  'async-lock': /AsyncLock|async-lock|acquire/,
  'await-lock': /AwaitLock|await-lock|acquire/,
  // `navigator.locks` (also kept in a variable), or a LockManager handed in with its type.
  'lock-manager': /\.locks\b|\bLockManager\b/,
};

const mentions = new PerFile<boolean>();

/**
 * Whether the lock-hygiene rules have anything to look for in this file: a lock of a library the
 * program contains, named in its text. Searched once for all the rules that ask.
 */
export function mentionsLocks(file: LockFile): boolean {
  return mentions.get(file, () => {
    const text = file.sourceCode.text;
    return [...file.locks.libraries()].some((library) => MENTIONS_BY_LIBRARY[library].test(text));
  });
}

export const sameLock = (a: LockKey, b: LockKey): boolean => a.path === b.path && a.thisOwner === b.thisOwner;

/** The function whose `this` a `this` denotes: arrows see through to it; a class field initializer is the instance. */
export function thisOwnerOf(node: TSESTree.Node): TSESTree.Node | undefined {
  for (let current = node.parent; current; current = current.parent) {
    switch (current.type) {
      case 'FunctionExpression':
      case 'FunctionDeclaration':
      case 'PropertyDefinition':
      case 'AccessorProperty':
      case 'StaticBlock':
        return current;
      default:
        break;
    }
  }
  return undefined;
}

/** `lock.method(…)`: the method name of a member call, when it is a plain name. */
export function calledMethod(call: TSESTree.CallExpression): { receiver: TSESTree.Expression; method: string } | undefined {
  const callee = call.callee;
  if (callee.type !== 'MemberExpression' || callee.computed || callee.property.type !== 'Identifier') return undefined;
  return { receiver: callee.object, method: callee.property.name };
}

const PROMISE_COMBINATORS = new Set(['all', 'allSettled', 'any', 'race']);
const SYNC_CALLBACK_METHODS = new Set(['map', 'flatMap']);
const CHAIN_METHODS = new Set(['then', 'catch', 'finally']);
const LOCK_CALLBACK_METHODS = new Set(['runExclusive', 'acquire', 'request']);
const MAX_CHAIN = 12;

/**
 * Whether `section` (a function, or the module for top-level code) cannot finish before `expression`'s
 * promise settles: it is awaited, or returned (when `returnWaits`: a lock callback's result is awaited
 * by the lock), directly or through `Promise.all`, `.then`, an awaited immediately invoked function,
 * an array `map` callback whose results are awaited, or a `const` that is awaited.
 */
export function awaitedWithin(
  expression: TSESTree.Node,
  section: FunctionNode | undefined,
  returnWaits: boolean,
  variableOf: (identifier: TSESTree.Identifier) => TSESLint.Scope.Variable | null,
  depth = 0,
): boolean {
  let current = expression;
  for (let steps = 0; steps < MAX_CHAIN && depth < 3; steps++) {
    const parent = current.parent;
    if (!parent) return false;
    let settledFunction: FunctionNode | undefined;
    switch (parent.type) {
      case 'TSNonNullExpression':
      case 'TSAsExpression':
      case 'TSSatisfiesExpression':
      case 'ChainExpression':
        current = parent;
        continue;
      case 'ConditionalExpression':
        if (parent.test === current) return false;
        current = parent;
        continue;
      case 'LogicalExpression':
        current = parent;
        continue;
      case 'AwaitExpression': {
        const fn = enclosingFunction(parent);
        if (fn === section) return true;
        settledFunction = fn;
        break;
      }
      case 'ReturnStatement': {
        const fn = enclosingFunction(parent);
        if (fn === section) return returnWaits;
        settledFunction = fn;
        break;
      }
      case 'ArrowFunctionExpression':
        if (parent.body !== current) return false;
        if (parent === section) return returnWaits;
        settledFunction = parent;
        break;
      case 'ArrayExpression':
        if (!isPromiseCombinator(parent.parent, parent)) return false;
        current = parent.parent;
        continue;
      case 'MemberExpression': {
        const call = parent.parent;
        if (
          parent.object === current &&
          parent.property.type === 'Identifier' &&
          CHAIN_METHODS.has(parent.property.name) &&
          call.type === 'CallExpression' &&
          call.callee === parent
        ) {
          current = call;
          continue;
        }
        return false;
      }
      case 'VariableDeclarator': {
        if (parent.init !== current || parent.id.type !== 'Identifier' || parent.parent.kind !== 'const') return false;
        const variable = variableOf(parent.id);
        return (
          variable?.references.some(
            (reference) => !reference.init && awaitedWithin(reference.identifier, section, returnWaits, variableOf, depth + 1),
          ) ?? false
        );
      }
      default:
        return false;
    }
    // `current` is settled by `settledFunction`'s result: that function must be awaited in turn.
    if (!settledFunction) return false;
    const next = settlingCall(settledFunction);
    if (!next) return false;
    current = next;
  }
  return false;
}

/** `Promise.all(argument)` and its siblings. */
function isPromiseCombinator(node: TSESTree.Node, argument: TSESTree.Node): node is TSESTree.CallExpression {
  if (node.type !== 'CallExpression' || !node.arguments.includes(argument as TSESTree.CallExpressionArgument)) return false;
  const callee = node.callee;
  return (
    callee.type === 'MemberExpression' &&
    callee.object.type === 'Identifier' &&
    callee.object.name === 'Promise' &&
    callee.property.type === 'Identifier' &&
    PROMISE_COMBINATORS.has(callee.property.name)
  );
}

/**
 * The call whose result settles only after `fn`'s does: an immediately invoked function, `.then(fn)`,
 * a lock callback (`other.runExclusive(fn)`), or `Promise.all(array.map(fn))`.
 */
function settlingCall(fn: FunctionNode): TSESTree.CallExpression | undefined {
  const parent = fn.parent;
  if (parent.type !== 'CallExpression') return undefined;
  if (parent.callee === fn) return parent;
  if (!parent.arguments.includes(fn as TSESTree.CallExpressionArgument)) return undefined;
  const method = calledMethod(parent)?.method;
  if (method && (CHAIN_METHODS.has(method) || LOCK_CALLBACK_METHODS.has(method))) return parent;
  if (method && SYNC_CALLBACK_METHODS.has(method) && isPromiseCombinator(parent.parent, parent)) return parent.parent;
  return undefined;
}

/** Whether a node of `root` matches, not looking into nested functions. */
export function containsOwn(
  root: TSESTree.Node,
  sourceCode: Readonly<TSESLint.SourceCode>,
  matches: (node: TSESTree.Node) => boolean,
): boolean {
  const state = { found: false };
  walk(root, sourceCode.visitorKeys, (node) => {
    if (state.found || (node !== root && isFunctionNode(node))) return false;
    state.found = matches(node);
    return !state.found;
  });
  return state.found;
}
