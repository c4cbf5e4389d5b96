import type { TSESLint, TSESTree } from '@typescript-eslint/utils';

import { CONTAINER_WRITES } from '../access-paths';
import type { RaceFinding } from '../dataflow';
import { type FunctionNode, isFunctionNode } from '../suspensions';
import { countBelow, walk } from '../walk';

/** The smallest run of whole statements, in one block, that holds the read, the suspension and the write. */
export interface CriticalSection {
  statements: readonly TSESTree.Statement[];
  /** The statement list the section is a slice of. */
  siblings: readonly TSESTree.Statement[];
  start: number;
  end: number;
}

/** Why a section cannot be wrapped (`blocked`), or can only be offered as a suggestion (`suggestOnly`). */
export interface SectionVerdict {
  blocked?: string;
  suggestOnly?: string;
  /** The section ends the function and returns from inside: `return await m.runExclusive(…)`. */
  returns: boolean;
  /** The section returns from inside but does not end the function (blocked unless it is extended). */
  returnsMidway?: boolean;
  /** A function or class declared inside is used after it (blocked unless it is extended). */
  declarationEscapes?: boolean;
  /** Names declared inside the section and used after it: they come out as the callback's value. */
  escapes: TSESTree.Identifier[];
  /** `let` when an escaping name is reassigned later (or was declared with let/var). */
  escapeKind: 'const' | 'let';
}

type StatementList = readonly TSESTree.Statement[];

function statementListOf(node: TSESTree.Node): StatementList | undefined {
  if (node.type === 'BlockStatement' || node.type === 'Program' || node.type === 'StaticBlock') {
    return node.body;
  }
  if (node.type === 'SwitchCase') return node.consequent;
  return undefined;
}

function ancestors(node: TSESTree.Node): TSESTree.Node[] {
  const chain: TSESTree.Node[] = [];
  for (let current: TSESTree.Node | undefined = node; current; current = current.parent) chain.push(current);
  return chain;
}

/**
 * The index of `statement` in `list`, by binary search on its start (a list is in source order): a
 * long function has many findings, and scanning its whole body for each would be quadratic.
 */
function indexInList(list: StatementList, statement: TSESTree.Node | undefined): number {
  if (!statement) return -1;
  const index = countBelow(list.length, (at) => list[at].range[0] < statement.range[0]);
  return list[index] === statement ? index : -1;
}

const sections = new WeakMap<RaceFinding, CriticalSection | null>();

/** Finds the critical section of a finding inside its function, or undefined when it has no block to live in. */
export function findCriticalSection(finding: RaceFinding): CriticalSection | undefined {
  let section = sections.get(finding);
  if (section === undefined) {
    section = computeCriticalSection(finding) ?? null;
    sections.set(finding, section);
  }
  return section ?? undefined;
}

function computeCriticalSection(finding: RaceFinding): CriticalSection | undefined {
  let nodes: TSESTree.Node[] = [finding.read, finding.suspension, finding.write];
  if (finding.staleCheck) nodes.push(finding.staleCheck);
  // A read in a later loop iteration than the write: the whole loop goes under the lock.
  const writeStatement = ancestors(finding.write).find((node) => node.parent && statementListOf(node.parent));
  if (writeStatement && finding.read.range[0] >= writeStatement.range[1]) {
    const loop = ancestors(finding.write).find(
      (node) => /^(For|ForIn|ForOf|While|DoWhile)Statement$/.test(node.type) && node.range[0] <= finding.read.range[0] && node.range[1] >= finding.read.range[1],
    );
    if (!loop) return undefined;
    nodes = [loop];
  }
  const chains = nodes.map(ancestors);
  for (const candidate of chains[0]) {
    if (!chains.every((chain) => chain.includes(candidate))) continue;
    if (candidate === finding.unit.parent) break;
    const list = statementListOf(candidate);
    if (!list) continue;
    const indices = chains.map((chain) => indexInList(list, chain[chain.indexOf(candidate) - 1]));
    if (indices.some((index) => index < 0)) continue;
    const start = Math.min(...indices);
    const end = Math.max(...indices);
    return { statements: list.slice(start, end + 1), siblings: list, start, end };
  }
  return undefined;
}


function isInside(node: TSESTree.Node, section: CriticalSection): boolean {
  const first = section.statements[0];
  const last = section.statements[section.statements.length - 1];
  return node.range[0] >= first.range[0] && node.range[1] <= last.range[1];
}

