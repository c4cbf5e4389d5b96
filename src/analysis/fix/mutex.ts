import type { TSESLint, TSESTree } from '@typescript-eslint/utils';

import { CONTENTS, type StatePath } from '../access-paths';
import type { CallUnderLock, GuardedUpdate, RaceFinding } from '../dataflow';
import { isModuleGlobalScope, type SharedStateResolver } from '../shared-state';
import { type FunctionNode, isFunctionNode } from '../suspensions';
import { PerFile } from '../../util/per-file';
import { headInsertion } from './imports';

/** The mutex a fix takes: its expression, and the declaration to add when it is new. */
export interface MutexChoice {
  text: string;
  declaration?: { at: number; text: string };
  reused: boolean;
  /**
   * A new mutex field for a field a base class declares (also where this class declares it again):
   * the base class's own updates of it would take another mutex (a private field of its own), or
   * none, so the wrap is only suggested.
   */
  inheritedState?: boolean;
}

interface MutexContext {
  sourceCode: Readonly<TSESLint.SourceCode>;
  shared: SharedStateResolver;
  guarded: readonly GuardedUpdate[];
  callsUnderLock: readonly CallUnderLock[];
  /**
   * The other races of the file: a reused mutex must not be taken again through one of their fixes.
   * Asked only when a mutex could be reused.
   */
  otherRaces: () => ReadonlyArray<{ unit: FunctionNode; section: string }>;
  /** The name of a parameter's declared type (`Account`), so that every function taking one shares a mutex. */
  typeNameOf: (identifier: TSESTree.Identifier) => string | undefined;
  /** Every member name of a class, inherited ones included, instance and static. */
  memberNamesOf: (cls: TSESTree.ClassDeclaration | TSESTree.ClassExpression) => Set<string>;
  /**
   * Whether the class, or a class it extends, has an index signature for string keys
   * (`[key: string]: number`), which a mutex field of another type would not satisfy (TS2411).
   */
  hasStringIndex: (cls: TSESTree.ClassDeclaration | TSESTree.ClassExpression, isStatic: boolean) => boolean;
  /** Whether a class it extends declares the member (undefined: a base that is no class named outright). */
  baseDeclares: (cls: TSESTree.ClassDeclaration | TSESTree.ClassExpression, name: string) => boolean | undefined;
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

function classOf(node: TSESTree.Node): TSESTree.ClassDeclaration | TSESTree.ClassExpression | undefined {
  for (let current = node.parent; current; current = current.parent) {
    if (current.type === 'ClassDeclaration' || current.type === 'ClassExpression') return current;
  }
  return undefined;
}

/**
 * The named functions of a file and the names each one mentions: the call graph a fix must not
 * deadlock through. A name is matched wherever it appears (called, or passed as a value), which
 * over-approximates, as a refusal should. Built once per file.
 */
class CallGraph {
  /** The bodies of the functions of each name; their text is read only for the functions a fix reaches. */
  private readonly functions = new Map<string, TSESTree.Node[]>();
  private readonly mentions = new Map<string, Set<string>>();

  constructor(private readonly sourceCode: Readonly<TSESLint.SourceCode>) {
    // Every function has a scope of its own: the scopes list the file's functions without walking its nodes.
    for (const scope of sourceCode.scopeManager?.scopes ?? []) {
      // (Declared functions, overload signatures and abstract methods have a scope but no body.)
      const fn = scope.block;
      if (scope.type !== 'function' || !isFunctionNode(fn)) continue;
      const name = unitName(fn);
      if (!name) continue;
      const bodies = this.functions.get(name);
      if (bodies) bodies.push(fn.body);
      else this.functions.set(name, [fn.body]);
    }
  }

  /** The text of the bodies of the functions named `name`. */
  bodies(name: string): string[] {
    return (this.functions.get(name) ?? []).map((body) => this.sourceCode.getText(body));
  }

  namesIn(text: string): Set<string> {
    const names = new Set<string>();
    for (const word of text.match(/[A-Za-z_$][\w$]*/g) ?? []) if (this.functions.has(word)) names.add(word);
    return names;
  }

  /** The named functions a function's bodies mention, found when first asked. */
  private mentionsOf(name: string): Set<string> {
    let mentioned = this.mentions.get(name);
    if (!mentioned) {
      mentioned = this.namesIn(this.bodies(name).join('\n'));
      this.mentions.set(name, mentioned);
    }
    return mentioned;
  }

