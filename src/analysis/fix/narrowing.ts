import type { ParserServicesWithTypeInformation, TSESLint, TSESTree } from '@typescript-eslint/utils';
import ts from 'typescript';

import { declaredAsAssertion, declaredTypeOfReference } from '../declared-types';
import { endThroughLoops } from '../flow-state';
import { isFunctionNode } from '../suspensions';
import { countBelow, walk } from '../walk';
import type { CriticalSection } from './section';

/**
 * Where moving the section into a callback would lose TypeScript's narrowing: `after` when code after
 * the section relies on narrowing made (or a definite assignment done) inside it; `inside` when the
 * section relies on narrowing of a mutable variable or property made before it. Const variables keep
 * their narrowing in callbacks; nothing else can be relied on.
 */
export interface NarrowingLoss {
  after: boolean;
  inside: boolean;
  /** Texts the section tests, or that a call statement in it would assert if it were an assertion (see `escapeAnnotation`). */
  narrowedInSection: ReadonlySet<string>;
}

function forEachNode(node: TSESTree.Node, keys: TSESLint.SourceCode.VisitorKeys, visit: (node: TSESTree.Node) => void): void {
  walk(node, keys, (inner) => {
    visit(inner);
    return undefined;
  });
}

/**
 * A call made as a statement of its own (`assertDefined(this.token)`, `assert.ok(x)`,
 * `this.conn.assertOpen()`): only such a call can be an assertion, which narrows what its arguments
 * (or, for `asserts this`, its receiver) test as a condition does. Whether it is one only its
 * callee's signatures tell (see `isAssertionCall`).
 */
function statementCall(node: TSESTree.Node): TSESTree.CallExpression | undefined {
  if (node.type !== 'ExpressionStatement') return undefined;
  const expression = node.expression.type === 'ChainExpression' ? node.expression.expression : node.expression;
  return expression.type === 'CallExpression' ? expression : undefined;
}

/** The function whose own code `node` is in: narrowing made there does not reach into the functions in it, nor out of them. */
function ownFunction(node: TSESTree.Node): TSESTree.Node | undefined {
  for (let current = node.parent; current; current = current.parent) if (isFunctionNode(current)) return current;
  return undefined;
}

/** What an assertion call would test: its arguments, and the receiver of a method. */
function assertedParts(call: TSESTree.CallExpression): TSESTree.Node[] {
  const callee = call.callee;
  return callee.type === 'MemberExpression' ? [callee.object, ...call.arguments] : [...call.arguments];
}

/** Files `call` under the text of each expression it would assert if it were an assertion (see `assertedParts`). */
function noteAsserted(call: TSESTree.CallExpression, sourceCode: Readonly<TSESLint.SourceCode>, into: Map<string, TSESTree.CallExpression[]>): void {
  for (const part of assertedParts(call)) {
    forEachNode(part, sourceCode.visitorKeys, (inner) => {
      if (isPropertyName(inner)) return;
      const text = referenceText(inner, sourceCode);
      const calls = into.get(text);
      if (!calls) into.set(text, [call]);
      else if (calls.at(-1) !== call) calls.push(call);
    });
  }
}

/** The condition a node branches on, if it branches. */
function testOf(node: TSESTree.Node): TSESTree.Node | null | undefined {
  switch (node.type) {
    case 'IfStatement':
    case 'ConditionalExpression':
    case 'WhileStatement':
    case 'DoWhileStatement':
    case 'ForStatement':
      return node.test;
    case 'LogicalExpression':
      return node.left;
    case 'SwitchStatement':
      return node.discriminant;
    default:
      return undefined;
  }
}

/**
 * The reference an expression names, spelled as TypeScript matches references when it narrows:
 * `a?.b`, `a!.b` and `a['b']` are the reference `a.b`, so that a test of one narrows a read of
 * another. Anything that is no chain of names is its own text.
 */