/** Whether a `break`/`continue` leaves the section (its target loop, switch or label is outside). */
function jumpLeaves(jump: TSESTree.BreakStatement | TSESTree.ContinueStatement, section: CriticalSection): boolean {
  for (let current: TSESTree.Node | undefined = jump.parent; current && isInside(current, section); current = current.parent) {
    if (jump.label) {
      if (current.type === 'LabeledStatement' && current.label.name === jump.label.name) return false;
      continue;
    }
    const isLoop = /^(For|ForIn|ForOf|While|DoWhile)Statement$/.test(current.type);
    if (isLoop || (jump.type === 'BreakStatement' && current.type === 'SwitchStatement')) return false;
  }
  return true;
}

/**
 * Checks what wrapping the section in an async arrow would change: suspensions that are not awaits
 * (`yield`), jumps and returns across the boundary, names used after it, `arguments`/`super`, and a
 * synchronous start that runExclusive would defer.
 */
export function inspectSection(
  section: CriticalSection,
  unit: FunctionNode,
  sourceCode: Readonly<TSESLint.SourceCode>,
  variableOf: (identifier: TSESTree.Identifier) => TSESLint.Scope.Variable | null,
): SectionVerdict {
  const verdict: SectionVerdict = { returns: false, escapes: [], escapeKind: 'const' };
  const keys = sourceCode.visitorKeys;
  // Set from inside the walk's callback.
  const seen = { suspension: false, return: false };
  const declared: TSESTree.Identifier[] = [];
  /** Functions, classes, types, interfaces and enums declared at the section's level: no value can carry them out of it. */
  const declaredNamed: Array<
    TSESTree.FunctionDeclaration | TSESTree.ClassDeclaration | TSESTree.TSTypeAliasDeclaration | TSESTree.TSInterfaceDeclaration | TSESTree.TSEnumDeclaration
  > = [];
  const block = (reason: string) => {
    verdict.blocked ??= reason;
  };
  const suggest = (reason: string) => {
    verdict.suggestOnly ??= reason;
  };
  if (!unit.async) block('the function is not async');
  for (const statement of section.statements) {
    walk(statement, keys, (node) => {
      if (node.type === 'FunctionDeclaration' && node.id && node.parent === statement.parent) declaredNamed.push(node);
      if (isFunctionNode(node) && node !== unit) {
        // Nested functions keep their own returns and yields; arrows share `arguments` and `super`.
        if (node.type === 'ArrowFunctionExpression') {
          walk(node.body, keys, (inner) => {
            if (isFunctionNode(inner) && inner.type !== 'ArrowFunctionExpression') return false;
            if (inner.type === 'Identifier' && inner.name === 'arguments' && !variableOf(inner)?.defs.length) {
              suggest('it uses `arguments`');
            }
            if (inner.type === 'Super') suggest('it uses `super`');
            if (inner.type === 'MetaProperty' && inner.meta.name === 'new') suggest('it uses `new.target`');
          });
        }
        return false;
      }
      switch (node.type) {
        case 'YieldExpression':
          block('it contains `yield`, which cannot move into a callback');
          break;
        case 'AwaitExpression':
          seen.suspension = true;
          break;
        case 'ForOfStatement':
          if (node.await) seen.suspension = true;
          break;
        case 'ReturnStatement':
          seen.return = true;
          break;
        case 'BreakStatement':
        case 'ContinueStatement':
          if (jumpLeaves(node, section)) block(`a \`${node.type === 'BreakStatement' ? 'break' : 'continue'}\` leaves it`);
          break;
        case 'Identifier':
          if (node.name === 'arguments' && !variableOf(node)?.defs.length) suggest('it uses `arguments`');
          break;
        case 'Super':
          suggest('it uses `super`');
          break;
        case 'MetaProperty':
          if (node.meta.name === 'new') suggest('it uses `new.target`');
          break;
        case 'VariableDeclaration':
          if (node.kind === 'using' || node.kind === 'await using') suggest('a `using` declaration would be disposed at a different time');
          if (node.kind === 'var' || node.parent === statement.parent) {
            for (const declarator of node.declarations) collectNames(declarator.id, declared);
          }
          break;
        case 'ClassDeclaration':
        case 'TSTypeAliasDeclaration':
        case 'TSInterfaceDeclaration':
        case 'TSEnumDeclaration':
          if (node.id && node.parent === statement.parent) declaredNamed.push(node);
          break;
        case 'CallExpression': {
          // `pending.add(id)` before the first await is a shared write too, which runExclusive would defer.
          const callee = node.callee;
          if (
            !seen.suspension &&
            callee.type === 'MemberExpression' &&
            callee.property.type === 'Identifier' &&
            CONTAINER_MUTATORS.has(callee.property.name) &&
            !containsAwait(node, keys)
          ) {
            const root = leftmostIdentifier(callee.object);
            if (!root || !isLocalTo(variableOf(root), unit, section)) {
              suggest('it changes shared state before its first `await`, and runExclusive would defer that change');
            }
          }
          break;
        }
        case 'AssignmentExpression':
        case 'UpdateExpression': {
          // The write happens after its right side: `x += await f()` writes after suspending.
          const writesAfterAwait = node.type === 'AssignmentExpression' && containsAwait(node.right, keys);
          if (!seen.suspension && !writesAfterAwait) {
            const target = node.type === 'AssignmentExpression' ? node.left : node.argument;
            if (target.type === 'MemberExpression' || (target.type === 'Identifier' && !isLocalTo(variableOf(target), unit, section))) {
              suggest('it writes shared state before its first `await`, and runExclusive would defer that write');
            }
          }
          break;
        }
        default:
          break;
      }
    });
  }

  const last = section.statements[section.statements.length - 1];
  const endsFunction =
    unit.body.type === 'BlockStatement' && section.siblings === unit.body.body && section.end === section.siblings.length - 1;
  if (seen.return) {
    if (endsFunction) verdict.returns = true;
    else {
      verdict.returnsMidway = true;
      block('it returns from the function, and does not end it');
    }
  }

  // Hoisted names (functions, `var`s, types) can be used before the section too; in a callback they
  // would not exist there, and no extension helps.
  const first = section.statements[0].range[0];
  const usedBefore = (variable: TSESLint.Scope.Variable) => variable.references.some((reference) => reference.identifier.range[1] <= first);
  const usedAfter = (variable: TSESLint.Scope.Variable) => variable.references.some((reference) => reference.identifier.range[0] > last.range[1]);
  // Asked of the declaration: a class has a variable of its own inside it too, which the name's lookup may give.
  for (const declaration of declaredNamed) {
    const variables = sourceCode.scopeManager?.getDeclaredVariables(declaration) ?? [];
    if (variables.some(usedBefore)) block(`\`${declaration.id!.name}\` is declared inside and used before it`);
    if (variables.length === 0 || variables.some(usedAfter)) {
      verdict.declarationEscapes = true;
      block(`\`${declaration.id!.name}\` is declared inside and used after it`);
    }
  }
  for (const name of declared) {
    const variable = variableOf(name);
    if (!variable) continue;
    if (usedBefore(variable)) block(`\`${name.name}\` is declared inside and used before it`);
    if (!usedAfter(variable)) continue;
    const def = variable.defs[0];
    verdict.escapes.push(name);
    const parent = def.parent;
    // The callback disposes of it when it returns: the code after the section would get a disposed resource.
    if (parent?.type === 'VariableDeclaration' && (parent.kind === 'using' || parent.kind === 'await using')) {
      block(`\`${name.name}\` is disposed of when the section ends, and used after it`);
    }
    const reassignedAfter = variable.references.some((reference) => reference.isWrite() && reference.identifier.range[0] > last.range[1]);
    if (reassignedAfter || (parent?.type === 'VariableDeclaration' && parent.kind !== 'const')) verdict.escapeKind = 'let';
  }
  if (verdict.escapes.length > 0 && verdict.returns) block('it both returns and declares names used after it');
  return verdict;
}

