import type { TSESLint, TSESTree } from '@typescript-eslint/utils';

import type { StatePath } from '../access-paths';
import type { CallUnderLock, GuardedUpdate, RaceFinding } from '../dataflow';
import type { SharedStateResolver } from '../shared-state';
import type { FunctionNode } from '../suspensions';

/** The mutex a fix takes: its expression, and the declaration to add when it is new. */
export interface MutexChoice {
  text: string;
  declaration?: { at: number; text: string };
  reused: boolean;
}

interface MutexContext {
  sourceCode: Readonly<TSESLint.SourceCode>;
  shared: SharedStateResolver;
  guarded: readonly GuardedUpdate[];
  callsUnderLock: readonly CallUnderLock[];
  /** The file is TypeScript (class fields get `private readonly`). */
  typescript: boolean;
  mutexClass: string;
}

function unitName(unit: FunctionNode): string | undefined {
  if (unit.type === 'FunctionDeclaration') return unit.id?.name;
  const parent = unit.parent;
  if (parent.type === 'MethodDefinition' || parent.type === 'Property' || parent.type === 'PropertyDefinition') {
    return parent.key.type === 'Identifier' ? parent.key.name : undefined;
  }
  if (parent.type === 'VariableDeclarator' && parent.id.type === 'Identifier') return parent.id.name;
  return undefined;
}

function calleeName(call: TSESTree.CallExpression): string | undefined {
  const callee = call.callee;
  if (callee.type === 'Identifier') return callee.name;
  if (callee.type === 'MemberExpression' && !callee.computed && callee.property.type === 'Identifier') return callee.property.name;
  return undefined;
}

function classOf(node: TSESTree.Node): TSESTree.ClassDeclaration | TSESTree.ClassExpression | undefined {
  for (let current = node.parent; current; current = current.parent) {
    if (current.type === 'ClassDeclaration' || current.type === 'ClassExpression') return current;
  }
  return undefined;
}