function referenceText(node: TSESTree.Node, sourceCode: Readonly<TSESLint.SourceCode>): string {
  switch (node.type) {
    case 'Identifier':
      return node.name;
    case 'ThisExpression':
      return 'this';
    case 'ChainExpression':
    case 'TSNonNullExpression':
      return referenceText(node.expression, sourceCode);
    case 'MemberExpression': {
      const property = node.property;
      if (!node.computed && (property.type === 'Identifier' || property.type === 'PrivateIdentifier')) {
        return `${referenceText(node.object, sourceCode)}.${property.type === 'PrivateIdentifier' ? '#' : ''}${property.name}`;
      }
      if (node.computed && property.type === 'Literal' && (typeof property.value === 'string' || typeof property.value === 'number')) {
        return `${referenceText(node.object, sourceCode)}.${String(property.value)}`;
      }
      if (node.computed && property.type === 'TemplateLiteral' && property.expressions.length === 0) {
        return `${referenceText(node.object, sourceCode)}.${property.quasis[0].value.cooked ?? ''}`;
      }
      if (node.computed && isEntityName(property)) return `${referenceText(node.object, sourceCode)}[${sourceCode.getText(property)}]`;
      return sourceCode.getText(node);
    }
    default:
      return sourceCode.getText(node);
  }
}

/**
 * A chain of property names and narrowing keys from a variable or `this` (`this.state.token`,
 * `ctx.conn!.id`, `this.slots[0]`, `rooms[roomId]`).
 */
function isReferenceChain(node: TSESTree.Node): boolean {
  if (node.type === 'Identifier' || node.type === 'ThisExpression') return true;
  if (node.type === 'TSNonNullExpression') return isReferenceChain(node.expression);
  return node.type === 'MemberExpression' && (!node.computed || isNarrowingKey(node.property)) && isReferenceChain(node.object);
}

/**
 * A key by which TypeScript narrows an element access as it narrows a property: a literal
 * (`slots[0]`, `byKey['a']`), or a name that may stand for a constant one (a `const`, an enum member,
 * and since TypeScript 5.5 any variable or parameter never assigned: `rooms[roomId]`).
 */
function isNarrowingKey(key: TSESTree.Node): boolean {
  if (key.type === 'Literal') return typeof key.value === 'string' || typeof key.value === 'number';
  if (key.type === 'TemplateLiteral') return key.expressions.length === 0;
  return isEntityName(key);
}

/** A name, or a chain of names after one (`EventType.Message`). */
function isEntityName(node: TSESTree.Node): boolean {
  if (node.type === 'Identifier') return true;
  return node.type === 'MemberExpression' && !node.computed && node.property.type === 'Identifier' && isEntityName(node.object);
}

/**
 * The text a read narrowing can apply to goes by: the read's own text, or for a property taken
 * by destructuring (`const { credentials } = context`) the access it stands for
 * (`context.credentials`), whose narrowing TypeScript gives the new variable.
 */
function readText(node: TSESTree.Node, sourceCode: Readonly<TSESLint.SourceCode>): string | undefined {
  if (narrowableRead(node)) return referenceText(node, sourceCode);
  if (node.type !== 'Property' || node.computed || node.key.type !== 'Identifier') return undefined;
  const pattern = node.parent;
  const declarator = pattern.parent;
  if (pattern.type !== 'ObjectPattern' || declarator.type !== 'VariableDeclarator' || declarator.id !== pattern || !declarator.init) return undefined;
  const source = declarator.init;
  const plain = source.type === 'Identifier' || (source.type === 'MemberExpression' && narrowableRead(source));
  return plain ? `${referenceText(source, sourceCode)}.${node.key.name}` : undefined;
}

/** The name after the dot of `a.name`: no reference of its own (a test of `this.topology` narrows no variable `topology`). */
function isPropertyName(node: TSESTree.Node): boolean {
  return node.type === 'Identifier' && node.parent.type === 'MemberExpression' && node.parent.property === node && !node.parent.computed;
}

