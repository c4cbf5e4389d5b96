import type { ParserServicesWithTypeInformation, TSESLint, TSESTree } from '@typescript-eslint/utils';
import * as ASTUtils from '@typescript-eslint/utils/ast-utils';
import ts from 'typescript';

import { isFunctionNode } from './suspensions';

/** A lock API the user names in the rule options: calls to `export` of `module` run a callback exclusively. */
export interface ConfiguredLock {
  module: string;
  export: string;
  /** Index of the critical-section callback among the call's arguments; default: the last function argument. */
  callbackArgument?: number;
}

export type LockOperation =
  /** Runs `arguments[callbackIndex]` while holding the lock (`runExclusive`, async-lock `acquire`, `navigator.locks.request`). */
  | { op: 'callback'; callbackIndex: number }
  /** `await lock.acquire()`: held from when the promise resolves until the releaser is called. */
  | { op: 'acquire'; returnsTuple: boolean }
  /** `lock.release()` */
  | { op: 'release' };

export interface LockCall {
  operation: LockOperation;
  /** The object whose identity is the lock (the mutex), if the lock is a method of one. */
  receiver?: TSESTree.Expression;
  /** Distinguishes locks of one object by name or key (`navigator.locks.request('db', …)`). */
  keyText?: string;
  /** How the user recognises the lock in a message. */
  label: string;
  /** Why holding this lock does not exclude other tasks, when it does not. */
  notExclusiveBecause?: string;
  /** An async-mutex `Mutex` (or `MutexInterface`): a fix may take it with `runExclusive`. */
  isMutex?: boolean;
}

/** Methods of the lock libraries that take, run under or release a lock. */
export const LOCK_METHODS: ReadonlySet<string> = new Set(['runExclusive', 'acquire', 'acquireAsync', 'release', 'request']);

interface Checker {
  services: ParserServicesWithTypeInformation;
  checker: ts.TypeChecker;
}

export type LockLibrary = 'mutex' | 'semaphore' | 'async-lock' | 'await-lock' | 'lock-manager';

/**
 * The lock library of a receiver, by node: shared by every recognizer of a file (the race engine's and
 * the lock-hygiene rules' walk the same syntax tree), so each receiver's type is asked for once.
 */
const libraryByNode = new WeakMap<TSESTree.Node, LockLibrary | null>();

/**
 * Recognises lock scopes by the type of the lock object (async-mutex, async-lock, the Web Locks API)
 * and by the imports the user configured. Syntactic filters run first; the checker is asked only
 * about calls of methods named like lock operations.
 */
export class LockRecognizer {
  constructor(
    private readonly types: Checker,
    private readonly configured: readonly ConfiguredLock[],
    private readonly variableOf: (identifier: TSESTree.Identifier) => TSESLint.Scope.Variable | null,
    private readonly sourceText: (node: TSESTree.Node) => string,
  ) {}

  /**
   * Cheap test, no checker: could this call be a lock operation? A method named like one only when
   * the program contains a library that has that method.
   */
  mayBeLockCall(call: TSESTree.CallExpression): boolean {
    const callee = call.callee;
    if (callee.type === 'MemberExpression' && !callee.computed && callee.property.type === 'Identifier') {
      if (LOCK_METHODS.has(callee.property.name) && this.programHasLibraryWith(callee.property.name)) return true;
    }
    return this.configured.length > 0 && this.configuredLockFor(call) !== undefined;
  }

  /**
   * Whether any call can be a lock operation here: the user configured a lock, or the program
   * contains a lock library. Code of a program with neither takes no lock, whatever it calls.
   */
  mayTakeLocks(): boolean {
    return mayTakeLocks(this.types.services.program, this.configured);
  }

  /** The lock libraries the program contains (its lock calls can only be theirs, or configured ones). */
  libraries(): ReadonlySet<LockLibrary> {
    return librariesIn(this.types.services.program);
  }

  /** Whether the user configured lock functions, which are called by any name. */
  configuresLocks(): boolean {
    return this.configured.length > 0;
  }

  private programHasLibraryWith(method: string): boolean {
    const libraries = librariesIn(this.types.services.program);
    return LIBRARIES_WITH_METHOD[method].some((library) => libraries.has(library));
  }

