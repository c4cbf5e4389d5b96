import type { ParserServicesWithTypeInformation, TSESLint, TSESTree } from '@typescript-eslint/utils';
import * as ASTUtils from '@typescript-eslint/utils/ast-utils';

import { requireTypeInformation } from './analyze';
import { type ConfiguredLock, type LockCall, LockRecognizer, takingMethodsOf } from './locks';
import { enclosingFunction, type FunctionNode, isFunctionNode } from './suspensions';
import { PerFile, perFileAndOptions } from '../util/per-file';
import { childAt, walk, walkFile } from './walk';

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

const sitesBySource = new PerFile<Map<string, LockSites>>();

/**
 * Every lock operation of a file (by the lock's type, as the race analysis recognises it), found
 * once per file and lock options and shared by the lock-hygiene rules. The checker is asked only
 * about calls of methods named like lock operations.
 */
export function lockSitesOf(context: AnyContext, ruleName: string, configured: readonly ConfiguredLock[]): LockSites {
  const services = requireTypeInformation(context, ruleName);
  const sourceCode = context.sourceCode;
  return perFileAndOptions(sitesBySource, sourceCode, JSON.stringify(configured), () => ({
    sites: findSites(sourceCode, services, configured),
    services,
    sourceCode,
  }));
}

/** Any method that can take a lock: a text search that comes before the program's libraries are looked up. */
const TAKING_METHODS = /\b(?:acquire|acquireAsync|runExclusive|request)\b/;

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
  const sites: LockSite[] = [];
  const consider = (call: TSESTree.CallExpression, enclosing: FunctionNode | undefined) => {
    if (isReleaseCall(call) || !recognizer.mayBeLockCall(call)) return;
    const lock = recognizer.recognize(call);
    if (lock) sites.push({ call, lock, enclosing });
  };
  if (configured.length > 0) {
    // Configured lock functions are called by any name: every call is a candidate.
    const stack: FunctionNode[] = [];
    walkFile(
      sourceCode,
      (node) => {
        if (isFunctionNode(node)) stack.push(node);
        if (node.type === 'CallExpression') consider(node, stack.at(-1));
        return undefined;
      },
      (node) => {
        if (isFunctionNode(node)) stack.pop();
      },
    );
    return sites;
  }
  // Otherwise only a call of a method of one of the program's lock libraries: found from the text.
  const methods = takingMethodsOf(recognizer.libraries());
  if (methods.length === 0) return [];
  for (const match of sourceCode.text.matchAll(new RegExp(`\\b(?:${methods.join('|')})\\b`, 'g'))) {
    if (sourceCode.getTokenByRangeStart(match.index)?.type !== 'Identifier') continue;
    const call = methodCallAt(sourceCode, match.index);
    if (call) consider(call, enclosingFunction(call));
  }
  // In the order of a walk of the file: by start, an outer call before a call it starts with.
  return sites.sort((a, b) => a.call.range[0] - b.call.range[0] || b.call.range[1] - a.call.range[1]);
}

/** The call `x.name(…)` whose method name starts at `index`, if the name there is one. */
function methodCallAt(sourceCode: Readonly<TSESLint.SourceCode>, index: number): TSESTree.CallExpression | undefined {
  let node: TSESTree.Node = sourceCode.ast;
  for (let next = childAt(node, index, sourceCode.visitorKeys); next; next = childAt(node, index, sourceCode.visitorKeys)) node = next;
  const member = node.parent;
  if (node.type !== 'Identifier' || member?.type !== 'MemberExpression' || member.property !== node || member.computed) return undefined;
  const call = member.parent;
  return call.type === 'CallExpression' && call.callee === member ? call : undefined;
}

function isReleaseCall(call: TSESTree.CallExpression): boolean {
  const callee = call.callee;
  return callee.type === 'MemberExpression' && callee.property.type === 'Identifier' && callee.property.name === 'release';
}

/**
 * Visits the nodes of `root` that run as part of it: nested functions and classes are skipped. With
 * `overlapping`, only the nodes whose text overlaps that range are visited (what is outside it holds
 * nothing inside it: a section of a long function is found without walking the rest).
 */
export function walkOwnCode(
  root: TSESTree.Node,
  keys: TSESLint.SourceCode.VisitorKeys,
  visit: (node: TSESTree.Node) => void,
  overlapping?: readonly [number, number],
): void {
  walk(root, keys, (node) => {
    if (node !== root && (isFunctionNode(node) || node.type === 'ClassDeclaration' || node.type === 'ClassExpression')) {
      return false;
    }
    if (overlapping && (node.range[1] <= overlapping[0] || node.range[0] >= overlapping[1])) return false;
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
