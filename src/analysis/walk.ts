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

/** A step of ESLint's own traversal of a file (`SourceCode#traverse`, ESLint ≥ 9): entering (1) or leaving (2) a node. */
interface TraversalStep {
  kind: number;
  target: unknown;
  phase?: number;
}

/**
 * Visits every node of the file, as `walk` from the root does, but by reading the traversal ESLint
 * has already made of it for its rules (an array of steps it keeps), which costs a fraction of
 * walking the tree again. Falls back to `walk` where the source code has no such traversal.
 */
export function walkFile(
  sourceCode: Readonly<TSESLint.SourceCode>,
  enter: (node: TSESTree.Node) => boolean | undefined,
  leave?: (node: TSESTree.Node) => void,
): void {
  const traverse = (sourceCode as { traverse?: () => readonly TraversalStep[] }).traverse;
  if (typeof traverse !== 'function') {
    walk(sourceCode.ast, sourceCode.visitorKeys, enter, leave);
    return;
  }
  let skipping: unknown;
  for (const step of traverse.call(sourceCode)) {
    if (step.kind !== 1) continue;
    const node = step.target as TSESTree.Node;
    if (skipping !== undefined) {
      if (node === skipping && step.phase === 2) skipping = undefined;
      continue;
    }
    if (step.phase === 1) {
      if (enter(node) === false) skipping = node;
    } else {
      leave?.(node);
    }
  }
}