/** A read of a variable or of a property chain (`this.x`, `a.b.c`) whose type can be narrowed (not a declaration, a key or a write target). */
function narrowableRead(node: TSESTree.Node): boolean {
  const parent = node.parent;
  if (!parent) return false;
  if (node.type === 'Identifier') {
    if (isPropertyName(node)) return false;
    if ((parent.type === 'Property' || parent.type === 'PropertyDefinition' || parent.type === 'MethodDefinition') && parent.key === node) return false;
    if (parent.type === 'VariableDeclarator' && parent.id === node) return false;
    if (parent.type === 'AssignmentExpression' && parent.left === node) return false;
    return !/^(FunctionDeclaration|FunctionExpression|ClassDeclaration|TSTypeReference|TSQualifiedName|ImportSpecifier|LabeledStatement|BreakStatement|ContinueStatement)$/.test(parent.type);
  }
  if (node.type === 'MemberExpression' && (!node.computed || isNarrowingKey(node.property))) {
    if (parent.type === 'AssignmentExpression' && parent.left === node) return false;
    if (parent.type === 'CallExpression' && parent.callee === node) return false;
    return isReferenceChain(node.object);
  }
  return false;
}

/**
 * Where a variable is assigned, for `keepsNarrowing`: 'const'; or, for a `let` of a function (the
 * checker leaves out exported and global ones) or a plain parameter assigned only in its own
 * function, the starts of its assignments in order and the end of the last one (an assignment in a
 * loop that does not hold the declaration ends with the loop); undefined for anything else.
 */
type Assignments = 'const' | { starts: number[]; lastEnd: number } | undefined;

const assignmentSummaries = new WeakMap<TSESLint.Scope.Variable, Assignments>();

function assignmentsOf(variable: TSESLint.Scope.Variable): Assignments {
  if (assignmentSummaries.has(variable)) return assignmentSummaries.get(variable);
  const summary = summarizeAssignments(variable);
  assignmentSummaries.set(variable, summary);
  return summary;
}

function summarizeAssignments(variable: TSESLint.Scope.Variable): Assignments {
  const def = variable.defs[0] as TSESLint.Scope.Definition | undefined;
  if (!def || variable.defs.length !== 1) return undefined;
  if (def.type === 'Variable' && def.parent.kind === 'const') return 'const';
  const home = variable.scope.variableScope.block;
  const isLet = def.type === 'Variable' && def.parent.kind === 'let' && def.node.id.type === 'Identifier' && home.type !== 'Program';
  const isParameter = def.type === 'Parameter' && def.name.type === 'Identifier' && def.name.parent === def.node;
  if (!isLet && !isParameter) return undefined;
  const starts: number[] = [];
  let lastEnd = -1;
  for (const reference of variable.references) {
    if (!reference.isWrite() || reference.init) continue;
    if (reference.from.variableScope.block !== home) return undefined;
    starts.push(reference.identifier.range[0]);
    // Loops within the variable's own scope: those do not hold its declaration.
    lastEnd = Math.max(lastEnd, endThroughLoops(reference.identifier, variable.scope.block));
  }
  starts.sort((a, b) => a - b);
  return { starts, lastEnd };
}

const losses = new WeakMap<TSESTree.Node, Map<string, NarrowingLoss>>();

export function narrowingLoss(
  section: CriticalSection,
  unit: TSESTree.Node,
  sourceCode: Readonly<TSESLint.SourceCode>,
  services: ParserServicesWithTypeInformation,
  variableOf: (identifier: TSESTree.Identifier) => TSESLint.Scope.Variable | null,
): NarrowingLoss {
  let byRange = losses.get(unit);
  if (!byRange) {
    byRange = new Map();
    losses.set(unit, byRange);
  }
  const key = `${section.start}:${section.end}:${section.statements[0].range[0]}`;
  let loss = byRange.get(key);
  if (!loss) {
    loss = computeNarrowingLoss(section, unit, sourceCode, services, variableOf);
    byRange.set(key, loss);
  }
  return loss;
}

/**
 * What the narrowing check needs from the whole function, gathered in one walk and shared by every
 * section of it (a file with many reports must not walk its functions once per report).
 */
interface UnitIndex {
  /** Text of each tested expression or assignment target → the earliest start of the statement or expression that narrows it. */
  narrowedFrom: Map<string, number>;
  /** Narrowable reads by text, in source order. */
  readsByText: Map<string, TSESTree.Node[]>;
  /** How many constructs branch the control flow (see `BRANCHES`). */
  branches: number;
  /**
   * Text of each expression a call statement would test if it were an assertion → those calls, in
   * source order (the checker is asked whether one is only when a read of that text needs it).
   */
  assertable: Map<string, TSESTree.CallExpression[]>;
  /** Per text in `readsByText`: the reads still to be asked about, or found narrowed (see `NextRead`). */
  nextReads: Map<string, NextRead>;
}

