import * as fs from 'node:fs';
import * as path from 'node:path';

import { parseForESLint } from '@typescript-eslint/parser';
import type { ParserServicesWithTypeInformation, TSESLint, TSESTree } from '@typescript-eslint/utils';
import { describe, expect, it } from 'vitest';

import { containerKindOf, containerKindOfState, DeclaredTypes, declaredMemberNames, importedClassOrInterface, isObjectType } from '../src/analysis/declared-types';
import { walk } from '../src/analysis/walk';

/**
 * The analysis reads a container's kind and a parameter's object-ness from declarations where they
 * say it, and asks the checker otherwise. Both shortcuts must give exactly the checker's answer at
 * that point: checked here on every receiver and parameter of a file written to hold every shape of
 * declaration, and of the corpus fixtures.
 */
const root = path.resolve(__dirname, '..');

interface Parsed {
  ast: TSESTree.Program;
  services: ParserServicesWithTypeInformation;
  declared: DeclaredTypes;
  visitorKeys: TSESLint.SourceCode.VisitorKeys;
}

function parse(file: string, project: string): Parsed {
  const code = fs.readFileSync(file, 'utf8');
  const result = parseForESLint(code, { filePath: file, project, tsconfigRootDir: path.dirname(project), range: true, loc: true });
  const services = result.services as ParserServicesWithTypeInformation;
  // ESLint links each node to its parent while it traverses; the parser alone does not.
  const visitorKeys = result.visitorKeys as TSESLint.SourceCode.VisitorKeys;
  const parents: TSESTree.Node[] = [];
  walk(
    result.ast,
    visitorKeys,
    (node) => {
      (node as { parent?: TSESTree.Node }).parent = parents.at(-1);
      parents.push(node);
      return undefined;
    },
    () => parents.pop(),
  );
  const variables = new Map<TSESTree.Node, TSESLint.Scope.Variable | null>();
  for (const scope of result.scopeManager.scopes) {
    for (const reference of scope.references) variables.set(reference.identifier, reference.resolved);
    for (const variable of scope.variables) for (const identifier of variable.identifiers) variables.set(identifier, variable);
  }
  const declared = new DeclaredTypes(
    (identifier) => variables.get(identifier) ?? null,
    /\.[cm]?tsx?$/.test(file),
    (name) => importedClassOrInterface(services.program.getTypeChecker(), services.esTreeNodeToTSNodeMap.get(name)),
  );
  return { ast: result.ast, services, declared, visitorKeys };
}

/** Every expression handed to `use(…)` and every receiver of a method call; every parameter. */
function collect(parsed: Parsed): { receivers: TSESTree.Expression[]; parameters: TSESTree.Identifier[] } {
  const receivers: TSESTree.Expression[] = [];
  const parameters: TSESTree.Identifier[] = [];
  walk(parsed.ast, parsed.visitorKeys, (node) => {
    if (node.type === 'CallExpression') {
      if (node.callee.type === 'Identifier' && node.callee.name === 'use') {
        for (const argument of node.arguments) if (argument.type !== 'SpreadElement') receivers.push(argument);
      }
      if (node.callee.type === 'MemberExpression' && node.callee.object.type !== 'Super') receivers.push(node.callee.object);
    }
    if (node.type === 'FunctionDeclaration' || node.type === 'FunctionExpression' || node.type === 'ArrowFunctionExpression') {
      for (const param of node.params) {
        if (param.type === 'Identifier') parameters.push(param);
        if (param.type === 'AssignmentPattern' && param.left.type === 'Identifier') parameters.push(param.left);
        if (param.type === 'TSParameterProperty' && param.parameter.type === 'Identifier') parameters.push(param.parameter);
      }
    }
    return undefined;
  });
  return { receivers, parameters };
}

function checkerContainer(parsed: Parsed, receiver: TSESTree.Expression) {
  return containerKindOf(parsed.services.program.getTypeChecker(), parsed.services.getTypeAtLocation(receiver)) ?? null;
}

