import type { ParserServicesWithTypeInformation, TSESLint, TSESTree } from '@typescript-eslint/utils';
import ts from 'typescript';

import { type ContainerKind, CONTAINER_WRITES, overwrites, staticPropertyName } from './access-paths';
import { type CallUnderLock, type FlowContext, FunctionFlow, type GuardedUpdate, type RaceFinding } from './dataflow';
import { containerKindOfState, DeclaredTypes, importedClassOrInterface, isObjectType, symbolBehind } from './declared-types';
import { LOOPS } from './flow-state';
import { type ConfiguredLock, LOCK_METHODS, LockRecognizer, mayTakeLocks } from './locks';
import { dropCallerSerialised } from './serialised-callers';
import { SharedStateResolver } from './shared-state';
import { type FunctionNode, isFunctionNode } from './suspensions';
import { PerFile, perFileAndOptions } from '../util/per-file';
import { walkFile } from './walk';

export type { RaceFinding, LockProblem } from './dataflow';
export type { ConfiguredLock } from './locks';

export interface RaceAnalysisOptions {
  locks?: readonly ConfiguredLock[];
}

type AnyContext = Readonly<TSESLint.RuleContext<string, readonly unknown[]>>;

/** What a file's analysis found, and what a fix needs to know about the file's locks. */
export interface RaceAnalysis {
  findings: readonly RaceFinding[];
  guarded: readonly GuardedUpdate[];
  callsUnderLock: readonly CallUnderLock[];
  shared: SharedStateResolver;
  services: ParserServicesWithTypeInformation;
}

/** Thrown when a file is linted without type information: one clear message naming the setting. */
export class MissingTypeInformationError extends Error {
  constructor(ruleName: string) {
    super(
      `async-race/${ruleName} needs type information, and this file was parsed without it. ` +
        'Set `languageOptions.parserOptions.projectService: true` (or `parserOptions.project`) with ' +
        "typescript-eslint's parser in the ESLint config that lints this file.",
    );
    this.name = 'MissingTypeInformationError';
  }
}

export function requireTypeInformation(context: AnyContext, ruleName: string): ParserServicesWithTypeInformation {
  const services = context.sourceCode.parserServices;
  if (!services?.program || !services.esTreeNodeToTSNodeMap) throw new MissingTypeInformationError(ruleName);
  return services as ParserServicesWithTypeInformation;
}

/** The race analysis of one file for one set of lock options: its unit finder while ESLint walks the file, then its result. */
interface RaceFile {
  /** Whether the text holds anything to walk (`mayRace`), asked once for all the rules. */
  mayRace?: boolean;
  finder?: UnitFinder;
  analysis?: RaceAnalysis;
}

const raceFiles = new PerFile<Map<string, RaceFile>>();

function raceFileOf(sourceCode: Readonly<TSESLint.SourceCode>, options: RaceAnalysisOptions): RaceFile {
  return perFileAndOptions(raceFiles, sourceCode, JSON.stringify(options.locks ?? []), () => ({}));
}

/**
 * The listeners through which a race rule finds, while ESLint walks the file, the functions the
 * analysis will walk (see `findUnits`): the nodes are read as ESLint's own traversal reaches them,
 * instead of by a walk of the analysis's own over every async function. Only the first race rule
 * of the file (for one set of lock options) adds them: ESLint makes every rule's listeners before
 * it walks the file, and the others share that rule's finder. None when the file's text holds
 * nothing to walk.
 */
export function raceUnitListeners(context: AnyContext, ruleName: string, options: RaceAnalysisOptions): TSESLint.RuleListener {
  const services = requireTypeInformation(context, ruleName);
  const sourceCode = context.sourceCode;
  const locks = options.locks ?? [];
  const file = raceFileOf(sourceCode, options);
  file.mayRace ??= mayRace(sourceCode.text, services.program, locks);
  const previous = relays.get(context.id);
  if (previous) previous.finder = undefined;
  if (!file.mayRace || file.analysis || file.finder) return {};
  const finder = (file.finder = findUnits(prepare(sourceCode, services, locks)));
  const relay = relayOf(context.id, finder);
  relay.finder = finder;
  return relay.listeners;
}

