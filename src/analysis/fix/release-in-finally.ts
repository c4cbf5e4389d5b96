import type { TSESLint, TSESTree } from '@typescript-eslint/utils';

import type { AcquireSection } from '../lock-release';
import { walkOwnCode } from '../lock-sites';

/** Moving the release of an acquire into a `finally`, and whether that may be applied by `--fix`. */
export interface ReleaseFixPlan {
  /** True when the statements moved into the `try` contain no `return`, `break` or `continue`. */
  autofix: boolean;
  apply: (fixer: TSESLint.RuleFixer) => TSESLint.RuleFix;
}

const JUMP_TARGETS = new Set([
  'WhileStatement',
  'DoWhileStatement',
  'ForStatement',
  'ForInStatement',
  'ForOfStatement',
  'SwitchStatement',
]);

/**
 * The plain shape: `acquire`, statements, and the release as the last statement of the same block,
 * with no other release in the function. Wrapping the statements in `try { … } finally { release(); }`
 * keeps every binding (they were local to the block, which ends with the release) and adds only the
 * release on the paths that missed it. Statements that jump out of the block make the rewrite a
 * suggestion: the jump then releases the lock, which is the point, but it is a change to review.
 */
export function planReleaseInFinally(
  section: AcquireSection,
  releases: ReadonlySet<TSESTree.CallExpression>,
  sourceCode: Readonly<TSESLint.SourceCode>,
): ReleaseFixPlan | undefined {
  const acquire = section.statement;
  const block = acquire?.parent;
  if (!acquire || block?.type !== 'BlockStatement' || releases.size !== 1) return undefined;
  const index = block.body.indexOf(acquire);
  const last = block.body.at(-1);
  const between = block.body.slice(index + 1, -1);
  const first = between.at(0);
  if (!last || !first || last.type !== 'ExpressionStatement') return undefined;
  const release = last.expression;
  if (release.type !== 'CallExpression' || !releases.has(release)) return undefined;
  // Comments on their own lines above the first moved statement move with it.
  const leading = sourceCode.getCommentsBefore(first).find((comment) => comment.loc.start.line > acquire.loc.end.line);
  const range: [number, number] = [leading?.range[0] ?? first.range[0], last.range[0]];
  const inside = (node: TSESTree.Node) => range[0] <= node.range[0] && node.range[1] <= range[1];

  let movable = true;
  let jumps = false;
  for (const statement of between) {
    if (
      statement.type === 'FunctionDeclaration' ||
      statement.type === 'ClassDeclaration' ||
      (statement.type === 'VariableDeclaration' && statement.kind !== 'const' && statement.kind !== 'let')
    ) {
      movable = false;
    }
    if (statement.type === 'VariableDeclaration') {
      // A binding used outside the moved statements would leave its scope.
      for (const variable of sourceCode.getDeclaredVariables(statement)) {
        if (variable.references.some((reference) => !inside(reference.identifier))) movable = false;
      }
    }
    walkOwnCode(statement, sourceCode.visitorKeys, (node) => {
      if (node.type === 'YieldExpression' || (node.type === 'VariableDeclaration' && node.kind === 'var')) movable = false;
      if (node.type === 'ReturnStatement') jumps = true;
      if ((node.type === 'BreakStatement' || node.type === 'ContinueStatement') && !jumpStaysInside(node, inside)) jumps = true;
    });
  }
  const releaser = section.releaser;
  if (releaser?.references.some((reference) => inside(reference.identifier))) movable = false;
  // Re-indenting would change the text of a template literal that spans lines.
  if (sourceCode.ast.tokens.some((token) => token.type === 'Template' && range[0] <= token.range[0] && token.range[1] <= range[1] && token.loc.start.line !== token.loc.end.line)) {
    movable = false;
  }
  if (!movable) return undefined;

  const lineStart = sourceCode.text.lastIndexOf('\n', acquire.range[0] - 1) + 1;
  const before = sourceCode.text.slice(lineStart, acquire.range[0]);
  const indent = /^\s*$/.test(before) ? before : ' '.repeat(before.length);
  const unit = indent.includes('\t') ? '\t' : '  ';
  const moved = sourceCode.text
    .slice(range[0], range[1])
    .trimEnd()
    .split('\n')
    .map((line, lineIndex) => (lineIndex === 0 || line.trim() === '' ? line : `${unit}${line}`))
    .join('\n');
  const text = `try {\n${indent}${unit}${moved}\n${indent}} finally {\n${indent}${unit}${sourceCode.getText(last)}\n${indent}}`;
  return {
    autofix: !jumps,
    apply: (fixer) => fixer.replaceTextRange([range[0], last.range[1]], text),
  };
}

/** An unlabelled `break`/`continue` whose loop (or `switch`, for `break`) is itself among the moved statements. */
function jumpStaysInside(
  node: TSESTree.BreakStatement | TSESTree.ContinueStatement,
  inside: (node: TSESTree.Node) => boolean,
): boolean {
  if (node.label) return false;
  for (let current: TSESTree.Node | undefined = node.parent; current; current = current.parent) {
    if (JUMP_TARGETS.has(current.type) && (node.type === 'BreakStatement' || current.type !== 'SwitchStatement')) {
      return inside(current);
    }
  }
  return false;
}
