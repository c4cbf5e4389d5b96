import type { TSESLint, TSESTree } from '@typescript-eslint/utils';
import * as ASTUtils from '@typescript-eslint/utils/ast-utils';
import ts from 'typescript';

import type { RaceAnalysis } from '../analyze';
import type { RaceFinding } from '../dataflow';
import { declaredReturnTypes, PLAIN_INSTANCE } from '../declared-types';
import { walk } from '../walk';
import { beyondFlowAnalysis } from './narrowing';

/**
 * The second way out of a lazy initialisation or token refresh (`if (!client) client = await connect();`):
 * keep the in-flight promise in a variable beside the state, so that every caller that passed the
 * check awaits the same `connect()` instead of starting its own:
 *
 *     try {
 *       client = await (clientLoading ??= connect());
 *     } finally {
 *       clientLoading = undefined;
 *     }
 *
 * Cleared when the first caller resumes (in the same step as it stores the value), so a later failed
 * or expired state is loaded afresh. Offered as a suggestion only: it changes how many times the work
 * runs, which is the point, but the user should see it.
 */
export interface MemoizeFix {
  /** How the in-flight promise is named in the code: `clientLoading`, `this.tokenLoading`. */
  holder: string;
  /** The call that is shared: `connect()`. */
  call: string;
  apply: (fixer: TSESLint.RuleFixer) => TSESLint.RuleFix[];
}

type Target =
  | { kind: 'variable'; name: string; statement: TSESTree.Node; scope: TSESLint.Scope.Scope }
  | { kind: 'field'; name: string; property: TSESTree.PropertyDefinition; body: TSESTree.ClassBody };

const MEMO_OPERATORS = new Set(['=', '??=', '||=']);

