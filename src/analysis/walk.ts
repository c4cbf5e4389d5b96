import type { TSESLint, TSESTree } from '@typescript-eslint/utils';

/**
 * Visits a subtree in source order, with ESLint's visitor keys (so TypeScript nodes are included):
 * `enter` may return false to skip a node's children; `leave` runs after them.
 */
export function walk(
  node: TSESTree.Node,
  keys: TSESLint.SourceCode.VisitorKeys,
  enter: (node: TSESTree.Node) => boolean | undefined,
  leave?: (node: TSESTree.Node) => void,
): void {
  if (enter(node) === false) return;
  for (const key of keys[node.type] ?? []) {
    const child = (node as unknown as Record<string, unknown>)[key];
    for (const item of Array.isArray(child) ? child : [child]) {
      if (item && typeof (item as TSESTree.Node).type === 'string') walk(item as TSESTree.Node, keys, enter, leave);
    }
  }
  leave?.(node);
}
