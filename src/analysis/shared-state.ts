import type { TSESLint, TSESTree } from '@typescript-eslint/utils';

import { rootPath, type StatePath } from './access-paths';
import type { FunctionNode } from './suspensions';

/** Global objects through which code reaches `globalThis` properties. */
const GLOBAL_OBJECTS = new Set(['globalThis', 'window', 'self', 'global']);

export type Binding =
  /** A variable or parameter of the analysed function itself: tracked by value. */
  | { kind: 'local'; variable: TSESLint.Scope.Variable }
  /**
   * A typed parameter of a named function or method (`transfer(from: Account, …)`): its binding is
   * per call, but the object it holds is the caller's, possibly shared by other calls.
   */
  | { kind: 'param'; variable: TSESLint.Scope.Variable; path: StatePath }
  /** Module state, imported state, a closure variable of concurrently running callbacks, a global. */
  | { kind: 'shared'; path: StatePath }
  /** Something that holds no state worth tracking (a function, a class, a built-in, a closure of a sequential callback). */
  | { kind: 'none' };

export interface TypeQueries {
  /**
   * Whether an import can hold state, given the name the import declares (whose symbol the checker
   * reads off the declaration: a use of the name would be looked up through every scope around
   * it): false for a function, an enum or a type; true for a variable, a namespace, a class (its
   * static fields), or what the checker cannot resolve.
   */
  importHoldsState(identifier: TSESTree.Identifier): boolean;
  /** Whether a parameter's declared type is an object type (not any, unknown or a primitive). */
  hasObjectType(identifier: TSESTree.Identifier): boolean;
  /** The same answer where the declaration's text settles it (see DeclaredTypes), without the checker; undefined otherwise. */
  declaredObjectType(identifier: TSESTree.Identifier): boolean | undefined;
}

/**
 * Decides which bindings other concurrent tasks can see, with ESLint's scope analysis
 * (and the checker for imports). One instance per file.
 */
export class SharedStateResolver {
  private readonly variableByIdentifier = new Map<TSESTree.Identifier | TSESTree.JSXIdentifier, TSESLint.Scope.Variable | null>();
  private readonly ids = new Map<object, number>();
  private readonly concurrency = new WeakMap<FunctionNode, boolean>();
  /** Per import binding: the root of its path (null for an import only called, constructed or named as a type). */
  private readonly importRoots = new Map<TSESLint.Scope.Variable, string | null>();
  /** Root per imported declaration (module specifier and exported name), so that two names for one export share it. */
  private readonly importRootByExport = new Map<string, string>();

  /** Scopes whose references and variables are in `variableByIdentifier`. */
  private readonly indexed = new Set<TSESLint.Scope.Scope>();
  private indexedAll = false;

  constructor(
    private readonly scopeManager: TSESLint.Scope.ScopeManager,
    private readonly types: TypeQueries,
  ) {}

  /** The variables a declaration (a declarator, a class, a function) declares. */
  declaredBy(node: TSESTree.Node): readonly TSESLint.Scope.Variable[] {
    return this.scopeManager.getDeclaredVariables(node);
  }

  /**
   * The variable an identifier declares or refers to (null: none, or an undeclared global). Scopes
   * are indexed on first need: the identifier's innermost scope and those around it. Only an
   * identifier found in none of them makes the whole file's scopes indexed. A file's analysis asks
   * about the few functions it walks. The key of a property (`{ logger }`, `{ id: x }`) is no
   * reference (its value is): none, without that search (7 ms on matrix-js-sdk, for eight keys).
   */
  variableOf(identifier: TSESTree.Identifier): TSESLint.Scope.Variable | null {
    let variable = this.variableByIdentifier.get(identifier);
    if (variable === undefined) {
      const parent = identifier.parent as TSESTree.Node | undefined;
      if (parent?.type === 'Property' && parent.key === identifier && parent.value !== identifier && !parent.computed) return null;
      this.indexAround(identifier);
      variable = this.variableByIdentifier.get(identifier);
      if (variable === undefined && !this.indexedAll) {
        this.indexedAll = true;
        for (const scope of this.scopeManager.scopes) {
          if (this.indexed.has(scope)) continue;
          this.indexed.add(scope);
          this.index(scope);
        }
        variable = this.variableByIdentifier.get(identifier);
      }
      variable ??= null;
      this.variableByIdentifier.set(identifier, variable);
    }
    return variable;
  }

