import type { ParserServicesWithTypeInformation, TSESLint, TSESTree } from '@typescript-eslint/utils';
import ts from 'typescript';

import { type ContainerKind, staticPropertyName } from './access-paths';

/** The checker's answer: a Map, a Set or an array (of a union, the first part that is one). */
export function containerKindOf(checker: ts.TypeChecker, type: ts.Type): ContainerKind | undefined {
  for (const part of type.isUnion() ? type.types : [type]) {
    if (part.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null)) continue;
    if (checker.isArrayType(part) || checker.isTupleType(part)) return 'array';
    const name = (part.getSymbol() ?? part.aliasSymbol)?.getName();
    if (name === 'Map' || name === 'WeakMap' || name === 'ReadonlyMap') return 'map';
    if (name === 'Set' || name === 'WeakSet' || name === 'ReadonlySet') return 'set';
    if (name === 'Array' || name === 'ReadonlyArray') return 'array';
  }
  return undefined;
}

/** The symbol a name stands for, through an import to what it imports. */
export function symbolBehind(checker: ts.TypeChecker, name: ts.Node): ts.Symbol | undefined {
  const symbol = checker.getSymbolAtLocation(name);
  return symbol && symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
}

/** The name of the class or interface an imported name resolves to; undefined for anything else. */
export function importedClassOrInterface(checker: ts.TypeChecker, name: ts.Node): string | undefined {
  const symbol = symbolBehind(checker, name);
  if (!symbol || !(symbol.flags & (ts.SymbolFlags.Class | ts.SymbolFlags.Interface))) return undefined;
  return symbol.getName();
}

/** The checker's answer: an object type (not any, unknown or a primitive; of a union, some part). */
export function isObjectType(type: ts.Type): boolean {
  if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return false;
  return (type.isUnion() ? type.types : [type]).some((part) => (part.flags & ts.TypeFlags.Object) !== 0);
}

/**
 * Whether the state a receiver names is a Map, a Set or an array, from the declared types of the
 * symbols it goes through (`this.s.queue`: what `queue` was declared as), not from the type the
 * checker narrows it to at this point: that would make the checker analyse the function's control
 * flow up to here, resolving the signature of every call on the way to see whether it asserts
 * something. Where the declaration does not settle it (any, unknown, a union of different
 * containers, an expression that is no chain of names), the type at this point does.
 */
export function containerKindOfState(services: ParserServicesWithTypeInformation, receiver: TSESTree.Expression): ContainerKind | undefined {
  const checker = services.program.getTypeChecker();
  const symbol = declaredSymbolOf(services, checker, receiver);
  // What the declaration says outright (`queue: Job[]`, `= new Set(…)`), before its type is built.
  const written = symbol?.valueDeclaration ? containerOfDeclaration(checker, symbol.valueDeclaration) : undefined;
  if (written !== undefined) return written ?? undefined;
  const declared = symbol
    ? (entryTypeOfInitializer(services, checker, symbol.valueDeclaration) ?? checker.getTypeOfSymbol(symbol))
    : receiver.type === 'ThisExpression'
      ? thisTypeOf(services, checker, receiver)
      : entryTypeOf(services, checker, receiver);
  if (declared && !(declared.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown))) {
    const kinds = new Set((declared.isUnion() ? declared.types : [declared]).map((part) => containerKindOf(checker, part)));
    kinds.delete(undefined);
    if (kinds.size <= 1) return [...kinds][0];
  }
  return containerKindOf(checker, services.getTypeAtLocation(receiver));
}

/**
 * The declared type of what reading an entry gives: `map.get(key)` of a built-in Map (its value
 * type), `list[i]` of an array (its element type), also behind `!` and `?.`. Undefined for anything
 * else, or where the container's declaration does not settle it. (Resolving `backRefs.get(id)!` to
 * learn that it is a Set cost up to 18 ms in matrix-js-sdk.)
 */
function entryTypeOf(services: ParserServicesWithTypeInformation, checker: ts.TypeChecker, node: TSESTree.Node): ts.Type | undefined {
  if (node.type === 'TSNonNullExpression' || node.type === 'ChainExpression') return entryTypeOf(services, checker, node.expression);
  let container: TSESTree.Node;
  let isContainer: (type: ts.Type) => boolean;
  let argument: number;
  if (node.type === 'CallExpression' && node.arguments.length === 1 && node.callee.type === 'MemberExpression' && staticPropertyName(node.callee) === 'get') {
    container = node.callee.object;
    isContainer = (type) => isBuiltIn(services.program, type, MAP_TYPES);
    argument = 1;
  } else if (node.type === 'MemberExpression' && node.computed && isNumberIndex(services, checker, node.property)) {
    container = node.object;
    isContainer = (type) => checker.isArrayType(type);
    argument = 0;
  } else {
    return undefined;
  }
  const declared = declaredTypeOf(services, checker, container);
  const parts = declared ? typeParts(declared) : [];
  return parts.length === 1 && isContainer(parts[0]) ? checker.getTypeArguments(parts[0] as ts.TypeReference).at(argument) : undefined;
}

/**
 * A variable declared without a type and given an entry of a container (`const vias =
 * this.viaMap.get(id)!`): the entry's declared type (see `entryTypeOf`), which its type is. (Its
 * type from the checker, resolving the class and the call, cost 14 ms in matrix-js-sdk.)
 */
function entryTypeOfInitializer(
  services: ParserServicesWithTypeInformation,
  checker: ts.TypeChecker,
  declaration: ts.Declaration | undefined,
): ts.Type | undefined {
  if (!declaration || !ts.isVariableDeclaration(declaration) || declaration.type || !declaration.initializer || !inTypeScript(declaration)) return undefined;
  const initializer = services.tsNodeToESTreeNodeMap.get(declaration.initializer) as TSESTree.Node | undefined;
  return initializer ? entryTypeOf(services, checker, initializer) : undefined;
}