/**
 * The listeners of one rule (by its id in the config), made once (for the node types the finder
 * handles, the same in every file) and given to ESLint for every file: each passes its node on to
 * the unit finder of the file being linted.
 *
 * Not listeners made per file: those were closures over the file's finder, and through it over the
 * whole file. Something in how ESLint registers and calls them (measured, not pinned down) kept
 * them, and so the file, alive through the young-generation collections that run while the next
 * files are parsed: no-op listeners made there promoted 23 MB more over mongodb than no-op
 * listeners that did not close over the file, with ESLint's own keeping of files taken out (see
 * `PerFile`).
 */
interface UnitRelay {
  /** The finder of the file being linted; undefined once the rule's analysis has it, or when the file needs none. */
  finder: UnitFinder | undefined;
  listeners: TSESLint.RuleListener;
}

const relays = new Map<string, UnitRelay>();

function relayOf(ruleId: string, finder: UnitFinder): UnitRelay {
  let relay = relays.get(ruleId);
  if (!relay) {
    const made: UnitRelay = { finder: undefined, listeners: {} };
    const listeners: Record<string, (node: TSESTree.Node) => void> = {};
    for (const type of Object.keys(finder.onEnter)) {
      listeners[type] = (node) => {
        made.finder?.onEnter[type]!(node as never);
      };
    }
    for (const type of Object.keys(finder.onLeave)) {
      listeners[`${type}:exit`] = (node) => {
        made.finder?.onLeave[type]!(node as never);
      };
    }
    made.listeners = listeners;
    relay = made;
    relays.set(ruleId, relay);
  }
  return relay;
}

/**
 * Runs the race analysis of one file once, whichever rule asks first, and shares the findings
 * between the rules linting the same file with the same lock options. The functions to walk come
 * from `raceUnitListeners` when the rule added them, or else from a walk of the file.
 */
export function analyzeRaces(context: AnyContext, ruleName: string, options: RaceAnalysisOptions): RaceAnalysis {
  const services = requireTypeInformation(context, ruleName);
  const sourceCode = context.sourceCode;
  // ESLint's walk of the file is over: this rule's listeners pass nothing more on.
  const relay = relays.get(context.id);
  if (relay) relay.finder = undefined;
  const file = raceFileOf(sourceCode, options);
  if (!file.analysis) {
    const locks = options.locks ?? [];
    file.mayRace ??= mayRace(sourceCode.text, services.program, locks);
    if (file.mayRace) {
      let finder = file.finder;
      if (!finder) {
        finder = findUnits(prepare(sourceCode, services, locks));
        walkFile(
          sourceCode,
          (node) => {
            finder!.enter(node);
            return undefined;
          },
          (node) => {
            finder!.leave(node);
          },
        );
      }
      file.analysis = runAnalysis(finder);
    } else {
      file.analysis = noRaces(sourceCode, services);
    }
    file.finder = undefined;
  }
  return file.analysis;
}

/**
 * Whether a file's text can hold a function to walk: an async function, or a lock call (a method
 * named like one, in a program with a lock library; or a configured lock, whose module the file
 * names to import it).
 */
function mayRace(text: string, program: ts.Program, configuredLocks: readonly ConfiguredLock[]): boolean {
  if (ASYNC.test(text)) return true;
  return (mayTakeLocks(program, []) && LOCK_METHOD_NAME.test(text)) || configuredLocks.some((lock) => text.includes(lock.module));
}

const ASYNC = /\basync\b/;
const LOCK_METHOD_NAME = new RegExp(`\\b(${[...LOCK_METHODS].join('|')})\\b`);

/** The analysis of a file with nothing to walk; its scopes are read only if something asks. */
function noRaces(sourceCode: Readonly<TSESLint.SourceCode>, services: ParserServicesWithTypeInformation): RaceAnalysis {
  let shared: SharedStateResolver | undefined;
  return {
    findings: [],
    guarded: [],
    callsUnderLock: [],
    get shared() {
      // Only scope lookups can be wanted here (there are no findings to classify state for).
      const unanswered = (): never => {
        throw new Error('async-race: no race analysis ran for this file, so no state can be classified');
      };
      shared ??= new SharedStateResolver(sourceCode.scopeManager!, { importHoldsState: unanswered, hasObjectType: unanswered, declaredObjectType: unanswered });
      return shared;
    },
    services,
  };
}

/** What the analysis of a file works with, made before its functions are found (finding them asks about locks and scopes). */
interface PreparedFile {
  sourceCode: Readonly<TSESLint.SourceCode>;
  services: ParserServicesWithTypeInformation;
  shared: SharedStateResolver;
  locks: LockRecognizer;
  declaredTypes: DeclaredTypes;
}

