import type { ParserServicesWithTypeInformation, TSESLint, TSESTree } from '@typescript-eslint/utils';
import ts from 'typescript';

import { declaredReturnTypes, PLAIN_INSTANCE } from './declared-types';
import { acquireSectionOf, findReleaseCalls } from './lock-release';
import type { LockSite, LockSites } from './lock-sites';
import { findOwnNode, walkOwnCode } from './lock-sites';
import { type FunctionNode, isFunctionNode } from './suspensions';

/**
 * Promises started inside a critical section and let go before it ends: the lock is released when
 * the section ends, and the work they stand for goes on without it.
 */

/** Code that runs while a lock is held: a lock callback, or the statements between `acquire()` and the release. */
export interface CriticalSection {
  /** The function whose own code holds the lock. */
  fn: FunctionNode;
  /** The part of `fn`'s text that holds it (the whole function for a callback). */
  range: readonly [number, number];
  lock: string;
  /** The line the lock is taken on. */
  line: number;
  /** Whether the section is a callback the lock runs (it may return the promise instead of awaiting it). */
  isCallback: boolean;
}

export type UnawaitedFinding =
  /** A statement whose value is a promise nobody waits for. */
  | { kind: 'unawaited'; node: TSESTree.Expression; section: CriticalSection; suggest: Array<'addAwait' | 'returnPromise'> }
  /** A promise kept in a local variable that the section never reads (declared in it, or in the function around it). */
  | { kind: 'unawaitedVariable'; node: TSESTree.VariableDeclarator | TSESTree.AssignmentExpression; name: string; section: CriticalSection }
  /** A statement whose value is an array of promises (`items.map(async …)`) nobody waits for. */
  | { kind: 'unawaitedArray'; node: TSESTree.Expression; section: CriticalSection; suggest: Array<'awaitAll'> }
  /** An async callback given to `forEach`, which drops the promises it returns. */
  | { kind: 'asyncForEach'; node: FunctionNode; section: CriticalSection };

/** The critical sections of a file whose extent is known. */
export function criticalSections(sites: LockSites): CriticalSection[] {
  const sections: CriticalSection[] = [];
  for (const site of sites.sites) {
    const section = site.lock.operation.op === 'callback' ? callbackSection(site) : acquiredSection(site, sites.sourceCode);
    if (section) sections.push(section);
  }
  return sections;
}

function callbackSection(site: LockSite): CriticalSection | undefined {
  if (site.lock.operation.op !== 'callback') return undefined;
  const callback = site.call.arguments[site.lock.operation.callbackIndex];
  if (!isFunctionNode(callback)) return undefined;
  // async-lock's callback mode, `acquire(key, (done) => …)`, holds the lock until `done` is called.
  const callee = site.call.callee;
  const isAsyncLock = callee.type === 'MemberExpression' && callee.property.type === 'Identifier' && callee.property.name === 'acquire';
  if (isAsyncLock && callback.params.length > 0) return undefined;
  return { fn: callback, range: callback.range, lock: site.lock.label, line: site.call.loc.start.line, isCallback: true };
}

/** From the end of `await lock.acquire()` to its last release in the same function. */
function acquiredSection(site: LockSite, sourceCode: Readonly<TSESLint.SourceCode>): CriticalSection | undefined {
  const acquired = acquireSectionOf(site, sourceCode);
  if (!acquired) return undefined;
  const releases = findReleaseCalls(acquired, sourceCode.visitorKeys, sourceCode);
  const end = Math.max(...[...releases].map((release) => release.range[0]));
  if (!Number.isFinite(end)) return undefined;
  return {
    fn: acquired.fn,
    range: [acquired.statement?.range[1] ?? acquired.fn.body.range[0], end],
    lock: site.lock.label,
    line: site.call.loc.start.line,
    isCallback: false,
  };
}

const within = (node: TSESTree.Node, range: readonly [number, number]): boolean =>
  range[0] <= node.range[0] && node.range[1] <= range[1];

