import type { TSESLint, TSESTree } from '@typescript-eslint/utils';
import ts from 'typescript';

import { PerFile } from '../../util/per-file';

/** How the fixed code names async-mutex's `Mutex`, and the edit that makes that name available. */
export interface MutexImport {
  name: string;
  edit?: { at: number; text: string };
}

const SOURCE = 'async-mutex';

function isRequireOf(node: TSESTree.Node | null | undefined): boolean {
  return (
    node?.type === 'CallExpression' &&
    node.callee.type === 'Identifier' &&
    node.callee.name === 'require' &&
    node.arguments[0]?.type === 'Literal' &&
    node.arguments[0].value === SOURCE
  );
}

/**
 * Finds or adds `Mutex` from async-mutex in the file's own module style: reused from an existing
 * import, `import … = require(…)` or `require` of async-mutex, merged into an existing
 * `import { … } from 'async-mutex'`, a new ES import after the last import, or `require` in CommonJS.
 * Undefined when the name `Mutex` is already taken by something else.
 */
export function mutexImport(sourceCode: Readonly<TSESLint.SourceCode>, filename: string, checked: ts.SourceFile, program: ts.Program): MutexImport | undefined {
  // The same for every race of the file: found once.
  return mutexImports.get(sourceCode, () => findMutexImport(sourceCode, filename, importsByRequire(checked, program)));
}

const mutexImports = new PerFile<MutexImport | undefined>();

/**
 * A TypeScript file that is a CommonJS module under `verbatimModuleSyntax`, where an ES import is an
 * error (TS1286): it imports with `import … = require(…)`.
 */
function importsByRequire(file: ts.SourceFile, program: ts.Program): boolean {
  const options = program.getCompilerOptions();
  if (!options.verbatimModuleSyntax) return false;
  const kind = options.module ?? (options.target !== undefined && options.target >= ts.ScriptTarget.ES2015 ? ts.ModuleKind.ES2015 : ts.ModuleKind.CommonJS);
  // node16, node18, node20, nodenext: each file's format follows its extension and package.json.
  if (kind >= ts.ModuleKind.Node16 && kind <= ts.ModuleKind.NodeNext) return file.impliedNodeFormat === ts.ModuleKind.CommonJS;
  return kind === ts.ModuleKind.CommonJS;
}