/**
 * For the reads of one text, `next[i]` leads (with path compression, as in union–find) to the first
 * read at index `i` or later that the checker has not been asked about or was found narrowed (the
 * answers are kept in `narrowedReads`). Every section asks "is a read at index `i` or later narrowed?";
 * this answers all of them with each read asked at most once per function, in source order (a
 * flow-type question far into a long function, asked first, can overflow the checker's stack),
 * where scanning from `i` for each section would be quadratic in a long function.
 */
interface NextRead {
  next: Int32Array;
}

/** Constructs that add a label to TypeScript's control-flow graph, which its flow analysis recurses through. */
const BRANCHES: ReadonlySet<string> = new Set([
  'IfStatement',
  'ConditionalExpression',
  'LogicalExpression',
  'ForStatement',
  'ForInStatement',
  'ForOfStatement',
  'WhileStatement',
  'DoWhileStatement',
  'SwitchCase',
  'TryStatement',
  'ChainExpression',
]);

/**
 * How many branches a function may have for the checker to be asked flow types in it. TypeScript
 * finds a flow type by recursing back through the labels of the control-flow graph: asked first
 * about a read after a few thousand of them, it overflows the stack, or it passes its own depth
 * limit of 2,000 and turns flow analysis off for the rest of the program. The largest async
 * function of the two real code bases of the benchmark has 72 branches.
 */
const FLOW_QUERY_BRANCH_LIMIT = 500;

/**
 * Whether `unit` has more branches than the checker can be asked flow types about (see
 * `FLOW_QUERY_BRANCH_LIMIT`). Its races get no fix: the narrowing check could not be made, and a
 * wrap deep in it could not be recognised as a lock afterwards either (the checker's type of the
 * mutex would be its error type), so linting the fixed file would wrap it again.
 */
export function beyondFlowAnalysis(unit: TSESTree.Node, sourceCode: Readonly<TSESLint.SourceCode>): boolean {
  return indexUnit(unit, sourceCode).branches > FLOW_QUERY_BRANCH_LIMIT;
}

const unitIndexes = new WeakMap<TSESTree.Node, UnitIndex>();

function indexUnit(unit: TSESTree.Node, sourceCode: Readonly<TSESLint.SourceCode>): UnitIndex {
  let index = unitIndexes.get(unit);
  if (index) return index;
  const keys = sourceCode.visitorKeys;
  const narrowedFrom = new Map<string, number>();
  const readsByText = new Map<string, TSESTree.Node[]>();
  const narrows = (text: string, at: number) => {
    if (!narrowedFrom.has(text)) narrowedFrom.set(text, at);
  };
  const assertable = new Map<string, TSESTree.CallExpression[]>();
  let branches = 0;
  forEachNode(unit, keys, (node) => {
    if (BRANCHES.has(node.type)) branches++;
    const call = statementCall(node);
    if (call) noteAsserted(call, sourceCode, assertable);
    const test = testOf(node);
    if (test) {
      forEachNode(test, keys, (inner) => {
        if (!isPropertyName(inner)) narrows(referenceText(inner, sourceCode), node.range[0]);
      });
    }
    if (node.type === 'AssignmentExpression') narrows(referenceText(node.left, sourceCode), node.range[0]);
    // `let label: string | undefined = 'x'` starts out narrowed to its initializer's type.
    if (node.type === 'VariableDeclarator' && node.init && node.id.type === 'Identifier') narrows(node.id.name, node.range[0]);
    const text = readText(node, sourceCode);
    if (text !== undefined) {
      let reads = readsByText.get(text);
      if (!reads) {
        reads = [];
        readsByText.set(text, reads);
      }
      reads.push(node);
    }
  });
  for (const reads of readsByText.values()) reads.sort((a, b) => a.range[0] - b.range[0]);
  index = { narrowedFrom, readsByText, branches, assertable, nextReads: new Map() };
  unitIndexes.set(unit, index);
  return index;
}