const MAP_TYPES: ReadonlySet<string> = new Set(['Map', 'ReadonlyMap', 'WeakMap']);

/** An index that reads an element, not a property: a number, or a variable declared as one (`list[i]`). */
function isNumberIndex(services: ParserServicesWithTypeInformation, checker: ts.TypeChecker, index: TSESTree.Node): boolean {
  if (index.type === 'Literal') return typeof index.value === 'number';
  const declared = index.type === 'Identifier' ? declaredTypeOf(services, checker, index) : undefined;
  return declared !== undefined && (declared.flags & ts.TypeFlags.NumberLike) !== 0;
}

/** A reference to one of the built-in generic interfaces named (`Map<K, V>`), declared only by the default library. */
function isBuiltIn(program: ts.Program, type: ts.Type, names: ReadonlySet<string>): boolean {
  if (!(type.flags & ts.TypeFlags.Object) || !((type as ts.ObjectType).objectFlags & ts.ObjectFlags.Reference)) return false;
  // A tuple's target has no symbol.
  const target = (type as ts.TypeReference).target.symbol as ts.Symbol | undefined;
  const declarations = target && names.has(target.getName()) ? (target.declarations ?? []) : [];
  return declarations.length > 0 && declarations.every((declaration) => program.isSourceFileDefaultLibrary(declaration.getSourceFile()));
}

/**
 * The class `this` stands for in a class member (its instance type, or for a static member the class
 * itself), read from the class's symbol: asking the type of `this` at this point would analyse the
 * function's control flow (`this` can be narrowed by `this is …` predicates).
 */
function thisTypeOf(services: ParserServicesWithTypeInformation, checker: ts.TypeChecker, node: TSESTree.ThisExpression): ts.Type | undefined {
  const owner = thisClassOf(services, checker, node);
  if (!owner) return undefined;
  return owner.isStatic ? checker.getTypeOfSymbol(owner.symbol) : checker.getDeclaredTypeOfSymbol(owner.symbol);
}

/** The symbol of the class whose member `this` is in, and whether that member is static. */
function thisClassOf(services: ParserServicesWithTypeInformation, checker: ts.TypeChecker, node: TSESTree.ThisExpression): { symbol: ts.Symbol; isStatic: boolean } | undefined {
  const member = enclosingClassMember(node);
  const symbol = member?.cls.id ? checker.getSymbolAtLocation(services.esTreeNodeToTSNodeMap.get(member.cls.id)) : undefined;
  return member && symbol ? { symbol, isStatic: member.isStatic } : undefined;
}

/** The symbol of the variable or property an expression names (an import: what it imports), found through declared types. */
function declaredSymbolOf(services: ParserServicesWithTypeInformation, checker: ts.TypeChecker, node: TSESTree.Node): ts.Symbol | undefined {
  switch (node.type) {
    case 'Identifier':
      return symbolBehind(checker, services.esTreeNodeToTSNodeMap.get(node));
    case 'TSNonNullExpression':
    case 'ChainExpression':
      return declaredSymbolOf(services, checker, node.expression);
    case 'MemberExpression': {
      if (node.computed || node.property.type !== 'Identifier') return undefined;
      // `this.field` declared in the class itself: that declaration's symbol. Asking the class type for
      // the property would build all its members, inherited ones included (mongodb's MongoClient: 40 ms).
      const field = ownFieldOf(node);
      if (field) {
        const declaration = services.esTreeNodeToTSNodeMap.get(field) as ts.PropertyDeclaration | ts.Identifier;
        return checker.getSymbolAtLocation(ts.isIdentifier(declaration) ? declaration : declaration.name);
      }
      const object = declaredTypeOf(services, checker, node.object);
      if (!object) return undefined;
      // `T | undefined` (an optional field): the property of `T`. Several object parts: not settled here.
      const parts = typeParts(object);
      if (parts.length !== 1) return undefined;
      return ownMemberOf(parts[0], node.property.name) ?? checker.getPropertyOfType(checker.getApparentType(parts[0]), node.property.name);
    }
    default:
      return undefined;
  }
}

/**
 * A member a class or interface declares itself, read from the members table the binder built, for
 * the class or interface type itself (not an instantiation such as `Box<number>`, whose members are
 * instantiated): the symbol the checker's lookup returns, without resolving every member of the
 * type and its bases (`this.client.callEventHandler` in matrix-js-sdk: 16 ms for MatrixClient's).
 * Undefined for an inherited member.
 */
function ownMemberOf(type: ts.Type, name: string): ts.Symbol | undefined {
  if (!(type.flags & ts.TypeFlags.Object)) return undefined;
  const object = type as ts.ObjectType;
  // (A class or interface type is a reference to itself, with its type parameters as arguments.)
  const instantiated = object.objectFlags & ts.ObjectFlags.Reference && (object as ts.TypeReference).target !== object;
  if (!(object.objectFlags & ts.ObjectFlags.ClassOrInterface) || instantiated) return undefined;
  const member = type.symbol.members?.get(ts.escapeLeadingUnderscores(name));
  return member && member.flags & (ts.SymbolFlags.Property | ts.SymbolFlags.Method | ts.SymbolFlags.Accessor) ? member : undefined;
}

/**
 * The declared type of the variable or property a reference reads (`x`, `this.x`, `a.b`), found
 * without asking for the type at that point (which would analyse the function's control flow up to
 * it); undefined when the declarations do not lead to one symbol.
 */