  recognize(call: TSESTree.CallExpression): LockCall | undefined {
    if (!this.mayBeLockCall(call)) return undefined;
    const configured = this.configuredLockFor(call);
    if (configured) return configured;
    const callee = call.callee as TSESTree.MemberExpression;
    const method = (callee.property as TSESTree.Identifier).name;
    const receiver = callee.object;
    // A lock method's call has this shape whatever the receiver is: checked before the receiver's type is asked.
    if (method === 'runExclusive' && !isFunctionNode(call.arguments[0])) return undefined;
    if (method === 'request' && !(call.arguments.length >= 2 && isFunctionNode(call.arguments[call.arguments.length - 1]))) return undefined;
    // No library of the program has this method: not a lock call, and nothing to ask the checker.
    const library = this.libraryOf(receiver, LIBRARIES_WITH_METHOD[method]);
    if (!library) return undefined;
    const label = `\`${this.sourceText(receiver)}\``;
    switch (library) {
      case 'mutex':
      case 'semaphore': {
        const notExclusiveBecause = library === 'semaphore' ? this.semaphoreProblem(receiver) : undefined;
        const isMutex = library === 'mutex';
        if (method === 'runExclusive') {
          return this.callbackCall(call, 0, { receiver, label, notExclusiveBecause, isMutex });
        }
        if (method === 'acquire') {
          return { operation: { op: 'acquire', returnsTuple: library === 'semaphore' }, receiver, label, notExclusiveBecause };
        }
        if (method === 'release') return { operation: { op: 'release' }, receiver, label, notExclusiveBecause };
        return undefined;
      }
      case 'async-lock': {
        if (method !== 'acquire' || call.arguments.length < 2) return undefined;
        const key = call.arguments[0];
        const keyText = this.staticText(key);
        return this.callbackCall(call, 1, { receiver, keyText, label: `${label} (key ${keyText})` });
      }
      case 'await-lock': {
        // await-lock: `await lock.acquireAsync(); try { … } finally { lock.release(); }`
        if (method === 'acquireAsync') return { operation: { op: 'acquire', returnsTuple: false }, receiver, label };
        if (method === 'release') return { operation: { op: 'release' }, receiver, label };
        return undefined;
      }
      case 'lock-manager': {
        if (method !== 'request' || call.arguments.length < 2) return undefined;
        const keyText = this.staticText(call.arguments[0]);
        const options = call.arguments.length >= 3 ? call.arguments[1] : undefined;
        return this.callbackCall(call, call.arguments.length - 1, {
          keyText,
          label: `the Web Lock ${keyText}`,
          notExclusiveBecause: options ? webLockProblem(options) : undefined,
        });
      }
    }
  }

  private callbackCall(
    call: TSESTree.CallExpression,
    callbackIndex: number,
    rest: Omit<LockCall, 'operation'>,
  ): LockCall | undefined {
    const callback = call.arguments.at(callbackIndex);
    if (callbackIndex < 0 || !callback || !isFunctionNode(callback)) return undefined;
    return { operation: { op: 'callback', callbackIndex }, ...rest };
  }

  private staticText(node: TSESTree.Node): string {
    const value = ASTUtils.getStaticValue(node);
    return value && (typeof value.value === 'string' || typeof value.value === 'number')
      ? JSON.stringify(value.value)
      : `\`${this.sourceText(node)}\``;
  }

  private configuredLockFor(call: TSESTree.CallExpression): LockCall | undefined {
    if (this.configured.length === 0) return undefined;
    let importedName: string | undefined;
    let moduleName: string | undefined;
    const callee = call.callee;
    const fromImport = (identifier: TSESTree.Identifier): TSESTree.Node | undefined => {
      const def = this.variableOf(identifier)?.defs[0];
      return def?.type === 'ImportBinding' ? def.node : undefined;
    };
    if (callee.type === 'Identifier') {
      const specifier = fromImport(callee);
      if (specifier?.type === 'ImportSpecifier') {
        importedName = specifier.imported.type === 'Identifier' ? specifier.imported.name : specifier.imported.value;
        moduleName = importSource(specifier);
      } else if (specifier?.type === 'ImportDefaultSpecifier') {
        importedName = 'default';
        moduleName = importSource(specifier);
      }
    } else if (
      callee.type === 'MemberExpression' &&
      !callee.computed &&
      callee.object.type === 'Identifier' &&
      callee.property.type === 'Identifier'
    ) {
      const specifier = fromImport(callee.object);
      if (specifier?.type === 'ImportNamespaceSpecifier') {
        importedName = callee.property.name;
        moduleName = importSource(specifier);
      }
    }
    if (importedName === undefined) return undefined;
    const lock = this.configured.find((candidate) => candidate.module === moduleName && candidate.export === importedName);
    if (!lock) return undefined;
    let callbackIndex = lock.callbackArgument;
    if (callbackIndex === undefined) {
      callbackIndex = -1;
      call.arguments.forEach((argument, index) => {
        if (isFunctionNode(argument)) callbackIndex = index;
      });
    }
    const keyText = callbackIndex > 0 ? this.staticText(call.arguments[0]) : undefined;
    return this.callbackCall(call, callbackIndex, {
      keyText: `${moduleName}#${importedName}${keyText ? `:${keyText}` : ''}`,
      label: `\`${importedName}\`${keyText ? ` (${keyText})` : ''}`,
    });
  }