describe('declared types give the checker’s answers', () => {
  const project = path.join(root, 'fixtures/declared-types/tsconfig.json');
  const parsed = parse(path.join(root, 'fixtures/declared-types/shapes.ts'), project);
  const { receivers, parameters } = collect(parsed);
  const text = (node: TSESTree.Node) => parsed.services.esTreeNodeToTSNodeMap.get(node).getText();

  it('reads the container kind of every receiver the declarations settle, as the checker would', () => {
    const answered: Record<string, string | null> = {};
    for (const receiver of receivers) {
      const declared = parsed.declared.containerKind(receiver);
      if (declared === undefined) continue;
      expect({ receiver: text(receiver), kind: declared }).toEqual({ receiver: text(receiver), kind: checkerContainer(parsed, receiver) });
      answered[text(receiver)] = declared;
    }
    // Settled by the text alone: the shapes that need no checker.
    expect(answered).toMatchObject({
      map: 'map',
      set: 'set',
      weak: 'map',
      array: 'array',
      empty: 'array',
      tuple: 'array',
      readonlyArray: 'array',
      readonlyGeneric: 'array',
      roMap: 'map',
      maybe: 'map',
      local: null,
      literal: null,
      object: null,
      'this.queue': 'array',
      'this.byId': 'map',
      'this.seen': 'set',
      'this.label': null,
      'this.pending': 'map',
      'this.list': 'array',
      'this.shared': 'set',
    });
    // Not settled by the text: an alias, an import, an inferred call result, `any`, `unknown`, several containers.
    for (const unsettled of ['index', 'alias', 'either', 'mixed', 'anything', 'unknownValue', 'this.untyped', 'names', 'registry', 'plain']) {
      expect(answered).not.toHaveProperty([unsettled]);
    }
  });

  it('takes the container kind from declared symbol types where the text does not settle it, as the checker would', () => {
    for (const receiver of receivers) {
      expect({ receiver: text(receiver), kind: containerKindOfState(parsed.services, receiver) ?? null }).toEqual({
        receiver: text(receiver),
        kind: checkerContainer(parsed, receiver),
      });
    }
  });

  it('reads whether a parameter has an object type where its annotation settles it, as the checker would', () => {
    const answered: Record<string, boolean> = {};
    for (const parameter of parameters) {
      const declared = parsed.declared.isObjectType(parameter);
      if (declared === undefined) continue;
      expect({ parameter: parameter.name, object: declared }).toEqual({
        parameter: parameter.name,
        object: isObjectType(parsed.services.getTypeAtLocation(parameter)),
      });
      answered[parameter.name] = declared;
    }
    expect(answered).toMatchObject({
      job: true,
      entry: true,
      union: true,
      local: true,
      shape: true,
      items: true,
      pair: true,
      frozen: true,
      fn: true,
      ctor: true,
      literalType: true,
      str: false,
      num: false,
      flag: false,
      obj: false,
      lit: false,
      tpl: false,
      any: false,
      unk: false,
      primitives: false,
      withAny: false,
      withUnknown: false,
      generic: true,
      promised: true,
      untyped: false,
    });
    // Aliases, enums, intersections, type parameters, defaults and no annotation go to the checker.
    for (const unsettled of ['both', 'aliasParam', 'indexParam', 'color', 'keys', 'typeOf', 'defaulted', 'value', 'bounded']) {
      expect(answered).not.toHaveProperty([unsettled]);
    }
  });

  it('reads every member name the class type has, own and inherited, from the declarations, or leaves it to the checker', () => {
    const members = parse(path.join(root, 'fixtures/declared-types/members.ts'), project);
    const checker = members.services.program.getTypeChecker();
    const answers: Record<string, string[] | undefined> = {};
    walk(members.ast, members.visitorKeys, (node) => {
      if (node.type !== 'ClassDeclaration' && node.type !== 'ClassExpression') return undefined;
      const tsClass = members.services.esTreeNodeToTSNodeMap.get(node);
      const declared = declaredMemberNames(checker, tsClass);
      const symbol = checker.getSymbolAtLocation(tsClass.name!);
      const fromChecker = new Set<string>();
      if (symbol) {
        for (const property of checker.getDeclaredTypeOfSymbol(symbol).getProperties()) fromChecker.add(property.getName());
        for (const property of checker.getTypeOfSymbolAtLocation(symbol, tsClass).getProperties()) fromChecker.add(property.getName());
      }
      // Every name the checker knows is there (a new member must not clash with any of them).
      if (declared) expect([...fromChecker].filter((name) => !declared.has(name))).toEqual([]);
      answers[tsClass.name?.text ?? '(anonymous)'] = declared && [...declared].sort();
      return undefined;
    });
    expect(answers.Leaf).toEqual(expect.arrayContaining(['leaf', 'leafStatic', 'computed', 'middle', 'middleStatic', 'rootField', 'rootStatic', 'rootMethod', 'merged', 'extra']));
    expect(answers.Middle).toBeDefined();
    // A mixin call and a lib value with a constructor type as the base: the checker decides.
    expect(answers).toMatchObject({ Mixed: undefined, Failure: undefined, '(anonymous)': undefined });
  });

  it('agrees with the checker on every receiver and parameter of the corpus fixtures', () => {
    let compared = 0;
    for (const dir of ['fixtures/corpus', 'fixtures/heldout']) {
      const tsconfig = path.join(root, dir, 'tsconfig.json');
      const files = fs
        .readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' })
        .filter((file) => file.endsWith('.ts'))
        .map((file) => path.join(root, dir, file));
      for (const file of files) {
        const corpus = parse(file, tsconfig);
        const found = collect(corpus);
        for (const receiver of found.receivers) {
          const expected = checkerContainer(corpus, receiver);
          const declared = corpus.declared.containerKind(receiver);
          if (declared !== undefined) expect(declared).toBe(expected);
          expect(containerKindOfState(corpus.services, receiver) ?? null).toBe(expected);
          compared++;
        }
        for (const parameter of found.parameters) {
          const declared = corpus.declared.isObjectType(parameter);
          if (declared !== undefined) expect(declared).toBe(isObjectType(corpus.services.getTypeAtLocation(parameter)));
        }
      }
    }
    expect(compared).toBeGreaterThan(300);
  });
});