export function planMemoizeFix(
  finding: RaceFinding,
  analysis: RaceAnalysis,
  sourceCode: Readonly<TSESLint.SourceCode>,
  filename: string,
): MemoizeFix | undefined {
  if (finding.kind !== 'staleCheck' || finding.lockProblem) return undefined;
  const assignment = finding.write.parent;
  if (assignment?.type !== 'AssignmentExpression' || assignment.left !== finding.write) return undefined;
  if (!MEMO_OPERATORS.has(assignment.operator) || assignment.parent.type !== 'ExpressionStatement') return undefined;
  const statement = assignment.parent;
  const awaited = assignment.right;
  // Only the shape where the one suspension is the awaited call itself: with an earlier await, a
  // caller could pass the check after the shared promise settled and start the work again.
  if (awaited.type !== 'AwaitExpression' || finding.suspension !== awaited) return undefined;
  const call = awaited.argument;
  if (call.type !== 'CallExpression' || usesCallLocals(call, finding, sourceCode)) return undefined;

  const target = targetOf(finding, analysis);
  if (!target) return undefined;
  // As for every fix of the race rules: none in a function too large for the checker's flow analysis.
  if (beyondFlowAnalysis(finding.unit, sourceCode)) return undefined;
  const typescript = /\.[cm]?tsx?$/.test(filename);
  let typeText = '';
  if (typescript) {
    const checker = analysis.services.program.getTypeChecker();
    const tsCall = analysis.services.esTreeNodeToTSNodeMap.get(call);
    // The return type every declared signature of the callee gives, when they settle it (see
    // `declaredReturnTypes`; overloads that all return `Promise<Uint8Array>`); else the resolved call's.
    const declared = declaredReturnTypes(analysis.services, call) ?? [];
    const settled = declared.length > 0 && declared.every((returned) => returned === declared[0]) ? declared[0] : undefined;
    const type = settled && settled !== PLAIN_INSTANCE ? settled : checker.getTypeAtLocation(tsCall);
    if (!(type.getSymbol()?.getName() === 'Promise')) return undefined;
    typeText = checker.typeToString(type, tsCall, ts.TypeFormatFlags.NoTruncation);
    // A type the file cannot name (an inline import, an anonymous or truncated type) is not written out.
    if (/import\(|\.\.\.|\bany\b|__/.test(typeText)) return undefined;
  }

  const name = freeName(target, analysis);
  if (!name) return undefined;
  const holder = target.kind === 'field' ? `this.${name}` : name;

  const indent = /^\s*/.exec(sourceCode.lines[statement.loc.start.line - 1])?.[0] ?? '';
  const step = indent.includes('\t') ? '\t' : '  ';
  const left = sourceCode.getText(assignment.left);
  const callText = sourceCode.getText(call);
  const replacement =
    `try {\n${indent}${step}${left} ${assignment.operator} await (${holder} ??= ${callText});\n` +
    `${indent}} finally {\n${indent}${step}${holder} = undefined;\n${indent}}`;

  let declarationAt: number;
  let declaration: string;
  if (target.kind === 'variable') {
    const declIndent = /^\s*/.exec(sourceCode.lines[target.statement.loc.start.line - 1])?.[0] ?? '';
    declarationAt = target.statement.range[1];
    declaration = `\n${declIndent}let ${name}${typescript ? `: ${typeText} | undefined` : ''};`;
  } else {
    const declIndent = /^\s*/.exec(sourceCode.lines[target.property.loc.start.line - 1])?.[0] ?? '';
    declarationAt = target.property.range[1];
    const modifier = typescript ? 'private ' : '';
    declaration = `\n${declIndent}${modifier}${name}${typescript ? `: ${typeText} | undefined` : ''};`;
  }

  return {
    holder,
    call: callText,
    apply(fixer) {
      return [
        fixer.insertTextAfterRange([declarationAt, declarationAt], declaration),
        fixer.replaceText(statement, replacement),
      ];
    },
  };
}

/** The state written: a module or closure variable declared by `let`/`var`, or a field declared in the class body. */
function targetOf(finding: RaceFinding, analysis: RaceAnalysis): Target | undefined {
  const left = finding.write;
  if (left.type === 'Identifier') {
    if (finding.path.segments.length > 0) return undefined;
    const variable = analysis.shared.variableOf(left);
    const definition = variable?.defs.length === 1 ? variable.defs[0] : undefined;
    if (!variable || definition?.type !== 'Variable') return undefined;
    const declaration = definition.parent;
    // Inserting after `let a, b;` is fine; after a declaration inside a `for` head is not.
    const container = declaration.parent;
    if (container.type !== 'Program' && container.type !== 'BlockStatement' && container.type !== 'ExportNamedDeclaration') {
      return undefined;
    }
    return { kind: 'variable', name: left.name, statement: container.type === 'ExportNamedDeclaration' ? container : declaration, scope: variable.scope };
  }
  if (
    left.type !== 'MemberExpression' ||
    left.computed ||
    left.object.type !== 'ThisExpression' ||
    left.property.type !== 'Identifier' ||
    finding.path.segments.length !== 1
  ) {
    return undefined;
  }
  const fieldName = left.property.name;
  let method: TSESTree.Node | undefined = finding.unit;
  // `this` of an arrow function is the method's.
  while (method.type === 'ArrowFunctionExpression') method = method.parent;
  const definition = method.parent;
  if (definition?.type !== 'MethodDefinition' || definition.static) return undefined;
  const body = definition.parent;
  const property = body.body.find(
    (member): member is TSESTree.PropertyDefinition =>
      member.type === 'PropertyDefinition' &&
      !member.static &&
      !member.computed &&
      member.key.type === 'Identifier' &&
      member.key.name === fieldName,
  );
  if (!property) return undefined;
  return { kind: 'field', name: fieldName, property, body };
}

/** `clientLoading`, or `clientInFlight` if that is taken; undefined if both are. */
function freeName(target: Target, analysis: RaceAnalysis): string | undefined {
  for (const suffix of ['Loading', 'InFlight']) {
    const name = `${target.name}${suffix}`;
    if (target.kind === 'field') {
      const tsClass = analysis.services.esTreeNodeToTSNodeMap.get(target.body.parent);
      const checker = analysis.services.program.getTypeChecker();
      const symbol = tsClass.name ? checker.getSymbolAtLocation(tsClass.name) : undefined;
      const taken = symbol ? checker.getDeclaredTypeOfSymbol(symbol).getProperty(name) !== undefined : true;
      if (!taken) return name;
      continue;
    }
    if (!nameTaken(name, target.scope)) return name;
  }
  return undefined;
}

/** Declared in the scope or any scope inside it, or used there as a global. */
function nameTaken(name: string, scope: TSESLint.Scope.Scope): boolean {
  if (ASTUtils.findVariable(scope, name)) return true;
  const pending = [scope];
  for (let current = pending.pop(); current; current = pending.pop()) {
    if (current.set.has(name) || current.through.some((reference) => reference.identifier.name === name)) return true;
    pending.push(...current.childScopes);
  }
  return false;
}

/** The call reads a local or parameter of the function: callers would share a call made for another. */
function usesCallLocals(call: TSESTree.CallExpression, finding: RaceFinding, sourceCode: Readonly<TSESLint.SourceCode>): boolean {
  let local = false;
  walk(call, sourceCode.visitorKeys, (node) => {
    if (local) return false;
    if (node.type !== 'Identifier') return undefined;
    const variable = ASTUtils.findVariable(sourceCode.getScope(node), node);
    const declared = variable?.defs[0]?.name;
    if (declared && declared.range[0] >= finding.unit.range[0] && declared.range[1] <= finding.unit.range[1]) local = true;
    return undefined;
  });
  return local;
}