  /** The functions reachable from some code, a few calls deep. */
  reachable(texts: readonly string[]): Set<string> {
    const found = new Set<string>();
    let frontier = [...new Set(texts.flatMap((text) => [...this.namesIn(text)]))];
    for (let depth = 0; depth < MAX_CALL_DEPTH && frontier.length > 0; depth++) {
      const next: string[] = [];
      for (const name of frontier) {
        if (found.has(name)) continue;
        found.add(name);
        next.push(...this.mentionsOf(name));
      }
      frontier = next;
    }
    return found;
  }
}

const MAX_CALL_DEPTH = 4;
const callGraphs = new PerFile<CallGraph>();

function callGraphOf(sourceCode: Readonly<TSESLint.SourceCode>): CallGraph {
  return callGraphs.get(sourceCode, () => new CallGraph(sourceCode));
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
  const graph = callGraphOf(sourceCode);
  // The section itself, and the functions it reaches: none may take the mutex again (it is not re-entrant).
  const sectionText = section.map((statement) => sourceCode.getText(statement)).join('\n');
  // Found when first needed: only a mutex that already guards this state asks (in a large class,
  // following its calls four deep reads most of its methods' text).
  let reachedNames: Set<string> | undefined;
  const reached = (): Set<string> => (reachedNames ??= graph.reachable([sectionText]));
  let bodies: string[] | undefined;
  const reachedBodies = (): string[] => (bodies ??= [sectionText, ...[...reached()].flatMap((reachedName) => graph.bodies(reachedName))]);
  // Another race's fix may take the same mutex: this section must not reach that function, nor that section this one.
  let crosses: boolean | undefined;
  const crossesOtherFix = (): boolean =>
    (crosses ??= ctx.otherRaces().some((other) => {
      const otherName = unitName(other.unit);
      return (
        other.unit !== finding.unit &&
        ((otherName !== undefined && reached().has(otherName)) || (name !== undefined && graph.reachable([other.section]).has(name)))
      );
    }));
  for (const update of ctx.guarded) {
    if (update.path.key !== finding.path.key) continue;
    for (const lock of update.locks) {
      const receiver = lock.mutexReceiver;
      if (!receiver) continue;
      const text = sourceCode.getText(receiver);
      if (!usableFrom(receiver, update.unit, finding.unit, ctx)) continue;
      if (reachedBodies().some((body) => takesMutex(body, text))) continue;
      // Nor may this function run, directly or through others, while the mutex is held.
      const underIt = ctx.callsUnderLock
        .filter((entry) => entry.locks.some((held) => held.id === lock.id))
        .map((entry) => sourceCode.getText(entry.call));
      // (This function is itself in the call graph, so a direct call is found the same way.)
      const calledUnderIt = name !== undefined && graph.reachable(underIt).has(name);
      if (calledUnderIt || crossesOtherFix()) continue;
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

/** Whether a module-level `const <name> = new Mutex()` exists (made by an earlier fix for another function). */
function declaresMutex(sourceCode: Readonly<TSESLint.SourceCode>, name: string, mutexClass: string): boolean {
  return sourceCode.ast.body.some(
    (statement) =>
      statement.type === 'VariableDeclaration' &&
      statement.kind === 'const' &&
      statement.declarations.some(
        (declarator) =>
          declarator.id.type === 'Identifier' &&
          declarator.id.name === name &&
          declarator.init?.type === 'NewExpression' &&
          sourceCode.getText(declarator.init.callee) === mutexClass,
      ),
  );
}

const fileNameSets = new PerFile<ReadonlySet<string>>();

/** Every name bound or used in the file, gathered once per file. */
function fileNames(sourceCode: Readonly<TSESLint.SourceCode>): ReadonlySet<string> {
  return fileNameSets.get(sourceCode, () => namesOfFile(sourceCode));
}

function namesOfFile(sourceCode: Readonly<TSESLint.SourceCode>): ReadonlySet<string> {
  const names = new Set<string>();
  const scopeManager = sourceCode.scopeManager;
  for (const scope of scopeManager?.scopes ?? []) {
    // Not the thousands of globals of the TypeScript libs, which the global scope lists whether the
    // file uses them or not (a new name shadowing one the file does not use is harmless).
    if (isModuleGlobalScope(scope)) continue;
    for (const variable of scope.variables) if (variable.defs.length > 0 || scope.type !== 'global') names.add(variable.name);
  }
  // Names used without a declaration in this file (globals) end up in the global scope's `through`.
  for (const reference of scopeManager?.globalScope?.through ?? []) names.add(reference.identifier.name);
  return names;
}

function unique(base: string, taken: ReadonlySet<string>): string {
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
    if (ctx.typescript && ctx.hasStringIndex(cls, isStatic)) return undefined;
    const members = ctx.memberNamesOf(cls);
    for (const member of cls.body.body) {
      if ('key' in member && member.key.type === 'Identifier') members.add(member.key.name);
    }
    const name = unique(base, members);
    // The type of a class expression (a mixin, `export const C = class {…}`) or of a class declared
    // in a function can be exported as an anonymous class type, where declaration emit rejects
    // private members (TS4094): its mutex is only `readonly`.
    const visibility = cls.type === 'ClassExpression' || !isModuleLevel(cls) ? '' : 'private ';
    const modifiers = ctx.typescript ? `${visibility}${isStatic ? 'static ' : ''}readonly ` : isStatic ? 'static ' : '';
    const openBrace = sourceCode.getFirstToken(cls.body);
    if (!openBrace) return undefined;
    const first = cls.body.body[0] as TSESTree.Node | undefined;
    const indent = first ? lineIndent(sourceCode, first) : `${lineIndent(sourceCode, cls)}  `;
    const field = path.segments.at(0);
    return {
      text: isStatic ? `${path.rootText}.${name}` : `this.${name}`,
      declaration: { at: openBrace.range[1], text: `\n${indent}${modifiers}${name} = ${create};` },
      reused: false,
      inheritedState:
        !isStatic && cls.superClass !== null && field !== undefined && field !== CONTENTS && (ctx.baseDeclares(cls, field) ?? !declaresField(cls, field)),
    };
  }
  if (path.root.startsWith('this:')) return undefined;
  const taken = fileNames(sourceCode);
  let named = base;
  if (path.root.startsWith('param:')) {
    // Objects passed in are shared per type: every function taking an Account takes the same mutex.
    const param = resolveName(sourceCode, unit, path.rootText)?.defs[0]?.name;
    const typeName = param?.type === 'Identifier' ? ctx.typeNameOf(param) : undefined;
    if (typeName) named = `${typeName.charAt(0).toLowerCase()}${typeName.slice(1)}Mutex`;
    if (taken.has(named) && declaresMutex(sourceCode, named, ctx.mutexClass)) return { text: named, reused: true };
  }
  const name = unique(named, taken);
  // Beside the variable holding the state; after the imports for imported state and globals.
  let anchor: TSESTree.Node | undefined;
  if (path.root.startsWith('var:') && path.rootShared) {
    const rootIdentifier = findDeclaration(sourceCode, path.rootText, unit);
    anchor = rootIdentifier ? statementOf(rootIdentifier) : undefined;
  }
  const declaration = `const ${name} = ${create};`;
  if (!anchor) return { text: name, declaration: headInsertion(sourceCode, declaration), reused: false };
  return { text: name, declaration: { at: anchor.range[1], text: `\n${lineIndent(sourceCode, anchor)}${declaration}` }, reused: false };
}

/**
 * Whether a class declares the field itself: as a member (a property, an accessor), a constructor
 * parameter property, or (in JavaScript) by assigning `this.<field>` in its constructor. Asked where
 * the base class's members cannot be read (a mixin).
 */
function declaresField(cls: TSESTree.ClassDeclaration | TSESTree.ClassExpression, field: string): boolean {
  const nameOf = (key: TSESTree.Node): string | undefined =>
    key.type === 'Identifier' ? key.name : key.type === 'PrivateIdentifier' ? `#${key.name}` : undefined;
  if (parameterProperties(cls).includes(field)) return true;
  for (const member of cls.body.body) {
    if (member.type === 'MethodDefinition' && member.kind === 'constructor') {
      for (const statement of member.value.body?.body ?? []) {
        if (statement.type !== 'ExpressionStatement' || statement.expression.type !== 'AssignmentExpression') continue;
        const target = statement.expression.left;
        if (target.type === 'MemberExpression' && target.object.type === 'ThisExpression' && nameOf(target.property) === field) return true;
      }
      continue;
    }
    if ('key' in member && !member.computed && nameOf(member.key) === field) return true;
  }
  return false;
}

/** The names of the parameter properties of a class's constructor (`constructor(private total: number)`). */
export function parameterProperties(cls: TSESTree.ClassDeclaration | TSESTree.ClassExpression): string[] {
  const constructor = cls.body.body.find((member) => member.type === 'MethodDefinition' && member.kind === 'constructor');
  const params = constructor?.type === 'MethodDefinition' ? constructor.value.params : [];
  return params.flatMap((param) => {
    if (param.type !== 'TSParameterProperty') return [];
    return [param.parameter.type === 'AssignmentPattern' ? param.parameter.left.name : param.parameter.name];
  });
}

/** A declaration of the module or of a namespace in it (also behind `export`), not one in a function or block. */
function isModuleLevel(node: TSESTree.Node): boolean {
  let parent = node.parent;
  if (parent?.type === 'ExportNamedDeclaration' || parent?.type === 'ExportDefaultDeclaration') parent = parent.parent;
  return parent?.type === 'Program' || parent?.type === 'TSModuleBlock';
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
    if (
      parent.type === 'Program' ||
      parent.type === 'BlockStatement' ||
      parent.type === 'SwitchCase' ||
      parent.type === 'StaticBlock' ||
      parent.type === 'TSModuleBlock'
    ) {
      return current;
    }
  }
  return undefined;
}