/** Function bodies in this file that a call in the section resolves to by name (one level). */
function calledBodies(section: readonly TSESTree.Statement[], sourceCode: Readonly<TSESLint.SourceCode>, unit: FunctionNode): string[] {
  const names = new Set<string>();
  const text = section.map((statement) => sourceCode.getText(statement)).join('\n');
  for (const match of text.matchAll(/([A-Za-z_$][\w$]*)\s*\(/g)) names.add(match[1]);
  const bodies: string[] = [];
  const visit = (node: TSESTree.Node): void => {
    if ((node.type === 'FunctionDeclaration' || node.type === 'FunctionExpression' || node.type === 'ArrowFunctionExpression') && node !== unit) {
      const name = unitName(node);
      if (name && names.has(name)) bodies.push(sourceCode.getText(node.body));
    }
    for (const key of sourceCode.visitorKeys[node.type] ?? []) {
      const child = (node as unknown as Record<string, unknown>)[key];
      for (const item of Array.isArray(child) ? child : [child]) {
        if (item && typeof (item as TSESTree.Node).type === 'string') visit(item as TSESTree.Node);
      }
    }
  };
  visit(sourceCode.ast);
  return bodies;
}

const takesMutex = (body: string, mutexText: string): boolean =>
  new RegExp(`${mutexText.replace(/[.$]/g, (c) => `\\${c}`)}\\s*\\.\\s*(runExclusive|acquire|waitForUnlock)\\b`).test(body);

/**
 * Reuses an async-mutex mutex that already guards an update of the same state in this file (or
 * class), unless that could deadlock: the section calls a function that takes it, or this function
 * is called while it is held. Otherwise declares a new one beside the state it guards.
 */
export function chooseMutex(
  finding: RaceFinding,
  section: readonly TSESTree.Statement[],
  ctx: MutexContext,
): MutexChoice | undefined {
  const { sourceCode } = ctx;
  const name = unitName(finding.unit);
  // The section itself, and the bodies of the functions it calls (one level): none may take the mutex again.
  const bodies = [section.map((statement) => sourceCode.getText(statement)).join('\n'), ...calledBodies(section, sourceCode, finding.unit)];
  for (const update of ctx.guarded) {
    if (update.path.key !== finding.path.key) continue;
    for (const lock of update.locks) {
      const receiver = lock.mutexReceiver;
      if (!receiver) continue;
      const text = sourceCode.getText(receiver);
      if (!usableFrom(receiver, update.unit, finding.unit, ctx)) continue;
      if (bodies.some((body) => takesMutex(body, text))) continue;
      const calledUnderIt = ctx.callsUnderLock.some(
        (entry) => entry.locks.some((held) => held.id === lock.id) && name !== undefined && calleeName(entry.call) === name,
      );
      if (calledUnderIt) continue;
      return { text, reused: true };
    }
  }
  return declareMutex(finding.path, finding.unit, ctx);
}

/** `this.lock` is usable from a method of the same class; a variable from wherever it resolves to the same binding. */
function usableFrom(receiver: TSESTree.Node, owner: FunctionNode, unit: FunctionNode, ctx: MutexContext): boolean {
  const root = leftmost(receiver);
  if (root.type === 'ThisExpression') {
    return ctx.shared.thisRoot(root)?.key === ctx.shared.thisRoot(unit.body)?.key && classOf(owner) === classOf(unit);
  }
  if (root.type !== 'Identifier') return false;
  const variable = ctx.shared.variableOf(root);
  return variable !== null && resolveName(ctx.sourceCode, unit, root.name) === variable;
}

function leftmost(node: TSESTree.Node): TSESTree.Node {
  let current = node;
  while (current.type === 'MemberExpression') current = current.object;
  return current;
}

function resolveName(sourceCode: Readonly<TSESLint.SourceCode>, at: TSESTree.Node, name: string): TSESLint.Scope.Variable | null {
  for (let scope: TSESLint.Scope.Scope | null = sourceCode.getScope(at); scope; scope = scope.upper) {
    const variable = scope.set.get(name);
    if (variable) return variable;
  }
  return null;
}

function baseName(path: StatePath): string {
  const named = path.rootText === 'this' || path.rootText === 'globalThis' || /^[A-Z]/.test(path.rootText)
    ? path.segments.find((segment) => segment !== '*')
    : path.rootText;
  const clean = (named ?? 'state').replace(/^#/, '').replace(/[^\w$]/g, '_');
  return `${clean}Mutex`;
}

function fileNames(sourceCode: Readonly<TSESLint.SourceCode>): Set<string> {
  const names = new Set<string>();
  for (const scope of sourceCode.scopeManager?.scopes ?? []) {
    for (const variable of scope.variables) names.add(variable.name);
    for (const reference of scope.through) names.add(reference.identifier.name);
  }
  return names;
}

function unique(base: string, taken: Set<string>): string {
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}${i}`;
  return name;
}

function lineIndent(sourceCode: Readonly<TSESLint.SourceCode>, node: TSESTree.Node): string {
  const line = sourceCode.lines[node.loc.start.line - 1];
  return /^\s*/.exec(line)?.[0] ?? '';
}

function declareMutex(path: StatePath, unit: FunctionNode, ctx: MutexContext): MutexChoice | undefined {
  const { sourceCode } = ctx;
  const base = baseName(path);
  const create = `new ${ctx.mutexClass}()`;
  const staticClass = path.segments.length > 0 && !path.rootShared && path.root.startsWith('var:') ? classNamed(sourceCode, path.rootText, unit) : undefined;
  if (path.root.startsWith('this:') || staticClass) {
    const cls = staticClass ?? (unit.parent.type === 'Property' ? undefined : classOf(unit));
    if (!cls) return undefined;
    const isStatic = staticClass !== undefined;
    const members = new Set(
      cls.body.body.flatMap((member) =>
        'key' in member && member.key.type === 'Identifier' ? [member.key.name] : [],
      ),
    );
    const name = unique(base, members);
    const modifiers = ctx.typescript ? `private ${isStatic ? 'static ' : ''}readonly ` : isStatic ? 'static ' : '';
    const openBrace = sourceCode.getFirstToken(cls.body);
    if (!openBrace) return undefined;
    const first = cls.body.body[0] as TSESTree.Node | undefined;
    const indent = first ? lineIndent(sourceCode, first) : `${lineIndent(sourceCode, cls)}  `;
    return {
      text: isStatic ? `${path.rootText}.${name}` : `this.${name}`,
      declaration: { at: openBrace.range[1], text: `\n${indent}${modifiers}${name} = ${create};` },
      reused: false,
    };
  }
  if (path.root.startsWith('this:')) return undefined;
  const name = unique(base, fileNames(sourceCode));
  // Beside the variable holding the state; after the imports for imported state and globals.
  let anchor: TSESTree.Node | undefined;
  if (path.root.startsWith('var:') && path.rootShared) {
    const rootIdentifier = findDeclaration(sourceCode, path.rootText, unit);
    anchor = rootIdentifier ? statementOf(rootIdentifier) : undefined;
  }
  if (!anchor) {
    const imports = sourceCode.ast.body.filter((statement) => statement.type === 'ImportDeclaration');
    anchor = imports.at(-1);
  }
  const declaration = `const ${name} = ${create};`;
  if (!anchor) {
    const first = sourceCode.ast.body.at(0);
    return { text: name, declaration: { at: first?.range[0] ?? 0, text: `${declaration}\n` }, reused: false };
  }
  return { text: name, declaration: { at: anchor.range[1], text: `\n${lineIndent(sourceCode, anchor)}${declaration}` }, reused: false };
}

function classNamed(
  sourceCode: Readonly<TSESLint.SourceCode>,
  name: string,
  unit: FunctionNode,
): TSESTree.ClassDeclaration | TSESTree.ClassExpression | undefined {
  const def = resolveName(sourceCode, unit, name)?.defs[0];
  return def?.type === 'ClassName' ? def.node : undefined;
}

function findDeclaration(sourceCode: Readonly<TSESLint.SourceCode>, name: string, unit: FunctionNode): TSESTree.Identifier | undefined {
  const variable = resolveName(sourceCode, unit, name);
  const def = variable?.defs[0];
  if (def?.type !== 'Variable') return undefined;
  return def.name;
}

/** The statement a declaration belongs to, in its statement list (through `export`). */
function statementOf(node: TSESTree.Node): TSESTree.Node | undefined {
  for (let current: TSESTree.Node = node; current.parent; current = current.parent) {
    const parent: TSESTree.Node = current.parent;
    if (parent.type === 'Program' || parent.type === 'BlockStatement' || parent.type === 'SwitchCase' || parent.type === 'StaticBlock') {
      return current;
    }
  }
  return undefined;
}