export function declaredTypeOfReference(services: ParserServicesWithTypeInformation, node: TSESTree.Node): ts.Type | undefined {
  return declaredTypeOf(services, services.program.getTypeChecker(), node);
}

/**
 * What each declared signature of the function or method a call calls returns, read without
 * resolving the call; undefined when the callee is not found from declarations alone or a return
 * type depends on the call (a type parameter, `this`, an indexed or conditional type, or one made of
 * them: `U[]` from `map`), so that only the resolved call can tell.
 *
 * A method of a class or interface is read from the members its declarations declare, as written
 * (`reEmit` of `TypedReEmitter<E, M>`, with the class's type parameters in it): building the
 * receiver's type would make the checker check a field's initializer (`new TypedReEmitter<…>(this)`
 * is checked against the constructor's parameters: 36 ms in matrix-js-sdk's client) or resolve every
 * member of the class and its bases. A return type that mentions the class's type parameters depends
 * on the call by the rule above, so the shortcut answers only what every instantiation answers.
 */
export function declaredReturnTypes(
  services: ParserServicesWithTypeInformation,
  call: TSESTree.CallExpression | TSESTree.NewExpression,
): Array<ts.Type | typeof PLAIN_INSTANCE> | undefined {
  return returnTypesOf(services, services.program.getTypeChecker(), call, 0);
}

/**
 * Whether the function or method a call calls is declared as an assertion (`asserts value`,
 * `asserts this is T`) in one of its signatures, read from the declarations of the callee found as
 * `declaredReturnTypes` finds it, without resolving the call. TypeScript never infers an assertion:
 * only a return type written as one makes a call narrow what it asserts. Undefined where the
 * declarations do not settle it (no callee found, a signature without a declaration in TypeScript).
 */
export function declaredAsAssertion(services: ParserServicesWithTypeInformation, call: TSESTree.CallExpression): boolean | undefined {
  const callee = declaredCalleeType(services, services.program.getTypeChecker(), call.callee, 0);
  const signatures = callee?.type.getCallSignatures() ?? [];
  if (signatures.length === 0) return undefined;
  let asserts = false;
  for (const { declaration } of signatures) {
    if (!declaration || ts.isJSDocSignature(declaration) || !inTypeScript(declaration)) return undefined;
    const written = declaration.type;
    if (written && ts.isTypePredicateNode(written) && written.assertsModifier) asserts = true;
  }
  return asserts;
}

/**
 * What a method declared to return `this` returns when called on an instance of a class whose
 * `extends` chain is known and declares no `then` (an event emitter's `on`): no thenable, no array.
 * Building that class's type to say so would resolve all its members and its bases' (50 ms for
 * matrix-js-sdk's client).
 */
export const PLAIN_INSTANCE = Symbol('an instance of a class that declares no `then`');

/** How many declarations deep `returnTypesOf` follows locals initialised with calls (`a = f(); b = a.g(); b.h()`). */
const MAX_DEPTH = 3;

function returnTypesOf(
  services: ParserServicesWithTypeInformation,
  checker: ts.TypeChecker,
  call: TSESTree.CallExpression | TSESTree.NewExpression,
  depth: number,
): Array<ts.Type | typeof PLAIN_INSTANCE> | undefined {
  const callee = declaredCalleeType(services, checker, call.callee, depth);
  if (!callee) return undefined;
  const signatures = call.type === 'NewExpression' ? callee.type.getConstructSignatures() : callee.type.getCallSignatures();
  if (signatures.length === 0) return undefined;
  const returned: Array<ts.Type | typeof PLAIN_INSTANCE> = [];
  for (const signature of signatures) {
    const type = checker.getReturnTypeOfSignature(signature);
    // The `this` type is a type parameter named by its class.
    const isThis = type.flags & ts.TypeFlags.TypeParameter && type.symbol.flags & (ts.SymbolFlags.Class | ts.SymbolFlags.Interface);
    const owner = callee.owner;
    if (isThis && owner && owner.flags & ts.SymbolFlags.Class && declaredMember(checker, owner, THEN) === null) returned.push(PLAIN_INSTANCE);
    else if (dependsOnCall(checker, type)) return undefined;
    else returned.push(type);
  }
  return returned;
}

const THEN = ts.escapeLeadingUnderscores('then');
const PROMISE_TYPE: ReadonlySet<string> = new Set(['Promise']);

/** The type of what a call calls, and for a method of a class or interface, which one its receiver is an instance of. */
function declaredCalleeType(
  services: ParserServicesWithTypeInformation,
  checker: ts.TypeChecker,
  callee: TSESTree.Node,
  depth: number,
): { type: ts.Type; owner?: ts.Symbol } | undefined {
  if (callee.type === 'MemberExpression' && !callee.computed && callee.property.type === 'Identifier') {
    const owner = instanceClassOf(services, checker, callee.object, depth);
    if (owner) {
      const member = declaredMember(checker, owner, ts.escapeLeadingUnderscores(callee.property.name)) ?? checker.getPropertyOfType(checker.getDeclaredTypeOfSymbol(owner), callee.property.name);
      // Type parameters share the members table; an accessor's type is its getter's.
      return member && member.flags & (ts.SymbolFlags.Method | ts.SymbolFlags.Property) ? { type: checker.getTypeOfSymbol(member), owner } : undefined;
    }
  }
  const type = declaredTypeOf(services, checker, callee);
  return type && { type };
}

/**
 * The member `name` of a class's or interface's instances as its declarations declare it, or as
 * the classes and interfaces up its `extends` clauses do (`this.on(…)` in a class extending an
 * event emitter), read from the symbol tables the binder built, without resolving any type's
 * members. Null when none of them declares it (of the instance's members, only `Object`'s remain);
 * undefined where the declarations do not settle it: an `extends` that is no name (a mixin call),
 * or two bases that both declare it.
 */