function findMutexImport(sourceCode: Readonly<TSESLint.SourceCode>, filename: string, byRequire: boolean): MutexImport | undefined {
  const program = sourceCode.ast;
  const imports = importsOf(sourceCode);
  // A file whose text never names async-mutex imports nothing from it: its statements are not read
  // (in a long file, reading each one costs more than the text search).
  const namesSource = sourceCode.text.includes(SOURCE);
  for (const declaration of namesSource ? imports : []) {
    if (declaration.source.value !== SOURCE || declaration.importKind === 'type') continue;
    for (const specifier of declaration.specifiers) {
      if (specifier.type === 'ImportSpecifier' && specifier.importKind !== 'type') {
        const imported = specifier.imported.type === 'Identifier' ? specifier.imported.name : specifier.imported.value;
        if (imported === 'Mutex') return { name: specifier.local.name };
      }
      if (specifier.type === 'ImportNamespaceSpecifier') return { name: `${specifier.local.name}.Mutex` };
    }
  }
  for (const statement of namesSource ? program.body : []) {
    // `import asyncMutex = require('async-mutex')`, the typed CommonJS import of TypeScript files.
    if (
      statement.type === 'TSImportEqualsDeclaration' &&
      statement.importKind !== 'type' &&
      statement.moduleReference.type === 'TSExternalModuleReference' &&
      statement.moduleReference.expression.value === SOURCE
    ) {
      return { name: `${statement.id.name}.Mutex` };
    }
    if (statement.type !== 'VariableDeclaration') continue;
    for (const declarator of statement.declarations) {
      if (!isRequireOf(declarator.init)) continue;
      if (declarator.id.type === 'Identifier') return { name: `${declarator.id.name}.Mutex` };
      if (declarator.id.type === 'ObjectPattern') {
        for (const property of declarator.id.properties) {
          if (property.type === 'Property' && property.key.type === 'Identifier' && property.key.name === 'Mutex' && property.value.type === 'Identifier') {
            return { name: property.value.name };
          }
        }
      }
    }
  }
  // A name the text does not hold is declared nowhere in it.
  const isTaken = (name: string) =>
    sourceCode.text.includes(name) && sourceCode.scopeManager?.scopes.some((scope) => scope.set.has(name) && scope.type !== 'global');
  if (byRequire) {
    // `import { Mutex } = …` does not exist: the module's namespace is imported, and `Mutex` named through it.
    if (isTaken('asyncMutex')) return undefined;
    return { name: 'asyncMutex.Mutex', edit: headInsertion(sourceCode, `import asyncMutex = require('${SOURCE}');`, '\n') };
  }
  if (isTaken('Mutex')) return undefined;

  const named = imports.find(
    (declaration) =>
      declaration.source.value === SOURCE &&
      declaration.importKind !== 'type' &&
      declaration.specifiers.some((specifier) => specifier.type === 'ImportSpecifier'),
  );
  if (named) {
    const specifiers = named.specifiers.filter((specifier) => specifier.type === 'ImportSpecifier');
    const last = specifiers[specifiers.length - 1];
    return { name: 'Mutex', edit: { at: last.range[1], text: ', Mutex' } };
  }
  // TypeScript files import (compiled to require where the module is CommonJS): a `require` would be untyped.
  const isCommonJs =
    !/\.[cm]?tsx?$/.test(filename) &&
    (/\.cjs$/.test(filename) ||
      (imports.length === 0 &&
      !program.body.some((statement) => statement.type.startsWith('Export')) &&
        (program.sourceType === 'script' || /\brequire\s*\(/.test(sourceCode.text))));
  const line = isCommonJs ? `const { Mutex } = require('${SOURCE}');` : `import { Mutex } from '${SOURCE}';`;
  return { name: 'Mutex', edit: headInsertion(sourceCode, line, '\n') };
}

/**
 * Where a line goes at the head of the module: after the last import, else after the directive
 * prologue (`'use strict'`), else before the first statement (followed by `gap`).
 */
export function headInsertion(sourceCode: Readonly<TSESLint.SourceCode>, line: string, gap = ''): { at: number; text: string } {
  const head = heads.get(sourceCode, () => findHead(sourceCode));
  return head.after ? { at: head.at, text: `\n${line}` } : { at: head.at, text: `${line}\n${gap}` };
}

/** Where the head of a module ends: after the last import or directive, else before the first statement. */
const heads = new PerFile<{ at: number; after: boolean }>();

/**
 * The file's import declarations, found once per file (for its import of async-mutex and for its
 * head); none without the word `import` in its text (then its statements are not read).
 */
function importsOf(sourceCode: Readonly<TSESLint.SourceCode>): readonly TSESTree.ImportDeclaration[] {
  return importLists.get(sourceCode, () =>
    sourceCode.text.includes('import')
      ? sourceCode.ast.body.filter((statement): statement is TSESTree.ImportDeclaration => statement.type === 'ImportDeclaration')
      : [],
  );
}

const importLists = new PerFile<readonly TSESTree.ImportDeclaration[]>();

function findHead(sourceCode: Readonly<TSESLint.SourceCode>): { at: number; after: boolean } {
  const body = sourceCode.ast.body;
  const lastImport = importsOf(sourceCode).at(-1);
  if (lastImport) return { at: lastImport.range[1], after: true };
  let lastDirective: TSESTree.Node | undefined;
  for (const statement of body) {
    if (statement.type !== 'ExpressionStatement' || !('directive' in statement) || !statement.directive) break;
    lastDirective = statement;
  }
  if (lastDirective) return { at: lastDirective.range[1], after: true };
  const first = body.at(0);
  if (!first) return { at: 0, after: false };
  // A JSDoc comment right above the first statement belongs to it (its documentation, and in
  // JavaScript its type): the new lines go above the comment, not between the two.
  const doc = sourceCode.getCommentsBefore(first).at(-1);
  const attached = doc?.type === 'Block' && doc.value.startsWith('*') && first.loc.start.line - doc.loc.end.line <= 1;
  return { at: attached ? doc.range[0] : first.range[0], after: false };
}