  private indexAround(identifier: TSESTree.Node): void {
    let node: TSESTree.Node | undefined = identifier;
    let scope: TSESLint.Scope.Scope | null = null;
    while (node && !scope) {
      scope = this.scopeManager.acquire(node, true);
      node = node.parent;
    }
    const chain: TSESLint.Scope.Scope[] = [];
    for (let current = scope; current && !this.indexed.has(current); current = current.upper) chain.push(current);
    for (const inner of chain.reverse()) {
      this.indexed.add(inner);
      this.index(inner);
    }
  }

  private index(scope: TSESLint.Scope.Scope): void {
    for (const reference of scope.references) {
      this.variableByIdentifier.set(reference.identifier, reference.resolved);
    }
    // The global scope lists the TypeScript libs' globals (2,000 with the DOM), which no identifier
    // declares; of a module, it holds nothing else (its own declarations are the module scope's).
    if (isModuleGlobalScope(scope)) return;
    for (const variable of scope.variables) {
      if (variable.identifiers.length === 0) continue;
      for (const identifier of variable.identifiers) {
        // A class declaration's name is a variable of the scope around it and of the class's own
        // scope; the name itself means the class scope's (the one code inside sees), whichever of
        // the two scopes is indexed first.
        if (scope.type !== 'class' && isClassName(identifier)) continue;
        this.variableByIdentifier.set(identifier, variable);
      }
    }
  }

  idOf(thing: object): number {
    let id = this.ids.get(thing);
    if (id === undefined) {
      id = this.ids.size + 1;
      this.ids.set(thing, id);
    }
    return id;
  }

  /** How the analysed function `unit` sees the binding an identifier refers to. */
  classify(identifier: TSESTree.Identifier, unit: FunctionNode): Binding {
    const variable = this.variableOf(identifier);
    if (!variable) {
      // Undeclared in a script: an implicit global.
      return GLOBAL_OBJECTS.has(identifier.name)
        ? { kind: 'shared', path: rootPath('global', 'globalThis', false) }
        : { kind: 'none' };
    }
    if (variable.defs.length === 0) {
      // A built-in from the lib: only the global object itself leads to state.
      return GLOBAL_OBJECTS.has(variable.name)
        ? { kind: 'shared', path: rootPath('global', 'globalThis', false) }
        : { kind: 'none' };
    }
    const def = variable.defs[0];
    if (def.type === 'FunctionName' || def.type === 'Type' || def.type === 'TSEnumName' || def.type === 'TSModuleName') {
      return { kind: 'none' };
    }
    if (this.isInside(variable.scope, unit)) {
      return def.type === 'Parameter' && this.isSharedParameter(variable, def.node)
        ? { kind: 'param', variable, path: rootPath(`param:${this.idOf(variable)}`, variable.name, false) }
        : { kind: 'local', variable };
    }
    const home = variable.scope.variableScope;
    if (home.type === 'module' || home.type === 'global') {
      if (def.type === 'ImportBinding') {
        let root = this.importRoots.get(variable);
        if (root === undefined) {
          root = variable.references.every(onlyInvoked) ? null : this.importRootOf(variable, def);
          this.importRoots.set(variable, root);
        }
        if (root === null) return { kind: 'none' };
        return { kind: 'shared', path: rootPath(root, variable.name, true) };
      }
      return { kind: 'shared', path: rootPath(`var:${this.idOf(variable)}`, variable.name, def.type !== 'ClassName') };
    }
    // A variable of an enclosing function: shared only when this function can run concurrently with itself.
    if (def.type === 'ClassName') return { kind: 'none' };
    return this.isConcurrent(unit)
      ? { kind: 'shared', path: rootPath(`var:${this.idOf(variable)}`, variable.name, true) }
      : { kind: 'none' };
  }