const CONTAINER_MUTATORS = new Set([...CONTAINER_WRITES.map, ...CONTAINER_WRITES.set, ...CONTAINER_WRITES.array]);

function leftmostIdentifier(node: TSESTree.Node): TSESTree.Identifier | undefined {
  let current = node;
  while (current.type === 'MemberExpression') current = current.object;
  return current.type === 'Identifier' ? current : undefined;
}

function containsAwait(node: TSESTree.Node, keys: TSESLint.SourceCode.VisitorKeys): boolean {
  let found = false;
  walk(node, keys, (inner) => {
    if (found || (isFunctionNode(inner) && inner !== node)) return false;
    if (inner.type === 'AwaitExpression') found = true;
  });
  return found;
}

function collectNames(pattern: TSESTree.Node, into: TSESTree.Identifier[]): void {
  switch (pattern.type) {
    case 'Identifier':
      into.push(pattern);
      return;
    case 'ObjectPattern':
      for (const property of pattern.properties) collectNames(property.type === 'Property' ? property.value : property, into);
      return;
    case 'ArrayPattern':
      for (const element of pattern.elements) if (element) collectNames(element, into);
      return;
    case 'AssignmentPattern':
      collectNames(pattern.left, into);
      return;
    case 'RestElement':
      collectNames(pattern.argument, into);
      return;
    default:
      return;
  }
}

/** A variable declared inside the section, or a local of the function: writing it early is not observable. */
function isLocalTo(variable: TSESLint.Scope.Variable | null, unit: FunctionNode, section: CriticalSection): boolean {
  if (!variable) return false;
  const declaration = variable.identifiers.at(0);
  if (declaration && isInside(declaration, section)) return true;
  for (let scope: TSESLint.Scope.Scope | null = variable.scope; scope; scope = scope.upper) {
    if (scope.block === unit) return true;
  }
  return false;
}
