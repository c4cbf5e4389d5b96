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
  const childKeys = keys[node.type] as readonly string[] | undefined;
  if (childKeys) {
    const fields = node as unknown as Record<string, unknown>;
    for (const key of childKeys) {
      const child = fields[key];
      if (Array.isArray(child)) {
        for (const item of child as unknown[]) {
          if (isNode(item)) walk(item, keys, enter, leave);
        }
      } else if (isNode(child)) {
        walk(child, keys, enter, leave);
      }
    }
  }
  leave?.(node);
}

function isNode(value: unknown): value is TSESTree.Node {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}
