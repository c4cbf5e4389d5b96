import type { ParserServicesWithTypeInformation, TSESLint, TSESTree } from '@typescript-eslint/utils';
import * as ASTUtils from '@typescript-eslint/utils/ast-utils';

import { requireTypeInformation } from './analyze';
import { type ConfiguredLock, type LockCall, type LockLibrary, LockRecognizer } from './locks';
import { type FunctionNode, isFunctionNode } from './suspensions';
import { walk, walkFile } from './walk';

type AnyContext = Readonly<TSESLint.RuleContext<string, readonly unknown[]>>;

/** A recognised operation that takes a lock (`acquire()`, a lock callback) and the function it is called in. */
export interface LockSite {
  call: TSESTree.CallExpression;
  lock: LockCall;
  /** The function the call is made in (undefined at the top level of a module). */
  enclosing: FunctionNode | undefined;
}

export interface LockSites {
  sites: readonly LockSite[];
  services: ParserServicesWithTypeInformation;
  sourceCode: Readonly<TSESLint.SourceCode>;
}

const sitesBySource = new WeakMap<object, Map<string, LockSites>>();

/**
 * Every lock operation of a file (by the lock's type, as the race analysis recognises it), found
 * once per file and lock options and shared by the lock-hygiene rules. The checker is asked only
 * about calls of methods named like lock operations.
 */
export function lockSitesOf(context: AnyContext, ruleName: string, configured: readonly ConfiguredLock[]): LockSites {
  const services = requireTypeInformation(context, ruleName);
  const sourceCode = context.sourceCode;
  const key = JSON.stringify(configured);
  let byOptions = sitesBySource.get(sourceCode);
  if (!byOptions) {
    byOptions = new Map();
    sitesBySource.set(sourceCode, byOptions);
  }
  let found = byOptions.get(key);
  if (!found) {
    found = { sites: findSites(sourceCode, services, configured), services, sourceCode };
    byOptions.set(key, found);
  }
  return found;
}

/**
 * Method names that can take a lock of each library (the releases are matched by their receiver's
 * text, not by type): a file that names none of those of its program's libraries is not walked.
 */
const TAKING_BY_LIBRARY: Readonly<Record<LockLibrary, RegExp>> = {
  mutex: /\b(?:acquire|runExclusive)\b/,
  semaphore: /\b(?:acquire|runExclusive)\b/,
  'async-lock': /\bacquire\b/,
  'await-lock': /\bacquire\b/,
  // A member call (`navigator.locks.request(…)`, `manager.request(…)`), not every word 'request'.
  'lock-manager': /\.\s*request\b/,
};
/** Any of them: a text search that comes before the program's libraries are looked up. */
const TAKING_METHODS = /\b(?:acquire|runExclusive|request)\b/;

function findSites(
  sourceCode: Readonly<TSESLint.SourceCode>,
  services: ParserServicesWithTypeInformation,
  configured: readonly ConfiguredLock[],
): LockSite[] {
  // Most files take no lock: a text search spares them the walk, and so does a program without a lock library.
  if (configured.length === 0 && !TAKING_METHODS.test(sourceCode.text)) return [];
  const recognizer = new LockRecognizer(
    { services, checker: services.program.getTypeChecker() },
    configured,
    (identifier) => ASTUtils.findVariable(sourceCode.getScope(identifier), identifier),
    (node) => sourceCode.getText(node),
  );
  if (configured.length === 0 && ![...recognizer.libraries()].some((library) => TAKING_BY_LIBRARY[library].test(sourceCode.text))) return [];
  const sites: LockSite[] = [];
  const stack: FunctionNode[] = [];
  walkFile(
    sourceCode,
    (node) => {
      if (isFunctionNode(node)) stack.push(node);
      if (node.type === 'CallExpression' && !isReleaseCall(node) && recognizer.mayBeLockCall(node)) {
        const lock = recognizer.recognize(node);
        if (lock) sites.push({ call: node, lock, enclosing: stack.at(-1) });
      }
      return undefined;
    },
    (node) => {
      if (isFunctionNode(node)) stack.pop();
    },
  );
  return sites;
}

const TYPE_WRAPPERS = new Set(['TSAsExpression', 'TSNonNullExpression', 'TSTypeAssertion', 'TSSatisfiesExpression']);

type TypeWrapper = TSESTree.TSAsExpression | TSESTree.TSNonNullExpression | TSESTree.TSTypeAssertion | TSESTree.TSSatisfiesExpression;

const isTypeWrapper = (node: TSESTree.Node): node is TypeWrapper => TYPE_WRAPPERS.has(node.type);

function isReleaseCall(call: TSESTree.CallExpression): boolean {
  const callee = call.callee;
  return callee.type === 'MemberExpression' && callee.property.type === 'Identifier' && callee.property.name === 'release';
}

/** `expression` without the wrappers that do not change its value (`x as T`, `x!`, `<T>x`, `x satisfies T`). */
export function skipTypeWrappers(node: TSESTree.Node): TSESTree.Node {
  let current = node;
  while (isTypeWrapper(current)) current = current.expression;
  return current;
}

/** The nearest ancestor of `node` that is not a type wrapper around it. */
export function parentSkippingTypeWrappers(node: TSESTree.Node): TSESTree.Node | undefined {
  let current = node.parent;
  while (current && isTypeWrapper(current)) current = current.parent;
  return current;
}

/** Visits the nodes of `root` that run as part of it: nested functions and classes are skipped. */
export function walkOwnCode(
  root: TSESTree.Node,
  keys: TSESLint.SourceCode.VisitorKeys,
  visit: (node: TSESTree.Node) => void,
): void {
  walk(root, keys, (node) => {
    if (node !== root && (isFunctionNode(node) || node.type === 'ClassDeclaration' || node.type === 'ClassExpression')) {
      return false;
    }
    visit(node);
    return undefined;
  });
}

/** The first node of `root`'s own code (in source order) that satisfies `test`. */
export function findOwnNode(
  root: TSESTree.Node,
  keys: TSESLint.SourceCode.VisitorKeys,
  test: (node: TSESTree.Node) => boolean,
): TSESTree.Node | undefined {
  let found: TSESTree.Node | undefined;
  walk(root, keys, (node) => {
    if (found) return false;
    if (node !== root && (isFunctionNode(node) || node.type === 'ClassDeclaration' || node.type === 'ClassExpression')) {
      return false;
    }
    if (test(node)) found = node;
    return undefined;
  });
  return found;
}