function prepare(
  sourceCode: Readonly<TSESLint.SourceCode>,
  services: ParserServicesWithTypeInformation,
  configuredLocks: readonly ConfiguredLock[],
): PreparedFile {
  const checker = services.program.getTypeChecker();
  // Declarations that say their type outright are read, not asked about (see DeclaredTypes).
  const isTypeScript = /\.[cm]?tsx?$/.test(services.esTreeNodeToTSNodeMap.get(sourceCode.ast).fileName);
  const declaredTypes: DeclaredTypes = new DeclaredTypes(
    (identifier): TSESLint.Scope.Variable | null => shared.variableOf(identifier),
    isTypeScript,
    (name) => importedClassOrInterface(checker, services.esTreeNodeToTSNodeMap.get(name)),
  );
  const shared = new SharedStateResolver(sourceCode.scopeManager!, {
    importHoldsState(identifier) {
      const symbol = symbolBehind(checker, services.esTreeNodeToTSNodeMap.get(identifier));
      if (!symbol) return true;
      // A class holds its static fields, as a class declared in this file does. A function (as one
      // declared here), an enum (whose members are read-only) and a type are not taken for state.
      if (symbol.flags & (ts.SymbolFlags.Variable | ts.SymbolFlags.Property | ts.SymbolFlags.Class)) return true;
      return !(symbol.flags & (ts.SymbolFlags.Function | ts.SymbolFlags.Enum | ts.SymbolFlags.Type));
    },
    hasObjectType(identifier) {
      const declared = declaredTypes.isObjectType(identifier);
      if (declared !== undefined) return declared;
      return isObjectType(services.getTypeAtLocation(identifier));
    },
    declaredObjectType: (identifier) => declaredTypes.isObjectType(identifier),
  });
  const locks = new LockRecognizer(
    { services, checker },
    configuredLocks,
    (identifier) => shared.variableOf(identifier),
    (node) => sourceCode.getText(node),
  );
  return { sourceCode, services, shared, locks, declaredTypes };
}

function runAnalysis(finder: UnitFinder): RaceAnalysis {
  const { sourceCode, services, shared, locks, declaredTypes } = finder.file;
  // By state path: every use of one state (`this.queue` in each method) has the same declared type.
  const containerKinds = new Map<string, ContainerKind | undefined>();
  const ctx: FlowContext = {
    shared,
    locks,
    containerKind(receiver, path) {
      if (containerKinds.has(path.key)) return containerKinds.get(path.key);
      const declared = declaredTypes.containerKind(receiver);
      const kind = declared === undefined ? containerKindOfState(services, receiver) : (declared ?? undefined);
      containerKinds.set(path.key, kind);
      return kind;
    },
    inlined: new WeakSet(),
    findings: new Map(),
    guarded: [],
    callsUnderLock: [],
    facts: new Map(),
    factCount: 0,
    derivedFacts: new Map(),
  };

  for (const unit of finder.units()) {
    if (ctx.inlined.has(unit)) continue;
    new FunctionFlow(ctx, unit).run();
  }
  // Private methods that their callers run one at a time cannot race with themselves.
  dropCallerSerialised(ctx.findings, sourceCode.visitorKeys);

  compareGuardedUpdates(ctx);
  return {
    findings: [...ctx.findings.values()].sort((a, b) => a.write.range[0] - b.write.range[0]),
    guarded: ctx.guarded,
    callsUnderLock: ctx.callsUnderLock,
    shared,
    services,
  };
}

/** Method names that may write a container (a Map, Set or array) or, as `Object.assign`, an object. */
const WRITING_METHODS: ReadonlySet<string> = new Set([...Object.values(CONTAINER_WRITES).flatMap((names) => [...names]), 'assign']);

/**
 * The cheap syntactic part of a function's body that a race needs: a suspension, and after it (or
 * in a loop around it) a write that may reach shared state. Every finding is such a write, so a
 * function without one is left out before any type query is made for it.
 */
interface RaceIngredients {
  fn: FunctionNode;
  /** Start of the first suspension in the function or the callbacks in it. */
  firstSuspension: number;
  /** The latest point at which a write that may reach shared state can run (Infinity: in a callback, any time). */
  lastWrite: number;
  /** Calls that may take a lock: the walk records what runs under it even when nothing is written here. */
  takesLock: boolean;
  /** Index into the loop stack where this function's own loops begin. */
  loopBase: number;
}