  /**
   * The root of an import's path, keyed by the module it names and the export it takes. Whether the
   * import holds state at all (a variable or a class, not a function or an enum read as `E.member`)
   * is left to the checker until a write or a lock needs it (`isConfirmedShared`): most imports are
   * only ever read, and each first question about one resolves the module it comes from.
   */
  private importRootOf(variable: TSESLint.Scope.Variable, def: TSESLint.Scope.Definition): string {
    const node = def.node as TSESTree.Node;
    const declaration = node.parent;
    let exported: string | undefined;
    if (node.type === 'ImportSpecifier') exported = node.imported.type === 'Identifier' ? node.imported.name : node.imported.value;
    else if (node.type === 'ImportDefaultSpecifier') exported = 'default';
    else if (node.type === 'ImportNamespaceSpecifier') exported = '*';
    const key = exported !== undefined && declaration?.type === 'ImportDeclaration' ? `${declaration.source.value}\0${exported}` : `var:${this.idOf(variable)}`;
    let root = this.importRootByExport.get(key);
    if (root === undefined) {
      root = `import:${this.importRootByExport.size + 1}`;
      this.importRootByExport.set(key, root);
      this.unconfirmed.set(root, def.name as TSESTree.Identifier);
    }
    return root;
  }

  private readonly sharedParameters = new Map<TSESLint.Scope.Variable, boolean>();
  /**
   * Roots taken for shared before the checker was asked, with the name to ask about: parameters
   * whose type the declaration does not settle (`param:`), imports (`import:`).
   */
  private readonly unconfirmed = new Map<string, TSESTree.Identifier>();
  /** The checker's answers for them, once a write or a lock asked. */
  private readonly confirmed = new Map<string, boolean>();

  /**
   * A callback's parameters are what its caller hands each invocation (an element, an event, a
   * request): per call. A named function's or method's typed object parameter may be an object its
   * callers share (an account, a room, a quota); an untyped one (plain JavaScript) is not assumed to be.
   * Where the declaration's text does not settle the type, the parameter is taken for shared until a
   * write (or a lock) needs it to be (`isConfirmedShared`): most such parameters are only ever read.
   */
  private isSharedParameter(variable: TSESLint.Scope.Variable, fn: TSESTree.Node): boolean {
    let answer = this.sharedParameters.get(variable);
    if (answer === undefined) {
      const parent = fn.parent;
      const isCallback = parent?.type === 'CallExpression' || parent?.type === 'NewExpression';
      const identifier = variable.identifiers[0];
      answer = isCallback ? false : this.types.declaredObjectType(identifier);
      if (answer === undefined) {
        answer = true;
        this.unconfirmed.set(`param:${this.idOf(variable)}`, identifier);
      }
      this.sharedParameters.set(variable, answer);
    }
    return answer;
  }

  /**
   * Whether state at `path` is shared, asking the checker now about a parameter or an import taken
   * for shared before (see `isSharedParameter`, `importRootOf`). A parameter that is no object holds
   * nothing shared: a write through it is a write to something of this call's own, and a lock in it
   * is this call's own. An imported function holds nothing written here.
   */
  isConfirmedShared(path: StatePath): boolean {
    const name = this.unconfirmed.get(path.root);
    if (!name) return true;
    let shared = this.confirmed.get(path.root);
    if (shared === undefined) {
      shared = path.root.startsWith('import:') ? this.types.importHoldsState(name) : this.types.hasObjectType(name);
      this.confirmed.set(path.root, shared);
    }
    return shared;
  }

