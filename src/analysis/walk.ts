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
    // Indexed loops: `for … of` makes an iterator object per list, per node, wherever V8 has not
    // optimised the walk (it is called with many callbacks), which was most of what walks allocated.
    for (let keyIndex = 0; keyIndex < childKeys.length; keyIndex++) {
      const child = fields[childKeys[keyIndex]];
      if (Array.isArray(child)) {
        for (let index = 0; index < child.length; index++) {
          const item: unknown = child[index];
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

/**
 * The child of `node` whose range holds `index`, or undefined: a descent step that looks at one
 * field per visitor key, and finds the item of a list (a body, arguments) by binary search, so that
 * finding the node at a text position costs the depth of the tree, not its size.
 */
export function childAt(node: TSESTree.Node, index: number, keys: TSESLint.SourceCode.VisitorKeys): TSESTree.Node | undefined {
  const fields = node as unknown as Record<string, unknown>;
  for (const key of keys[node.type] ?? []) {
    const child = fields[key];
    const found = Array.isArray(child) ? itemAt(child as Array<TSESTree.Node | null>, index) : holds(child, index);
    if (found) return found;
  }
  return undefined;
}

function holds(value: unknown, index: number): TSESTree.Node | undefined {
  return isNode(value) && value.range[0] <= index && index < value.range[1] ? value : undefined;
}

/** The item of a list of nodes in source order that holds `index`: a binary search. */
function itemAt(items: ReadonlyArray<TSESTree.Node | null>, index: number): TSESTree.Node | undefined {
  let low = 0;
  let high = items.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const item = items[middle];
    // A hole (`[a, , b]`): a plain scan.
    if (!item) return items.find((other) => holds(other, index)) ?? undefined;
    if (index < item.range[0]) high = middle - 1;
    else if (index >= item.range[1]) low = middle + 1;
    else return item;
  }
  return undefined;
}

/** How many of the first `length` items are `below`, which holds for a prefix of them (the items before a position in a sorted list): a binary search. */
export function countBelow(length: number, below: (index: number) => boolean): number {
  let low = 0;
  let high = length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (below(middle)) low = middle + 1;
    else high = middle;
  }
  return low;
}

const TYPE_WRAPPERS = new Set(['TSAsExpression', 'TSNonNullExpression', 'TSTypeAssertion', 'TSSatisfiesExpression']);

type TypeWrapper = TSESTree.TSAsExpression | TSESTree.TSNonNullExpression | TSESTree.TSTypeAssertion | TSESTree.TSSatisfiesExpression;

const isTypeWrapper = (node: TSESTree.Node): node is TypeWrapper => TYPE_WRAPPERS.has(node.type);

/** `expression` without the wrappers that do not change its value (`x as T`, `x!`, `<T>x`, `x satisfies T`). */
export function skipTypeWrappers(node: TSESTree.Node): TSESTree.Node {
  let current = node;
  while (isTypeWrapper(current)) current = current.expression;
  return current;
}

/** The nearest ancestor of `node` that is not a type wrapper around it. */
export function parentSkippingTypeWrappers(node: TSESTree.Node): TSESTree.Node | undefined {
  let current = node.parent;
  while (current && isTypeWrapper(current)) current = current.parent;
  return current;
}