  /** Which lock library an object belongs to, by its type (null when it is no lock). */
  libraryOf(receiver: TSESTree.Expression, candidates?: Iterable<LockLibrary>): LockLibrary | null {
    // Only some libraries would do, and the program has none of them: nothing to ask.
    if (candidates && ![...candidates].some((candidate) => librariesIn(this.types.services.program).has(candidate))) return null;
    let library = libraryByNode.get(receiver);
    if (library === undefined) {
      // A program that contains none of the lock libraries has no value of their types to ask about.
      const type = librariesIn(this.types.services.program).size > 0 ? this.types.services.getTypeAtLocation(receiver) : undefined;
      library = type ? libraryOfType(type) : null;
      libraryByNode.set(receiver, library);
    }
    return library;
  }

  /** A Semaphore excludes other tasks only when it provably has one permit. */
  private semaphoreProblem(receiver: TSESTree.Expression): string | undefined {
    const tsNode = this.types.services.esTreeNodeToTSNodeMap.get(receiver);
    const permits = this.permitsOf(tsNode as ts.Expression, 0);
    if (permits === 1) return undefined;
    return permits === undefined
      ? 'it is a Semaphore whose permit count is not provably 1'
      : `it is a Semaphore with ${permits} permits, so ${permits} tasks can hold it at once`;
  }

  private permitsOf(expression: ts.Expression, depth: number): number | undefined {
    const origin = this.originOf(expression, depth);
    if (origin && ts.isNewExpression(origin)) {
      const first = origin.arguments?.[0];
      if (!first) return undefined;
      const type = this.types.checker.getTypeAtLocation(first);
      return type.isNumberLiteral() ? type.value : undefined;
    }
    if (origin && ts.isCallExpression(origin) && origin.arguments.length > 0) {
      // withTimeout(semaphore, ms)
      return this.permitsOf(origin.arguments[0], depth + 1);
    }
    return undefined;
  }

  /**
   * The expression that created a lock object: the `new …` or call its variable or field was
   * initialised with (also in the constructor), followed a few steps; undefined when not visible.
   */
  originOf(expression: ts.Expression, depth = 0): ts.NewExpression | ts.CallExpression | undefined {
    if (depth > 4) return undefined;
    expression = ts.skipPartiallyEmittedExpressions(skipParens(expression));
    if (ts.isNewExpression(expression) || ts.isCallExpression(expression)) return expression;
    const symbol = this.types.checker.getSymbolAtLocation(
      ts.isPropertyAccessExpression(expression) ? expression.name : expression,
    );
    for (const declaration of symbol?.declarations ?? []) {
      if ((ts.isVariableDeclaration(declaration) || ts.isPropertyDeclaration(declaration)) && declaration.initializer) {
        return this.originOf(declaration.initializer, depth + 1);
      }
      if (ts.isPropertyDeclaration(declaration) || ts.isParameter(declaration)) {
        const assigned = constructorAssignment(declaration);
        if (assigned) return this.originOf(assigned, depth + 1);
      }
    }
    return undefined;
  }
}

function importSource(specifier: TSESTree.Node): string | undefined {
  const declaration = specifier.parent;
  return declaration?.type === 'ImportDeclaration' ? declaration.source.value : undefined;
}

function skipParens(expression: ts.Expression): ts.Expression {
  while (ts.isParenthesizedExpression(expression) || ts.isAsExpression(expression) || ts.isNonNullExpression(expression)) {
    expression = expression.expression;
  }
  return expression;
}

/** `this.sem = new Semaphore(1)` in the constructor of the class declaring `sem`. */
function constructorAssignment(declaration: ts.PropertyDeclaration | ts.ParameterDeclaration): ts.Expression | undefined {
  const cls = ts.isParameter(declaration) ? declaration.parent.parent : declaration.parent;
  if (!ts.isClassLike(cls)) return undefined;
  const name = declaration.name.getText();
  const ctor = cls.members.find(ts.isConstructorDeclaration);
  let found: ts.Expression | undefined;
  for (const statement of ctor?.body?.statements ?? []) {
    if (
      ts.isExpressionStatement(statement) &&
      ts.isBinaryExpression(statement.expression) &&
      statement.expression.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
      ts.isPropertyAccessExpression(statement.expression.left) &&
      statement.expression.left.expression.kind === ts.SyntaxKind.ThisKeyword &&
      statement.expression.left.name.text === name
    ) {
      found = statement.expression.right;
    }
  }
  return found;
}