function declaredMember(checker: ts.TypeChecker, owner: ts.Symbol, name: ts.__String, depth = 0): ts.Symbol | null | undefined {
  const own = owner.members?.get(name);
  if (own) return own;
  if (depth > 10) return undefined;
  let found: ts.Symbol | null = null;
  for (const declaration of owner.declarations ?? []) {
    // A namespace merged in declares no instance member.
    if (ts.isModuleDeclaration(declaration)) continue;
    if (!ts.isClassLike(declaration) && !ts.isInterfaceDeclaration(declaration)) return undefined;
    for (const clause of declaration.heritageClauses ?? []) {
      if (clause.token !== ts.SyntaxKind.ExtendsKeyword) continue;
      for (const { expression } of clause.types) {
        const named = ts.isIdentifier(expression) ? expression : ts.isPropertyAccessExpression(expression) ? expression.name : undefined;
        const base = named && symbolBehind(checker, named);
        if (!base || !(base.flags & (ts.SymbolFlags.Class | ts.SymbolFlags.Interface))) return undefined;
        const inherited = declaredMember(checker, base, name, depth + 1);
        if (inherited === undefined || (inherited && found && inherited !== found)) return undefined;
        found ??= inherited;
      }
    }
  }
  return found;
}

/**
 * The class or interface whose instance an expression is, by declarations: `this` in an instance
 * member; a variable or field of a class or interface type. For one written without a type (in
 * TypeScript, where no JSDoc can say otherwise), from its initializer without checking it: `new C(…)`
 * of a class `C`; in this file, a call (or an awaited call) whose callee's one declared signature
 * settles what it returns (`const crypto = await initCrypto(…)`: checking that initializer would
 * resolve the call, its arguments and what the callee's body returns).
 */
function instanceClassOf(services: ParserServicesWithTypeInformation, checker: ts.TypeChecker, node: TSESTree.Node, depth: number): ts.Symbol | undefined {
  if (node.type === 'ThisExpression') {
    const owner = thisClassOf(services, checker, node);
    return owner && !owner.isStatic ? owner.symbol : undefined;
  }
  if (node.type === 'ChainExpression' || node.type === 'TSNonNullExpression') return instanceClassOf(services, checker, node.expression, depth);
  // An element of arrays or tuples (`this.timelineSets[0]` of `[] | [TimelineSet, TimelineSet]`).
  if (node.type === 'MemberExpression' && node.computed) {
    if (!isNumberIndex(services, checker, node.property)) return undefined;
    const container = declaredTypeOf(services, checker, node.object);
    const index = node.property.type === 'Literal' && typeof node.property.value === 'number' ? node.property.value : undefined;
    const elements = container ? typeParts(container).map((part) => elementType(checker, part, index)) : [];
    const classes = new Set<ts.Symbol | undefined>();
    for (const element of elements) {
      if (element === undefined) return undefined;
      if (element !== null) classes.add(instanceClassOfType(element));
    }
    return classes.size === 1 ? [...classes][0] : undefined;
  }
  const symbol = declaredSymbolOf(services, checker, node);
  if (!symbol) return undefined;
  const declaration = symbol.valueDeclaration;
  const init =
    declaration &&
    (ts.isVariableDeclaration(declaration) || ts.isPropertyDeclaration(declaration)) &&
    !declaration.type &&
    inTypeScript(declaration)
      ? declaration.initializer
      : undefined;
  if (init && ts.isNewExpression(init) && ts.isIdentifier(init.expression)) {
    const constructed = symbolBehind(checker, init.expression);
    if (constructed && constructed.flags & ts.SymbolFlags.Class) return constructed;
  }
  if (init && depth < MAX_DEPTH) {
    // `const topology = this.topology`: the class of what it reads (asking the local's type would
    // analyse the function's control flow up to its declaration, to narrow `this.topology`).
    const read = services.tsNodeToESTreeNodeMap.get(init) as TSESTree.Node | undefined;
    if (read && REFERENCES.has(read.type)) return instanceClassOf(services, checker, read, depth + 1);
    const called = calledType(services, checker, init, depth + 1);
    if (called) return instanceClassOfType(called);
  }
  const destructured = declaration && depth < MAX_DEPTH ? destructuredType(services, checker, declaration, depth + 1) : undefined;
  return instanceClassOfType(destructured ?? checker.getTypeOfSymbol(symbol));
}

/**
 * `const { events } = filter(…)` (or awaited) without a type or a default: the type the callee's
 * declared return type gives that property, read as for a call (see `calledType`).
 */
function destructuredType(services: ParserServicesWithTypeInformation, checker: ts.TypeChecker, declaration: ts.Declaration, depth: number): ts.Type | undefined {
  if (!ts.isBindingElement(declaration) || declaration.dotDotDotToken || declaration.initializer || !ts.isIdentifier(declaration.name)) return undefined;
  const pattern = declaration.parent;
  const variable = pattern.parent;
  if (!ts.isObjectBindingPattern(pattern) || !ts.isVariableDeclaration(variable) || variable.type || !variable.initializer) return undefined;
  if (!inTypeScript(declaration)) return undefined;
  const property = declaration.propertyName ?? declaration.name;
  if (!ts.isIdentifier(property)) return undefined;
  const whole = calledType(services, checker, variable.initializer, depth);
  const parts = whole ? typeParts(whole) : [];
  const member = parts.length === 1 ? checker.getPropertyOfType(parts[0], property.text) : undefined;
  return member && checker.getTypeOfSymbol(member);
}

const REFERENCES: ReadonlySet<string> = new Set(['Identifier', 'MemberExpression', 'ThisExpression', 'TSNonNullExpression', 'ChainExpression']);