/** Promises let go inside critical sections; the innermost section names a statement inside nested ones. */
export function unawaitedInSections(
  sections: readonly CriticalSection[],
  services: ParserServicesWithTypeInformation,
  sourceCode: Readonly<TSESLint.SourceCode>,
): UnawaitedFinding[] {
  const checker = services.program.getTypeChecker();
  const thenableArray = (type: ts.Type, tsNode: ts.Node): boolean =>
    (checker.isArrayType(type) || checker.isTupleType(type)) &&
    checker.getTypeArguments(type as ts.TypeReference).some((element) => isThenableType(checker, element, tsNode));
  // What every declared signature of the callee returns settles most calls (`this.emit(…)`, `log.debug(…)`)
  // without resolving the call, which for an overloaded generic method costs milliseconds.
  const isThenable = (node: TSESTree.Node): boolean => {
    const tsNode = services.esTreeNodeToTSNodeMap.get(node);
    const declared = declaredAnswer(services, node, (returned) => isThenableType(checker, returned, tsNode));
    return declared ?? isThenableType(checker, services.getTypeAtLocation(node), tsNode);
  };
  const isThenableArray = (node: TSESTree.Node): boolean => {
    const tsNode = services.esTreeNodeToTSNodeMap.get(node);
    return declaredAnswer(services, node, (returned) => thenableArray(returned, tsNode)) ?? thenableArray(services.getTypeAtLocation(node), tsNode);
  };
  const byNode = new Map<TSESTree.Node, UnawaitedFinding>();
  const innermostFirst = [...sections].sort((a, b) => a.range[1] - a.range[0] - (b.range[1] - b.range[0]));
  for (const section of innermostFirst) {
    walkOwnCode(
      section.fn,
      sourceCode.visitorKeys,
      (node) => {
        if (byNode.has(node) || !within(node, section.range)) return;
        const finding = findingAt(node, section, { isThenable, isThenableArray }, sourceCode);
        if (finding) byNode.set(node, finding);
      },
      section.range,
    );
  }
  return [...byNode.values()].sort((a, b) => a.node.range[0] - b.node.range[0]);
}

/**
 * `test` of what a call returns, from the declared signatures of the function or method it calls
 * (`declaredReturnTypes`): when they all give the same answer, that is the answer for the resolved
 * call too. Undefined when they do not settle it.
 */
function declaredAnswer(services: ParserServicesWithTypeInformation, node: TSESTree.Node, test: (returned: ts.Type) => boolean): boolean | undefined {
  const call = node.type === 'ChainExpression' ? node.expression : node;
  if (call.type !== 'CallExpression' && call.type !== 'NewExpression') return undefined;
  // An instance of a class that declares no `then` is neither a thenable nor an array.
  const answers = new Set(declaredReturnTypes(services, call)?.map((returned) => (returned === PLAIN_INSTANCE ? false : test(returned))));
  return answers.size === 1 ? [...answers][0] : undefined;
}

interface TypeTests {
  isThenable: (node: TSESTree.Node) => boolean;
  isThenableArray: (node: TSESTree.Node) => boolean;
}

function findingAt(
  node: TSESTree.Node,
  section: CriticalSection,
  { isThenable, isThenableArray }: TypeTests,
  sourceCode: Readonly<TSESLint.SourceCode>,
): UnawaitedFinding | undefined {
  if (node.type === 'ExpressionStatement') {
    const expression = node.expression.type === 'ChainExpression' ? node.expression.expression : node.expression;
    if (expression.type === 'CallExpression' && isForEach(expression)) {
      const callback = expression.arguments.find((argument) => isFunctionNode(argument) && argument.async);
      if (callback && isFunctionNode(callback)) return { kind: 'asyncForEach', node: callback, section };
    }
    if (expression.type === 'AssignmentExpression') return assignedAway(expression, section, isThenable, sourceCode);
    // `void promise` marks work that is meant to outlive the section.
    if (!isStarted(expression)) return undefined;
    if (isThenable(node.expression)) {
      return { kind: 'unawaited', node: node.expression, section, suggest: suggestionsFor(node, section, sourceCode.visitorKeys) };
    }
    if (expression.type === 'CallExpression' && isThenableArray(node.expression)) {
      return { kind: 'unawaitedArray', node: node.expression, section, suggest: section.fn.async ? ['awaitAll'] : [] };
    }
    return undefined;
  }
  if (node.type === 'VariableDeclarator' && node.id.type === 'Identifier' && node.init && isStarted(node.init)) {
    const variable = sourceCode.getDeclaredVariables(node).at(0);
    if (!variable) return undefined;
    const readInSection = variable.references.some((reference) => reference.isRead() && within(reference.identifier, section.range));
    if (readInSection || !isThenable(node.init)) return undefined;
    return { kind: 'unawaitedVariable', node, name: node.id.name, section };
  }
  return undefined;
}