const FUNCTION_TYPES = ['ArrowFunctionExpression', 'FunctionDeclaration', 'FunctionExpression'] as const;

/** Takes in the nodes of a file in the order of a walk (see `findUnits`). */
interface UnitFinder {
  file: PreparedFile;
  /** Per node type: what entering, and leaving, a node of that type does (`enter` and `leave` pick one). */
  onEnter: Readonly<Partial<Record<string, (node: never) => void>>>;
  onLeave: Readonly<Partial<Record<string, (node: never) => void>>>;
  enter(node: TSESTree.Node): void;
  leave(node: TSESTree.Node): void;
  /** Once every node was entered and left: the functions to walk. */
  units(): FunctionNode[];
}

/**
 * The functions to walk: every async function, and every function that runs a lock callback
 * (the callback is walked inline, where it runs), outermost first. A function whose body (with
 * the callbacks in it) cannot race, as `RaceIngredients` tells, is left out before any type query
 * is made for it. The nodes come from ESLint's traversal (`raceUnitListeners`) or a walk.
 */
function findUnits(file: PreparedFile): UnitFinder {
  const { locks, shared } = file;
  const units = new Set<FunctionNode>();
  const stack: RaceIngredients[] = [];
  const loops: TSESTree.Node[] = [];
  const ingredientsOfUnit = new Map<FunctionNode, RaceIngredients>();
  /**
   * How many functions on the stack are async. A write only decides an async function's
   * ingredients (one in it or in a callback in it); a function that runs a lock callback is a unit
   * whatever it writes. So writes outside every async function are not looked at.
   */
  let asyncDepth = 0;

  /** A write into `target` (or its contents) may reach shared state unless it goes into a fresh object of this function's own. */
  const mayShare = (target: TSESTree.Node | undefined, frame: RaceIngredients): boolean => {
    // A destructuring assignment: any of its targets may be shared.
    if (!target) return true;
    let root = target;
    while (root.type === 'MemberExpression' || root.type === 'ChainExpression' || root.type === 'TSNonNullExpression') {
      root = root.type === 'MemberExpression' ? root.object : root.expression;
    }
    if (root.type !== 'Identifier') return true;
    const variable = shared.variableOf(root);
    if (!variable) return true;
    if (!declaredIn(variable, frame.fn)) return true;
    // A variable of this function: only one that ever holds a fresh object is known not to lead to shared state.
    if (root === target) return false;
    const def = variable.defs.at(0);
    return !(
      variable.defs.length === 1 &&
      def?.type === 'Variable' &&
      def.node.id.type === 'Identifier' &&
      isFresh(def.node.init) &&
      variable.references.every((reference) => !reference.isWrite() || reference.init === true)
    );
  };
  const noteWrite = (target: TSESTree.Node | undefined, node: TSESTree.Node, frame: RaceIngredients): void => {
    if (asyncDepth === 0 || !mayShare(target, frame)) return;
    const loop = loops.length > frame.loopBase ? loops[frame.loopBase] : undefined;
    frame.lastWrite = Math.max(frame.lastWrite, node.range[1], loop?.range[1] ?? 0);
  };

  /** The current function's ingredients; undefined outside every function. */
  const frame = (): RaceIngredients | undefined => stack.at(-1);
  const suspends = (node: TSESTree.Node): void => {
    const current = frame();
    if (current) current.firstSuspension = Math.min(current.firstSuspension, node.range[0]);
  };
  const writes = (target: TSESTree.Node | undefined, node: TSESTree.Node): void => {
    const current = frame();
    if (current) noteWrite(target, node, current);
  };
  // One handler per node type (so that each reads nodes of one shape), on entering and on leaving.
  const onEnter: Partial<Record<string, (node: never) => void>> = {
    AwaitExpression: suspends,
    YieldExpression: suspends,
    VariableDeclaration(node: TSESTree.VariableDeclaration) {
      if (node.kind === 'await using') suspends(node);
    },
    ForOfStatement(node: TSESTree.ForOfStatement) {
      loops.push(node);
      if (node.await) suspends(node);
      if (node.left.type !== 'VariableDeclaration') writes(node.left, node);
    },
    ForInStatement(node: TSESTree.ForInStatement) {
      loops.push(node);
      if (node.left.type !== 'VariableDeclaration') writes(node.left, node);
    },
    AssignmentExpression(node: TSESTree.AssignmentExpression) {
      writes(node.left.type === 'ObjectPattern' || node.left.type === 'ArrayPattern' ? undefined : node.left, node);
    },
    UpdateExpression(node: TSESTree.UpdateExpression) {
      writes(node.argument, node);
    },
    UnaryExpression(node: TSESTree.UnaryExpression) {
      if (node.operator === 'delete') writes(node.argument, node);
    },
    CallExpression(node: TSESTree.CallExpression) {
      const current = frame();
      if (!current) return;
      const callee = node.callee.type === 'ChainExpression' ? node.callee.expression : node.callee;
      if (callee.type === 'MemberExpression') {
        const method = staticPropertyName(callee);
        if (method === 'assign' && node.arguments.length > 0) noteWrite(node.arguments[0], node, current);
        else if (method !== undefined && WRITING_METHODS.has(method)) noteWrite(callee.object, node, current);
      }
      if (locks.mayBeLockCall(node)) {
        current.takesLock = true;
        if (node.arguments.some(isFunctionNode) && locks.recognize(node)) units.add(current.fn);
      }
    },
  };
  const enterLoop = (node: TSESTree.Node): void => {
    loops.push(node);
  };
  const leaveLoop = (): void => {
    loops.pop();
  };
  const enterFunction = (node: FunctionNode): void => {
    stack.push({ fn: node, firstSuspension: Infinity, lastWrite: -1, takesLock: false, loopBase: loops.length });
    if (node.async) {
      units.add(node);
      asyncDepth++;
    }
  };
  const leaveFunction = (node: FunctionNode): void => {
    const inner = stack.pop()!;
    if (node.async) asyncDepth--;
    ingredientsOfUnit.set(inner.fn, inner);
    // A callback is walked inline by the function it is in (or not at all): its writes may run at any time.
    const outer = stack.at(-1);
    if (outer) {
      outer.firstSuspension = Math.min(outer.firstSuspension, inner.firstSuspension);
      if (inner.lastWrite >= 0) outer.lastWrite = Infinity;
      outer.takesLock ||= inner.takesLock;
    }
  };
  const onLeave: Partial<Record<string, (node: never) => void>> = {};
  for (const type of FUNCTION_TYPES) {
    onEnter[type] = enterFunction;
    onLeave[type] = leaveFunction;
  }
  for (const type of LOOPS) {
    onEnter[type] ??= enterLoop;
    onLeave[type] = leaveLoop;
  }

  const finder: UnitFinder = {
    file,
    onEnter,
    onLeave,
    enter(node) {
      onEnter[node.type]?.(node as never);
    },
    leave(node) {
      onLeave[node.type]?.(node as never);
    },
    units() {
      return [...units].filter((unit) => {
        const ingredients = ingredientsOfUnit.get(unit);
        if (!ingredients || ingredients.firstSuspension === Infinity) return false;
        return ingredients.takesLock || ingredients.lastWrite > ingredients.firstSuspension;
      });
    },
  };
  return finder;
}