function webLockProblem(options: TSESTree.Node): string | undefined {
  if (options.type !== 'ObjectExpression') return undefined;
  for (const property of options.properties) {
    if (property.type !== 'Property' || property.key.type !== 'Identifier') continue;
    const value = ASTUtils.getStaticValue(property.value);
    if (!value) continue;
    if (property.key.name === 'mode' && value.value === 'shared') return 'it is requested in shared mode';
    if (property.key.name === 'ifAvailable' && value.value === true) {
      return 'with `ifAvailable` the callback also runs, without the lock, when another task holds it';
    }
    if (property.key.name === 'steal' && value.value === true) return 'with `steal` it takes the lock away from its holder';
  }
  return undefined;
}

function declaredIn(symbol: ts.Symbol, pattern: RegExp): boolean {
  return (symbol.declarations ?? []).some((declaration) => pattern.test(declaration.getSourceFile().fileName));
}

/** A symbol's name, or for a default export (`export default class AwaitLock`) its declaration's. */
function declaredName(symbol: ts.Symbol): string {
  const name = symbol.getName();
  if (name !== 'default') return name;
  const declaration = symbol.declarations?.[0];
  return declaration && ts.isClassDeclaration(declaration) && declaration.name ? declaration.name.text : name;
}

const librariesByProgram = new WeakMap<ts.Program, ReadonlySet<LockLibrary>>();

/** The lock libraries `libraryOfType` knows whose declarations a program holds (found once per program). */
function librariesIn(program: ts.Program): ReadonlySet<LockLibrary> {
  let found = librariesByProgram.get(program);
  if (!found) {
    const libraries = new Set<LockLibrary>();
    for (const file of program.getSourceFiles()) {
      const name = file.fileName;
      if (/[\\/]async-mutex[\\/]/.test(name)) libraries.add('mutex').add('semaphore');
      else if (/[\\/]async-lock[\\/]/.test(name)) libraries.add('async-lock');
      else if (/[\\/]await-lock[\\/]/.test(name)) libraries.add('await-lock');
      else if (/[\\/]lib\.[\w.]*\.d\.ts$|[\\/]lib\.dom/.test(name) && file.text.includes('LockManager')) libraries.add('lock-manager');
    }
    found = libraries;
    librariesByProgram.set(program, found);
  }
  return found;
}

/** Whether code of this program can take a lock: the user configured one, or the program contains a lock library. */
export function mayTakeLocks(program: ts.Program, configured: readonly ConfiguredLock[]): boolean {
  return configured.length > 0 || librariesIn(program).size > 0;
}

/** The methods that take a lock (or run under one) in any of `libraries`: every lock method but `release`. */
export function takingMethodsOf(libraries: ReadonlySet<LockLibrary>): string[] {
  return Object.entries(LIBRARIES_WITH_METHOD)
    .filter(([method, owners]) => method !== 'release' && owners.some((library) => libraries.has(library)))
    .map(([method]) => method);
}

/** The libraries that have a lock method of each name (see `recognize`). */
const LIBRARIES_WITH_METHOD: Record<string, readonly LockLibrary[]> = {
  runExclusive: ['mutex', 'semaphore'],
  acquire: ['mutex', 'semaphore', 'async-lock'],
  acquireAsync: ['await-lock'],
  release: ['mutex', 'semaphore', 'await-lock'],
  request: ['lock-manager'],
};

function libraryOfType(type: ts.Type): LockLibrary | null {
  const parts = type.isUnion() ? type.types : [type];
  for (const part of parts) {
    const symbol = part.getSymbol() ?? part.aliasSymbol;
    if (!symbol) continue;
    const name = declaredName(symbol);
    if ((name === 'Mutex' || name === 'MutexInterface') && declaredIn(symbol, /[\\/]async-mutex[\\/]/)) return 'mutex';
    if ((name === 'Semaphore' || name === 'SemaphoreInterface') && declaredIn(symbol, /[\\/]async-mutex[\\/]/)) {
      return 'semaphore';
    }
    if (name === 'AsyncLock' && declaredIn(symbol, /[\\/]async-lock[\\/]/)) return 'async-lock';
    if (name === 'AwaitLock' && declaredIn(symbol, /[\\/]await-lock[\\/]/)) return 'await-lock';
    if (name === 'LockManager' && declaredIn(symbol, /[\\/]lib\.[\w.]*\.d\.ts$|[\\/]lib\.dom/)) return 'lock-manager';
  }
  return null;
}