function computeNarrowingLoss(
  section: CriticalSection,
  unit: TSESTree.Node,
  sourceCode: Readonly<TSESLint.SourceCode>,
  services: ParserServicesWithTypeInformation,
  variableOf: (identifier: TSESTree.Identifier) => TSESLint.Scope.Variable | null,
): NarrowingLoss {
  const checker = services.program.getTypeChecker();
  const keys = sourceCode.visitorKeys;
  const first = section.statements[0].range[0];
  const last = section.statements[section.statements.length - 1].range[1];
  const inSection = (node: TSESTree.Node) => node.range[0] >= first && node.range[1] <= last;

  const narrowed = (node: TSESTree.Node): boolean => {
    // A destructured property, or an element (`this.slots[0]`, which has no symbol whose declared type
    // the checker's answer could be compared with): its narrowing is not asked, but assumed (the fix
    // is not offered).
    if (node.type === 'Property' || (node.type === 'MemberExpression' && node.computed)) return true;
    let answer = narrowedReads.get(node);
    if (answer === undefined) {
      answer = isNarrowed(node);
      narrowedReads.set(node, answer);
    }
    return answer;
  };
  const isNarrowed = (node: TSESTree.Node): boolean => {
    const tsNode = services.esTreeNodeToTSNodeMap.get(node);
    const symbol = checker.getSymbolAtLocation(ts.isPropertyAccessExpression(tsNode) ? tsNode.name : tsNode);
    if (!symbol) return false;
    const declared = checker.getTypeOfSymbol(symbol);
    const here = checker.getTypeAtLocation(tsNode);
    // The same type object needs no printing: the common case, where nothing was narrowed.
    return here !== declared && checker.typeToString(here) !== checker.typeToString(declared);
  };
  /**
   * Whether a read keeps its narrowing once the section is a callback: a const variable does; so does
   * (TypeScript 5.4 and later, which this plugin requires) a `let` variable or a parameter that is
   * assigned only in its own function and only before the read, counting an assignment in a loop as
   * made at the loop's end, as the checker counts it. An assignment in the section would then be
   * in the callback, a function of its own: that one is not allowed.
   */
  const keepsNarrowing = (node: TSESTree.Node): boolean => {
    if (node.type !== 'Identifier') return false;
    const variable = variableOf(node);
    const assignments = variable ? assignmentsOf(variable) : undefined;
    if (assignments === 'const') return true;
    if (!assignments) return false;
    // The first assignment at or after the section's start: none may be in it.
    const { starts } = assignments;
    const low = countBelow(starts.length, (index) => starts[index] < first);
    if (low < starts.length && starts[low] < last) return false;
    return assignments.lastEnd < node.range[0];
  };

  const { narrowedFrom, readsByText, assertable, nextReads } = indexUnit(unit, sourceCode);
  // What code before the section may have narrowed: what it tests, what it assigns, and what an
  // assertion call before it asserts.
  const sectionFunction = ownFunction(section.statements[0]);
  const assertsHere = (call: TSESTree.CallExpression) => ownFunction(call) === sectionFunction && isAssertionCall(call, services);
  const narrowedBefore = (text: string) =>
    (narrowedFrom.get(text) ?? Infinity) < first || (assertable.get(text) ?? []).some((call) => call.range[1] <= first && assertsHere(call));
  const written = new Set<string>();
  /** Per text assigned in the section, its assignments in source order. */
  const writes = new Map<string, TSESTree.AssignmentExpression[]>();
  const tested = new Set<string>();
  /** Per text a call statement of the section would assert, those calls (see `statementCall`). */
  const assertedInSection = new Map<string, TSESTree.CallExpression[]>();
  const readsInSection: Array<{ node: TSESTree.Node; text: string }> = [];
  /** References in the section to auto-typed variables of the function declared before it (see `autoTyped`). */
  const autoTypedRefs: Array<{ node: TSESTree.Identifier; evolvingArray: boolean }> = [];
  const noImplicitAny = isNoImplicitAny(services.program.getCompilerOptions());
  for (const statement of section.statements) {
    forEachNode(statement, keys, (node) => {
      const text = readText(node, sourceCode);
      if (text !== undefined) readsInSection.push({ node, text });
      if (noImplicitAny && node.type === 'Identifier' && !isPropertyName(node)) {
        const variable = variableOf(node);
        const kind = variable ? autoTyped(variable) : undefined;
        if (kind && !inSection(variable!.defs[0].node)) autoTypedRefs.push({ node, evolvingArray: kind === 'array' });
      }
      const call = statementCall(node);
      if (call) noteAsserted(call, sourceCode, assertedInSection);
      if (node.type === 'AssignmentExpression') {
        const target = referenceText(node.left, sourceCode);
        written.add(target);
        const list = writes.get(target);
        if (list) list.push(node);
        else writes.set(target, [node]);
        // A variable declared before without a value and assigned here is not definitely assigned after.
        if (node.left.type === 'Identifier') {
          const variable = variableOf(node.left);
          const def = variable?.defs[0];
          if (def?.type === 'Variable' && !def.node.init && !inSection(def.node)) written.add(`!${node.left.name}`);
        }
      }
      const test = testOf(node);
      if (test) forEachNode(test, keys, (inner) => isPropertyName(inner) || tested.add(referenceText(inner, sourceCode)));
    });
  }
  const loss: NarrowingLoss = { after: false, inside: false, narrowedInSection: new Set([...tested, ...assertedInSection.keys()]) };
  // A read that every path reaches through one of the section's own assignments has that
  // assignment's type; any other (the assignment's own right side, `ctx.token = await
  // renew(ctx.token)`, or a read after `if (c) ctx.token = …`) may still have the type narrowed
  // before the section.
  const assignedBefore = (node: TSESTree.Node, text: string) => (writes.get(text) ?? []).some((write) => dominates(write, node));
  for (const { node, text } of readsInSection) {
    // (The checks that ask the checker come last.)
    if (!tested.has(text) && !assignedBefore(node, text) && !keepsNarrowing(node) && narrowedBefore(text) && narrowed(node)) {
      loss.inside = true;
      break;
    }
  }
  // An auto-typed variable has the type the assignments TypeScript sees in its function give it:
  // in a callback it has one only where the variable keeps its narrowing (TypeScript 5.4: a `let`
  // assigned only before), and an array that evolves there (`results.push(x)`) has none: it is
  // an implicit `any` (TS7005), and the wrap would not type-check.
  if (autoTypedRefs.some(({ node, evolvingArray }) => !keepsNarrowing(node) || (evolvingArray && evolvesHere(node)))) loss.inside = true;
  /** The index of the first of `reads` that starts at or after the section's end. */
  const firstReadAfter = (reads: readonly TSESTree.Node[]) => countBelow(reads.length, (index) => reads[index].range[0] < last);
  /** Whether a read of `text` after the section is narrowed. */
  const narrowedAfter = (text: string): boolean => {
    const reads = readsByText.get(text) ?? [];
    let state = nextReads.get(text);
    if (!state) {
      const next = new Int32Array(reads.length + 1);
      for (let i = 0; i <= reads.length; i++) next[i] = i;
      state = { next };
      nextReads.set(text, state);
    }
    const { next } = state;
    const find = (index: number): number => {
      let root = index;
      while (next[root] !== root) root = next[root];
      while (next[index] !== root) {
        const following = next[index];
        next[index] = root;
        index = following;
      }
      return root;
    };
    for (let index = find(firstReadAfter(reads)); index < reads.length; index = find(index + 1)) {
      if (narrowed(reads[index])) return true;
      next[index] = index + 1;
    }
    return false;
  };
  // An assertion in the section narrows later reads as a test there does; asked only for a text
  // that is read after the section.
  for (const [text, calls] of assertedInSection) {
    if (tested.has(text)) continue;
    const reads = readsByText.get(text) ?? [];
    if (firstReadAfter(reads) < reads.length && calls.some(assertsHere)) tested.add(text);
  }
  for (const entry of written) {
    if (!entry.startsWith('!')) continue;
    const reads = readsByText.get(entry.slice(1)) ?? [];
    if (firstReadAfter(reads) < reads.length) loss.after = true;
  }
  for (const text of new Set([...written, ...tested])) {
    if (loss.after) break;
    if (text.startsWith('!') || written.has(`!${text}`)) continue;
    if (written.has(text)) {
      const reads = readsByText.get(text) ?? [];
      const after = firstReadAfter(reads);
      if (after === reads.length) continue;
      // Once the section is a callback, its assignments are out of the caller's control flow: a read
      // after it has the type made before the section (`let done = false` stays `false`), or made
      // in it (`this.conn = new Conn()`), neither of which holds. Only a declared type that no
      // assignment narrows is safe, and then only a test in the section could narrow the read.
      const target = writes.get(text)?.[0];
      const declared = target ? declaredTypeOfReference(services, target.left) : undefined;
      if (!declared) {
        if (narrowedAfter(text)) loss.after = true;
        continue;
      }
      if (declared.flags & ASSIGNMENT_NARROWED) {
        loss.after = true;
        continue;
      }
      if (!tested.has(text)) continue;
    }
    if (narrowedAfter(text)) loss.after = true;
  }
  return loss;
}