/** What an initializer `f(…)` or `await f(…)` of this file holds, when the callee's one declared signature settles it. */
function calledType(services: ParserServicesWithTypeInformation, checker: ts.TypeChecker, init: ts.Expression, depth: number): ts.Type | undefined {
  const awaited = ts.isAwaitExpression(init);
  const call = services.tsNodeToESTreeNodeMap.get(awaited ? init.expression : init) as TSESTree.Node | undefined;
  if (call?.type !== 'CallExpression') return undefined;
  const returned = returnTypesOf(services, checker, call, depth);
  if (returned?.length !== 1 || returned[0] === PLAIN_INSTANCE) return undefined;
  return awaited ? promisedType(services.program, checker, returned[0]) : returned[0];
}

/**
 * `T` of the built-in `Promise<T>`, the one type whose awaited type is read here (anything else is
 * left to the checker), when `T` is an instance of a class or interface that, with its bases,
 * declares no `then` (awaiting a thenable would unwrap it further).
 */
function promisedType(program: ts.Program, checker: ts.TypeChecker, type: ts.Type): ts.Type | undefined {
  if (!isBuiltIn(program, type, PROMISE_TYPE)) return undefined;
  const [value] = checker.getTypeArguments(type as ts.TypeReference);
  const valueClass = instanceClassOfType(value);
  return valueClass && declaredMember(checker, valueClass, THEN) === null ? value : undefined;
}

/**
 * The class or interface a type is an instance of: the class or interface type itself or a reference
 * to it (`Queue<Job>`), less `undefined` and `null`; not the class's own type (`typeof Queue`, its
 * static side).
 */
function instanceClassOfType(type: ts.Type): ts.Symbol | undefined {
  const parts = typeParts(type);
  if (parts.length !== 1 || !(parts[0].flags & ts.TypeFlags.Object)) return undefined;
  const object = parts[0] as ts.ObjectType;
  const target = object.objectFlags & ts.ObjectFlags.Reference ? (object as ts.TypeReference).target : object;
  return target.objectFlags & ts.ObjectFlags.ClassOrInterface ? target.symbol : undefined;
}

/**
 * The type of an array's elements, or of a tuple's element at a literal index (null where the tuple
 * has none: its part of the union is `undefined`); undefined for anything else, or a tuple with a
 * rest element.
 */
function elementType(checker: ts.TypeChecker, type: ts.Type, index: number | undefined): ts.Type | null | undefined {
  if (checker.isArrayType(type)) return checker.getTypeArguments(type as ts.TypeReference)[0];
  if (!checker.isTupleType(type) || index === undefined) return undefined;
  const tuple = (type as ts.TypeReference).target as ts.TupleType;
  if (tuple.elementFlags.some((flags) => flags & ts.ElementFlags.Variable)) return undefined;
  return index < tuple.fixedLength ? checker.getTypeArguments(type as ts.TypeReference)[index] : null;
}

/** A declaration in a TypeScript file, whose text says its type (in JavaScript, JSDoc may say otherwise). */
function inTypeScript(declaration: ts.Declaration): boolean {
  return /\.[cm]?tsx?$/.test(declaration.getSourceFile().fileName);
}

/** A type's parts other than `undefined` and `null`. */
function typeParts(type: ts.Type): ts.Type[] {
  return (type.isUnion() ? type.types : [type]).filter((part) => !(part.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null)));
}

/**
 * A return type the call's arguments or receiver decide: a type parameter, `this`, an indexed or
 * conditional type, or one made of them (`U[]` from `map`, `T | undefined`).
 */
function dependsOnCall(checker: ts.TypeChecker, type: ts.Type, depth = 0): boolean {
  // Deeper than any return type written by hand: left to the call's resolution.
  if (type.flags & ts.TypeFlags.Instantiable || depth > 4) return true;
  if (type.isUnion() || type.isIntersection()) return type.types.some((part) => dependsOnCall(checker, part, depth + 1));
  const isReference = type.flags & ts.TypeFlags.Object && (type as ts.ObjectType).objectFlags & ts.ObjectFlags.Reference;
  return isReference ? checker.getTypeArguments(type as ts.TypeReference).some((argument) => dependsOnCall(checker, argument, depth + 1)) : false;
}

function declaredTypeOf(services: ParserServicesWithTypeInformation, checker: ts.TypeChecker, node: TSESTree.Node): ts.Type | undefined {
  if (node.type === 'ThisExpression') return thisTypeOf(services, checker, node);
  const symbol = declaredSymbolOf(services, checker, node);
  return symbol ? checker.getTypeOfSymbol(symbol) : undefined;
}

/**
 * A container kind a declaration states in its text, as the checker would find it (by the name of
 * the class or interface: `Set<Job>`, `readonly Job[]`, `= new Map()`); null when it states a type
 * that is none; undefined when the text does not settle it. Not in JavaScript, where JSDoc decides.
 */
function containerOfDeclaration(checker: ts.TypeChecker, declaration: ts.Declaration): ContainerKind | null | undefined {
  if (!inTypeScript(declaration)) return undefined;
  if (!ts.isVariableDeclaration(declaration) && !ts.isPropertyDeclaration(declaration) && !ts.isPropertySignature(declaration) && !ts.isParameter(declaration)) {
    return undefined;
  }
  if (declaration.type) return containerOfTypeNode(checker, declaration.type);
  const init = ts.isPropertySignature(declaration) ? undefined : declaration.initializer;
  if (!init) return undefined;
  if (ts.isArrayLiteralExpression(init)) return 'array';
  if (ts.isNewExpression(init) && ts.isIdentifier(init.expression)) {
    // `new C()` is an instance of class C; of an interface's constructor variable (`Map`), whatever it
    // constructs, which only the built-in containers' names settle.
    const kind = namedContainer(checker, init.expression);
    return kind === null && !isClass(checker, init.expression) ? undefined : kind;
  }
  return undefined;
}