/**
 * `pending = write()` inside the section, where `pending` is a local of the function around it
 * (not module state, which may be an in-flight promise shared on purpose) that the section never
 * reads: it is awaited, if at all, after the lock is released.
 */
function assignedAway(
  assignment: TSESTree.AssignmentExpression,
  section: CriticalSection,
  isThenable: (node: TSESTree.Node) => boolean,
  sourceCode: Readonly<TSESLint.SourceCode>,
): UnawaitedFinding | undefined {
  if (assignment.operator !== '=' || assignment.left.type !== 'Identifier' || !isStarted(assignment.right)) return undefined;
  const target = assignment.left;
  const variable = sourceCode.getScope(assignment).references.find((reference) => reference.identifier === target)?.resolved;
  if (!variable || variable.scope.type === 'module' || variable.scope.type === 'global') return undefined;
  const declared = variable.defs.at(0)?.name;
  if (!declared || within(declared, section.range)) return undefined;
  const readInSection = variable.references.some((reference) => reference.isRead() && within(reference.identifier, section.range));
  if (readInSection || !isThenable(assignment.right)) return undefined;
  return { kind: 'unawaitedVariable', node: assignment, name: target.name, section };
}

/** An expression that starts work: a call or `new`, possibly behind `&&`, `||`, `??` or `?:`. */
function isStarted(expression: TSESTree.Expression): boolean {
  switch (expression.type) {
    case 'CallExpression':
    case 'NewExpression':
      return true;
    case 'ChainExpression':
      return isStarted(expression.expression);
    case 'LogicalExpression':
      return isStarted(expression.right);
    case 'ConditionalExpression':
      return isStarted(expression.consequent) || isStarted(expression.alternate);
    default:
      return false;
  }
}

function isForEach(call: TSESTree.CallExpression): boolean {
  const callee = call.callee;
  return callee.type === 'MemberExpression' && !callee.computed && callee.property.type === 'Identifier' && callee.property.name === 'forEach';
}

/**
 * `await` where the section's function is async; `return` for the last statement of a callback
 * that returns nothing else (the lock then waits for the promise).
 */
function suggestionsFor(
  statement: TSESTree.ExpressionStatement,
  section: CriticalSection,
  keys: TSESLint.SourceCode.VisitorKeys,
): Array<'addAwait' | 'returnPromise'> {
  const expression = statement.expression.type === 'ChainExpression' ? statement.expression.expression : statement.expression;
  if (expression.type !== 'CallExpression' && expression.type !== 'NewExpression') return [];
  if (section.fn.async) return ['addAwait'];
  const body = section.fn.body;
  if (!section.isCallback || body.type !== 'BlockStatement' || body.body.at(-1) !== statement) return [];
  const returnsValue = findOwnNode(body, keys, (node) => node.type === 'ReturnStatement' && node.argument !== null);
  return returnsValue ? [] : ['returnPromise'];
}

/** Whether a value of this type can be awaited for a result: it has a callable `then` (as ts-api-utils' `isThenableType`). */
function isThenableType(checker: ts.TypeChecker, type: ts.Type, node: ts.Node): boolean {
  const parts = type.isUnion() ? type.types : [type];
  return parts.some((part) => {
    const then = part.getProperty('then');
    if (!then) return false;
    const thenType = checker.getTypeOfSymbolAtLocation(then, node);
    return (thenType.isUnion() ? thenType.types : [thenType]).some((candidate) => candidate.getCallSignatures().length > 0);
  });
}