/** Whether implicit `any` is an error, which is when TypeScript infers auto-typed variables from their assignments. */
function isNoImplicitAny(options: ts.CompilerOptions): boolean {
  return options.noImplicitAny ?? options.strict ?? false;
}

/**
 * A variable of a function whose type TypeScript infers from the assignments it sees (with
 * `noImplicitAny`): declared without a type and without a value, or with `null` or `undefined`
 * ('value'), or with an empty array, whose element type evolves with what is pushed ('array').
 */
function autoTyped(variable: TSESLint.Scope.Variable): 'value' | 'array' | undefined {
  const def = variable.defs[0] as TSESLint.Scope.Definition | undefined;
  if (!def || variable.defs.length !== 1 || def.type !== 'Variable' || def.node.id.type !== 'Identifier' || def.node.id.typeAnnotation) return undefined;
  if (variable.scope.variableScope.block.type === 'Program') return undefined;
  const init = def.node.init;
  if (init?.type === 'ArrayExpression' && init.elements.length === 0) return 'array';
  if (def.parent.kind === 'const') return undefined;
  const empty = !init || (init.type === 'Literal' && init.value === null) || (init.type === 'Identifier' && init.name === 'undefined');
  return empty ? 'value' : undefined;
}

/** Whether a reference to an evolving array changes its element type: `list.push(x)`, `list.unshift(x)`, `list[i] = x`. */
function evolvesHere(reference: TSESTree.Identifier): boolean {
  const parent = reference.parent;
  if (parent.type !== 'MemberExpression' || parent.object !== reference) return false;
  if (parent.computed) return parent.parent.type === 'AssignmentExpression' && parent.parent.left === parent;
  const method = parent.property.type === 'Identifier' ? parent.property.name : undefined;
  return (method === 'push' || method === 'unshift') && parent.parent.type === 'CallExpression' && parent.parent.callee === parent;
}