function containerOfTypeNode(checker: ts.TypeChecker, type: ts.TypeNode): ContainerKind | null | undefined {
  if (ts.isArrayTypeNode(type) || ts.isTupleTypeNode(type)) return 'array';
  if (ts.isParenthesizedTypeNode(type)) return containerOfTypeNode(checker, type.type);
  if (ts.isTypeOperatorNode(type)) return type.operator === ts.SyntaxKind.ReadonlyKeyword ? containerOfTypeNode(checker, type.type) : undefined;
  if (ts.isTypeReferenceNode(type)) return ts.isIdentifier(type.typeName) ? namedContainer(checker, type.typeName) : undefined;
  if (ts.isUnionTypeNode(type)) {
    const kinds = type.types
      .filter((part) => !(ts.isLiteralTypeNode(part) && part.literal.kind === ts.SyntaxKind.NullKeyword) && part.kind !== ts.SyntaxKind.UndefinedKeyword)
      .map((part) => containerOfTypeNode(checker, part));
    if (kinds.includes(undefined)) return undefined;
    const containers = new Set(kinds.filter((kind) => kind !== null));
    if (containers.size > 1) return undefined;
    return containers.size === 1 ? [...containers][0] : null;
  }
  return PRIMITIVE_TYPE_KINDS.has(type.kind) || ts.isTypeLiteralNode(type) || ts.isFunctionTypeNode(type) ? null : undefined;
}

/** A class or interface name: a container when the checker would call it one (it goes by the name). */
function namedContainer(checker: ts.TypeChecker, name: ts.Identifier): ContainerKind | null | undefined {
  const symbol = symbolBehind(checker, name);
  if (!symbol || !(symbol.flags & (ts.SymbolFlags.Class | ts.SymbolFlags.Interface))) return undefined;
  return BUILT_IN_CONTAINERS.get(symbol.getName()) ?? null;
}

function isClass(checker: ts.TypeChecker, name: ts.Identifier): boolean {
  const symbol = symbolBehind(checker, name);
  return symbol !== undefined && (symbol.flags & ts.SymbolFlags.Class) !== 0;
}

const PRIMITIVE_TYPE_KINDS: ReadonlySet<ts.SyntaxKind> = new Set([
  ts.SyntaxKind.StringKeyword,
  ts.SyntaxKind.NumberKeyword,
  ts.SyntaxKind.BooleanKeyword,
  ts.SyntaxKind.BigIntKeyword,
  ts.SyntaxKind.SymbolKeyword,
  ts.SyntaxKind.ObjectKeyword,
  ts.SyntaxKind.UndefinedKeyword,
  ts.SyntaxKind.NeverKeyword,
  ts.SyntaxKind.VoidKeyword,
]);

/**
 * Answers, from a TypeScript declaration's own text, two questions the analysis would otherwise ask
 * the type checker: is this state a Map, a Set or an array, and is this parameter's type an object
 * type. The checker's first answer about a type can cost milliseconds (it resolves the type's
 * declarations, modules and generic instantiations); most declarations say it outright
 * (`private readonly queue: Job[] = []`, `const cache = new Map()`, `account: Account`).
 *
 * Each answer is exactly the one the checker would give; `undefined` means the text does not
 * settle it (an alias, an import, an inferred type, a JavaScript file whose JSDoc may say
 * otherwise), and the caller asks the checker.
 */
export class DeclaredTypes {
  constructor(
    private readonly variableOf: (identifier: TSESTree.Identifier) => TSESLint.Scope.Variable | null,
    /** JSDoc types in JavaScript files override what the text says: nothing is answered there. */
    private readonly enabled: boolean,
    /**
     * For an imported type name: the name of the class or interface it resolves to (undefined for
     * anything else), from the symbol alone, without building the type.
     */
    private readonly importedClassOrInterface: (name: TSESTree.Identifier) => string | undefined = () => undefined,
  ) {}

  /** Whether the state `receiver` names is a Map, a Set or an array (null: none of them). */
  containerKind(receiver: TSESTree.Expression): ContainerKind | null | undefined {
    if (!this.enabled) return undefined;
    const declared = this.declarationOf(receiver);
    if (!declared) return undefined;
    if (declared.annotation) return this.containerOfType(declared.annotation);
    return declared.init ? this.containerOfValue(declared.init) : undefined;
  }

  /** Whether a parameter's declared type is an object type (`hasObjectType` in analyze.ts). */
  isObjectType(parameter: TSESTree.Identifier): boolean | undefined {
    if (!this.enabled || !parameter.typeAnnotation) return undefined;
    return this.objectType(parameter.typeAnnotation.typeAnnotation);
  }

  /** The annotation or initializer of the variable, parameter or class field an expression reads. */
  private declarationOf(node: TSESTree.Expression): { annotation?: TSESTree.TypeNode; init?: TSESTree.Expression | null } | undefined {
    if (node.type === 'Identifier') {
      const def = this.variableOf(node)?.defs[0];
      if (def?.type === 'Variable' && def.node.id.type === 'Identifier') {
        return { annotation: def.node.id.typeAnnotation?.typeAnnotation, init: def.node.init };
      }
      if (def?.type === 'Parameter' && def.name.type === 'Identifier' && def.name.typeAnnotation) {
        return { annotation: def.name.typeAnnotation.typeAnnotation };
      }
      return undefined;
    }
    if (node.type !== 'MemberExpression') return undefined;
    const field = ownFieldOf(node);
    if (!field) return undefined;
    return field.type === 'PropertyDefinition'
      ? { annotation: field.typeAnnotation?.typeAnnotation, init: field.value }
      : { annotation: field.typeAnnotation?.typeAnnotation };
  }