function declaredIn(variable: TSESLint.Scope.Variable, fn: FunctionNode): boolean {
  for (let scope: TSESLint.Scope.Scope | null = variable.scope; scope; scope = scope.upper) {
    if (scope.block === fn) return true;
  }
  return false;
}

function isFresh(init: TSESTree.Expression | null): boolean {
  return init?.type === 'ObjectExpression' || init?.type === 'ArrayExpression' || init?.type === 'NewExpression';
}

/** Updates of one state under different locks do not exclude each other. */
function compareGuardedUpdates(ctx: FlowContext): void {
  for (const update of ctx.guarded) {
    if (ctx.findings.has(update.write)) continue;
    const ids = new Set(update.locks.map((lock) => lock.id));
    const other = ctx.guarded.find(
      (candidate) =>
        candidate.write !== update.write &&
        (overwrites(candidate.path, update.path) || overwrites(update.path, candidate.path)) &&
        !candidate.locks.some((lock) => ids.has(lock.id)),
    );
    if (!other) continue;
    ctx.findings.set(update.write, {
      kind: update.kind,
      write: update.write,
      path: update.path,
      read: update.read,
      suspension: update.suspension,
      unit: update.unit,
      lockProblem: {
        kind: 'differentLocks',
        lock: update.locks[0]?.label ?? 'a lock',
        otherLock: other.locks[0]?.label ?? 'another lock',
        otherLine: other.write.loc.start.line,
      },
    });
  }
}