const assertionCalls = new WeakMap<TSESTree.CallExpression, boolean>();

/**
 * Whether a call statement is an assertion: a signature of its callee asserts something about an
 * argument (`asserts value`, `asserts value is T`) or its receiver (`asserts this is T`), so that
 * TypeScript narrows what it asserts after the call. Read from the callee's declarations where they
 * settle it (resolving a call costs milliseconds), else from the resolved signature.
 */
function isAssertionCall(call: TSESTree.CallExpression, services: ParserServicesWithTypeInformation): boolean {
  let answer = assertionCalls.get(call) ?? declaredAsAssertion(services, call);
  if (answer === undefined) {
    const checker = services.program.getTypeChecker();
    const signature = checker.getResolvedSignature(services.esTreeNodeToTSNodeMap.get(call));
    const predicate = signature ? checker.getTypePredicateOfSignature(signature) : undefined;
    answer = predicate?.kind === ts.TypePredicateKind.AssertsIdentifier || predicate?.kind === ts.TypePredicateKind.AssertsThis;
  }
  assertionCalls.set(call, answer);
  return answer;
}

/**
 * Whether an assignment made as a statement of its own runs before `read` on every path to it: the
 * read is in a later statement of the same statement list (not in a function of its own).
 */
function dominates(write: TSESTree.AssignmentExpression, read: TSESTree.Node): boolean {
  const statement = write.parent;
  if (statement.type !== 'ExpressionStatement') return false;
  for (let node: TSESTree.Node | undefined = read; node; node = node.parent) {
    if (node.parent === statement.parent) return node.range[0] >= statement.range[1];
    if (/Function/.test(node.type)) return false;
  }
  return false;
}