  /** `this` inside a class member or object-literal method: the instance (or the class for static members). */
  thisRoot(node: TSESTree.Node): StatePath | undefined {
    for (let current = node.parent; current; current = current.parent) {
      switch (current.type) {
        case 'FunctionExpression':
        case 'FunctionDeclaration': {
          const owner = current.parent;
          if (owner.type === 'MethodDefinition' || owner.type === 'TSAbstractMethodDefinition') {
            return this.classRoot(owner.parent.parent, owner.static);
          }
          if (owner.type === 'Property' && owner.parent.type === 'ObjectExpression') {
            return rootPath(`this:${this.idOf(owner.parent)}`, 'this', false);
          }
          return undefined;
        }
        case 'PropertyDefinition':
        case 'AccessorProperty':
          return this.classRoot(current.parent.parent, current.static);
        case 'StaticBlock':
          return this.classRoot(current.parent.parent, true);
        default:
          break;
      }
    }
    return undefined;
  }

  private classRoot(cls: TSESTree.ClassDeclaration | TSESTree.ClassExpression, isStatic: boolean): StatePath {
    if (!isStatic) return rootPath(`this:${this.idOf(cls)}`, 'this', false);
    const variable = cls.id ? this.variableOf(cls.id) : null;
    return variable
      ? rootPath(`var:${this.idOf(variable)}`, variable.name, false)
      : rootPath(`static:${this.idOf(cls)}`, 'this', false);
  }

  private isInside(scope: TSESLint.Scope.Scope, unit: FunctionNode): boolean {
    for (let current: TSESLint.Scope.Scope | null = scope; current; current = current.upper) {
      if (current.block === unit) return true;
    }
    return false;
  }

  /**
   * Whether a function's invocations can overlap: it is handed to other code (`map`, `Promise.all`,
   * listeners, timers, handlers), returned or stored. An immediately invoked function, or one only
   * ever called as `await f()`, runs one invocation at a time.
   */
  isConcurrent(fn: FunctionNode): boolean {
    let answer = this.concurrency.get(fn);
    if (answer === undefined) {
      answer = this.computeConcurrent(fn);
      this.concurrency.set(fn, answer);
    }
    return answer;
  }

  private computeConcurrent(fn: FunctionNode): boolean {
    const parent = fn.parent;
    if (parent.type === 'CallExpression' && parent.callee === fn) return false;
    let name: TSESTree.Identifier | undefined;
    if (fn.type === 'FunctionDeclaration' && fn.id) name = fn.id;
    else if (parent.type === 'VariableDeclarator' && parent.init === fn && parent.id.type === 'Identifier') name = parent.id;
    if (!name) return true;
    const variable = this.variableOf(name);
    if (!variable) return true;
    const uses = variable.references.filter((reference) => reference.identifier !== name);
    if (uses.length === 0) return true;
    return !uses.every((reference) => {
      const call = reference.identifier.parent;
      return call.type === 'CallExpression' && call.callee === reference.identifier && call.parent.type === 'AwaitExpression';
    });
  }
}

/**
 * A use of a name that lets no write reach what it holds: calling it, constructing with it, testing
 * `instanceof` against it, or naming its type. An import used only so holds no state this analysis
 * could see written, whatever it is (most imports are functions and classes used so), so the checker
 * need not be asked what it is.
 */
function onlyInvoked(reference: TSESLint.Scope.Reference): boolean {
  if (reference.isTypeReference) return true;
  const identifier = reference.identifier;
  const parent = identifier.parent;
  if ((parent.type === 'CallExpression' || parent.type === 'NewExpression') && parent.callee === identifier) return true;
  return parent.type === 'BinaryExpression' && parent.operator === 'instanceof' && parent.right === identifier;
}

function isClassName(identifier: TSESTree.Identifier | TSESTree.JSXIdentifier): boolean {
  const parent = identifier.parent;
  return (parent.type === 'ClassDeclaration' || parent.type === 'ClassExpression') && parent.id === identifier;
}

/** The global scope of a module: the TypeScript libs' globals, and none of the file's declarations. */
export function isModuleGlobalScope(scope: TSESLint.Scope.Scope): boolean {
  return scope.type === 'global' && scope.block.sourceType === 'module';
}