  /** A name that means the global built-in: not declared (nor augmented) in this file. */
  private isGlobal(name: TSESTree.EntityName): name is TSESTree.Identifier {
    if (name.type !== 'Identifier') return false;
    const variable = this.variableOf(name);
    return variable === null || variable.defs.length === 0;
  }

  /**
   * A class or interface, of this file or imported, under a name that is not a built-in's (the
   * checker tells containers by name alone).
   */
  private isOwnObjectType(name: TSESTree.EntityName): boolean {
    if (name.type !== 'Identifier' || BUILT_IN_CONTAINERS.has(name.name) || OBJECT_BUILT_INS.has(name.name)) return false;
    const defs = this.variableOf(name)?.defs ?? [];
    if (defs.length === 1 && defs[0].type === 'ImportBinding') {
      // Asked of the import's own name: the checker reads its symbol off the declaration, where a use
      // would make it look the name up through every scope around the use.
      const declared = this.importedClassOrInterface(defs[0].name);
      return declared !== undefined && !BUILT_IN_CONTAINERS.has(declared);
    }
    return defs.length > 0 && defs.every((def) => def.type === 'ClassName' || (def.type === 'Type' && def.node.type === 'TSInterfaceDeclaration'));
  }

  private containerOfType(type: TSESTree.TypeNode): ContainerKind | null | undefined {
    switch (type.type) {
      case 'TSArrayType':
      case 'TSTupleType':
        return 'array';
      case 'TSTypeOperator':
        return type.operator === 'readonly' && type.typeAnnotation ? this.containerOfType(type.typeAnnotation) : undefined;
      case 'TSTypeReference':
        if (this.isGlobal(type.typeName)) return BUILT_IN_CONTAINERS.get(type.typeName.name) ?? (OBJECT_BUILT_INS.has(type.typeName.name) ? null : undefined);
        return this.isOwnObjectType(type.typeName) ? null : undefined;
      case 'TSUnionType': {
        // The checker skips null and undefined and takes the first container of the rest, in an order
        // of its own: settled here only when the containers all agree.
        const kinds = type.types
          .filter((part) => part.type !== 'TSNullKeyword' && part.type !== 'TSUndefinedKeyword')
          .map((part) => this.containerOfType(part));
        if (kinds.includes(undefined)) return undefined;
        const containers = new Set(kinds.filter((kind) => kind !== null));
        if (containers.size > 1) return undefined;
        return containers.size === 1 ? [...containers][0] : null;
      }
      default:
        return PLAIN_TYPES.has(type.type) || PRIMITIVE_TYPES.has(type.type) ? null : undefined;
    }
  }

  private containerOfValue(init: TSESTree.Expression): ContainerKind | null | undefined {
    if (init.type === 'ArrayExpression') return 'array';
    if (init.type === 'NewExpression' && init.callee.type === 'Identifier' && this.isGlobal(init.callee)) {
      return BUILT_IN_CONTAINERS.get(init.callee.name);
    }
    return undefined;
  }

  private objectType(type: TSESTree.TypeNode): boolean | undefined {
    if (PRIMITIVE_TYPES.has(type.type)) return false;
    if (PLAIN_TYPES.has(type.type) || type.type === 'TSArrayType' || type.type === 'TSTupleType') return true;
    switch (type.type) {
      case 'TSAnyKeyword':
      case 'TSUnknownKeyword':
        return false;
      case 'TSTypeOperator':
        return type.operator === 'readonly' && type.typeAnnotation ? this.objectType(type.typeAnnotation) : undefined;
      case 'TSTypeReference':
        if (this.isGlobal(type.typeName)) return BUILT_IN_CONTAINERS.has(type.typeName.name) || OBJECT_BUILT_INS.has(type.typeName.name) ? true : undefined;
        return this.isOwnObjectType(type.typeName) ? true : undefined;
      case 'TSUnionType': {
        // A union with `any` or `unknown` in it is that; otherwise an object if any part is one.
        const parts = type.types.map((part) => (part.type === 'TSAnyKeyword' || part.type === 'TSUnknownKeyword' ? 'top' : this.objectType(part)));
        if (parts.includes('top')) return false;
        if (parts.includes(true)) return parts.includes(undefined) ? undefined : true;
        return parts.includes(undefined) ? undefined : false;
      }
      default:
        return undefined;
    }
  }
}

const BUILT_IN_CONTAINERS: ReadonlyMap<string, ContainerKind> = new Map([
  ['Map', 'map'],
  ['WeakMap', 'map'],
  ['ReadonlyMap', 'map'],
  ['Set', 'set'],
  ['WeakSet', 'set'],
  ['ReadonlySet', 'set'],
  ['Array', 'array'],
  ['ReadonlyArray', 'array'],
]);

/** Built-in interfaces (object types that are not containers). */
const OBJECT_BUILT_INS: ReadonlySet<string> = new Set(['Promise', 'Date', 'Error', 'RegExp', 'AbortController', 'AbortSignal', 'URL']);

/** Type syntax that is an object type and no container. */
const PLAIN_TYPES: ReadonlySet<string> = new Set(['TSTypeLiteral', 'TSFunctionType', 'TSConstructorType']);

/** Type syntax for primitives (`object` is not an object type to the checker: it has no `Object` flag). */
const PRIMITIVE_TYPES: ReadonlySet<string> = new Set([
  'TSStringKeyword',
  'TSNumberKeyword',
  'TSBooleanKeyword',
  'TSBigIntKeyword',
  'TSSymbolKeyword',
  'TSUndefinedKeyword',
  'TSNullKeyword',
  'TSVoidKeyword',
  'TSNeverKeyword',
  'TSObjectKeyword',
  'TSLiteralType',
  'TSTemplateLiteralType',
]);

