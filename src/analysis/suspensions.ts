import type { TSESTree } from '@typescript-eslint/utils';

export type FunctionNode =
  | TSESTree.ArrowFunctionExpression
  | TSESTree.FunctionDeclaration
  | TSESTree.FunctionExpression;

export function isFunctionNode(node: TSESTree.Node): node is FunctionNode {
  return (
    node.type === 'ArrowFunctionExpression' ||
    node.type === 'FunctionDeclaration' ||
    node.type === 'FunctionExpression'
  );
}

/**
 * Where a function can be interleaved with other tasks: `await`, `yield`/`yield*` in an async
 * generator, each step of `for await`, and the disposal of `await using` at the end of its block.
 * A sync generator's `yield` hands control to its caller, not to the event loop, so it is not one.
 */
export function yieldSuspends(fn: FunctionNode): boolean {
  return fn.async && fn.generator;
}

export function isAwaitUsing(node: TSESTree.Node): node is TSESTree.VariableDeclaration {
  return node.type === 'VariableDeclaration' && node.kind === 'await using';
}

/** The nearest enclosing function of a node (not the node itself). */
export function enclosingFunction(node: TSESTree.Node): FunctionNode | undefined {
  for (let current = node.parent; current; current = current.parent) {
    if (isFunctionNode(current)) return current;
  }
  return undefined;
}