/**
 * Declared types whose references an assignment or a test before it can leave narrower than declared
 * where TypeScript no longer sees the assignment: a union (`boolean`, `T | undefined`, an enum), and
 * `any`, `unknown` and type parameters, which `typeof` and `instanceof` narrow.
 */
const ASSIGNMENT_NARROWED = ts.TypeFlags.Union | ts.TypeFlags.Any | ts.TypeFlags.Unknown | ts.TypeFlags.Instantiable;

/** Per read: whether the checker's type there is narrower than the declared one (see `computeNarrowingLoss`). */
const narrowedReads = new WeakMap<TSESTree.Node, boolean>();

/**
 * How the names a section declares, and code after it uses, come out of the callback with the type
 * they have now: the annotation the declaration that receives them needs ('' for none), or
 * undefined when no declaration keeps that type.
 *
 * - The callback's value is typed as its `return` is: a literal type a `const` infers
 *   (`const mode = 'fast'`, `const e = E.A`, `const s = Symbol()`) widens there, to `string`, `E`
 *   or `symbol`.
 * - A `let` or `var` receives the type the value has at the end of the section, not its declared
 *   one, wherever the two can differ (a union narrowed by an assignment or a test, a class narrowed
 *   by `instanceof`): later assignments of the declared type would not type-check. Its own
 *   annotation keeps the declared type, where it is the only name that comes out.
 */
export function escapeAnnotation(
  escapes: readonly TSESTree.Identifier[],
  narrowing: NarrowingLoss,
  sourceCode: Readonly<TSESLint.SourceCode>,
  services: ParserServicesWithTypeInformation,
): string | undefined {
  let annotation = '';
  for (const name of escapes) {
    const declarator = name.parent;
    const declaration = declarator.parent;
    const isConst = declarator.type === 'VariableDeclarator' && declaration?.type === 'VariableDeclaration' && declaration.kind === 'const';
    const single = escapes.length === 1 && declarator.type === 'VariableDeclarator' && declarator.id === name;
    // Read off the text, without the checker: an annotated `const` has the annotation's type, which
    // no literal is fresh in; a `let` that comes out alone keeps its annotation outside (whatever
    // the section narrowed it to).
    if (name.typeAnnotation && (isConst || single)) {
      if (!isConst) annotation = sourceCode.getText(name.typeAnnotation);
      continue;
    }
    const checker = services.program.getTypeChecker();
    const symbol = checker.getSymbolAtLocation(services.esTreeNodeToTSNodeMap.get(name));
    if (!symbol) return undefined;
    const declared = checker.getTypeOfSymbol(symbol);
    if ((declared.isUnion() ? declared.types : [declared]).some(widensAsValue)) return undefined;
    if (isConst || !(declared.flags & ASSIGNMENT_NARROWED || narrowing.narrowedInSection.has(name.name))) continue;
    if (!single || !name.typeAnnotation) return undefined;
    annotation = sourceCode.getText(name.typeAnnotation);
  }
  return annotation;
}

/** A literal type an expression gives (`'fast'`, `1`, `true`, `E.A`) or a `unique symbol`: widened in a function's return type. */
function widensAsValue(type: ts.Type): boolean {
  if (type.flags & ts.TypeFlags.UniqueESSymbol) return true;
  // A literal written in the code is "fresh" (its own fresh type); one from an annotation is not.
  return (type.flags & ts.TypeFlags.Literal) !== 0 && (type as ts.LiteralType & { freshType?: ts.Type }).freshType === type;
}