function enclosingClassMember(node: TSESTree.Node): { cls: TSESTree.ClassDeclaration | TSESTree.ClassExpression; isStatic: boolean } | undefined {
  for (let current = node.parent; current; current = current.parent) {
    switch (current.type) {
      case 'FunctionExpression':
      case 'FunctionDeclaration': {
        const owner = current.parent;
        if (owner.type === 'MethodDefinition') return { cls: owner.parent.parent, isStatic: owner.static };
        return undefined;
      }
      case 'PropertyDefinition':
      case 'AccessorProperty':
        return { cls: current.parent.parent, isStatic: current.static };
      case 'StaticBlock':
        return { cls: current.parent.parent, isStatic: true };
      default:
        break;
    }
  }
  return undefined;
}

/**
 * The declaration of the field `this.name` reads, when the class declares it itself: a property
 * (`queue: Job[] = []`, static for a static member) or a constructor parameter property. Undefined
 * for anything else (inherited, an accessor, a method, a computed name): the checker decides those.
 */
function ownFieldOf(node: TSESTree.MemberExpression): TSESTree.PropertyDefinition | TSESTree.Identifier | undefined {
  if (node.computed || node.object.type !== 'ThisExpression' || node.property.type !== 'Identifier') return undefined;
  const name = node.property.name;
  const member = enclosingClassMember(node);
  if (!member) return undefined;
  for (const element of member.cls.body.body) {
    if (element.type === 'PropertyDefinition' && !element.computed && element.key.type === 'Identifier' && element.key.name === name) {
      if (element.static === member.isStatic) return element;
    }
    if (element.type === 'MethodDefinition' && element.kind === 'constructor' && !member.isStatic) {
      for (const param of element.value.params) {
        if (param.type === 'TSParameterProperty' && param.parameter.type === 'Identifier' && param.parameter.name === name) return param.parameter;
      }
    }
  }
  return undefined;
}

/**
 * The names of the members a class declares and inherits, instance and static, read from the symbol
 * tables of its declarations and of the classes and interfaces up its `extends` clauses (which the
 * binder has built), not from the class type: building that resolves every member of every base
 * (a class extending an event emitter: tens of milliseconds). Undefined where a base is not a class
 * or an interface named outright (a mixin call, a constructor-typed variable): the checker decides.
 */
export function declaredMemberNames(checker: ts.TypeChecker, cls: ts.ClassLikeDeclaration): ReadonlySet<string> | undefined {
  // A fix asks about one class several times (its member names, an index signature), and about a
  // base for each of its subclasses. Per checker: an unchanged file's nodes outlive a program, and
  // its bases may have changed.
  let cache = memberNames.get(checker);
  if (!cache) {
    cache = new WeakMap();
    memberNames.set(checker, cache);
  }
  if (cache.has(cls)) return cache.get(cls);
  const names = new Set<string>();
  const seen = new Set<ts.Symbol>();
  const collect = (symbol: ts.Symbol): boolean => {
    if (seen.has(symbol)) return true;
    seen.add(symbol);
    // A class or an interface; not a value whose constructor type is declared elsewhere (`Error`: its statics).
    if (!(symbol.flags & (ts.SymbolFlags.Class | ts.SymbolFlags.Interface)) || symbol.flags & ts.SymbolFlags.Variable) return false;
    symbol.members?.forEach((_, name) => names.add(ts.unescapeLeadingUnderscores(name)));
    symbol.exports?.forEach((_, name) => names.add(ts.unescapeLeadingUnderscores(name)));
    for (const declaration of symbol.declarations ?? []) {
      if (!ts.isClassLike(declaration) && !ts.isInterfaceDeclaration(declaration)) continue;
      for (const clause of declaration.heritageClauses ?? []) {
        if (clause.token !== ts.SyntaxKind.ExtendsKeyword) continue;
        for (const base of clause.types) {
          if (!isNameChain(base.expression)) return false;
          const baseSymbol = symbolBehind(checker, base.expression);
          if (!baseSymbol || !collect(baseSymbol)) return false;
        }
      }
    }
    return true;
  };
  const symbol = cls.name ? checker.getSymbolAtLocation(cls.name) : undefined;
  const answer = symbol && collect(symbol) ? names : undefined;
  cache.set(cls, answer);
  return answer;
}

const memberNames = new WeakMap<ts.TypeChecker, WeakMap<ts.ClassLikeDeclaration, ReadonlySet<string> | undefined>>();

/**
 * Whether a class up the `extends` clause of `cls` declares or inherits a member `name`, read from
 * the symbol tables as `declaredMemberNames` reads them: false for a class that extends nothing,
 * undefined where the base is no class named outright.
 */
export function baseDeclaresMember(checker: ts.TypeChecker, cls: ts.ClassLikeDeclaration, name: string): boolean | undefined {
  const clause = cls.heritageClauses?.find((heritage) => heritage.token === ts.SyntaxKind.ExtendsKeyword);
  if (!clause) return false;
  for (const base of clause.types) {
    if (!isNameChain(base.expression)) return undefined;
    const declaration = symbolBehind(checker, base.expression)?.declarations?.find(ts.isClassLike);
    const names = declaration ? declaredMemberNames(checker, declaration) : undefined;
    if (!names) return undefined;
    if (names.has(name)) return true;
  }
  return false;
}

/** `Base` or `events.EventEmitter`: a name, or names joined by dots. */
function isNameChain(node: ts.Expression): boolean {
  return ts.isIdentifier(node) || (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.name) && isNameChain(node.expression));
}
