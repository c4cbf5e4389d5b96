import type { TSESTree } from '@typescript-eslint/utils';

/**
 * A place in memory that other tasks can see, as a comparable path:
 * a root (a module variable, an imported declaration, `this` of a class, a parameter's object …)
 * followed by property names, with `*` standing for "some element" of a Map, Set, array or record.
 */
export interface StatePath {
  /** Stable identity of the root, e.g. `var:3`, `import:7`, `this:2`, `param:5`, `global`. */
  readonly root: string;
  readonly segments: readonly string[];
  /** How the user writes the root: `counter`, `this`, `Account`, `globalThis`. */
  readonly rootText: string;
  /** Whether the root binding itself is shared (a module variable is; `this` or a parameter only through its properties). */
  readonly rootShared: boolean;
  readonly key: string;
}

export const CONTENTS = '*';

export function rootPath(root: string, rootText: string, rootShared: boolean): StatePath {
  return { root, segments: [], rootText, rootShared, key: root };
}

export function childPath(base: StatePath, segment: string): StatePath {
  return {
    root: base.root,
    segments: [...base.segments, segment],
    rootText: base.rootText,
    rootShared: base.rootShared,
    key: `${base.key}\u0000${segment}`,
  };
}

/** Whether reading or writing this path touches state other tasks can see. */
export function isSharedPath(path: StatePath): boolean {
  return path.segments.length > 0 || path.rootShared;
}

/**
 * A write to `written` overwrites what a read of `read` saw when both name the same place,
 * or when the write replaces a container the read looked inside (`n = xs.length` … `xs = …`).
 * A read of a container followed by a write *into* it (`s = this.stats` … `this.stats.n = …`)
 * does not: the write goes into whatever object is current.
 */
export function overwrites(written: StatePath, read: StatePath): boolean {
  return read.key === written.key || read.key.startsWith(`${written.key}\u0000`);
}

export function describePath(path: StatePath): string {
  let text = path.rootText;
  const segments = [...path.segments];
  const endsInContents = segments.length > 0 && segments[segments.length - 1] === CONTENTS;
  if (endsInContents) segments.pop();
  for (const segment of segments) {
    if (segment === CONTENTS) text += '[…]';
    else if (/^[A-Za-z_$#][\w$]*$/.test(segment)) text += `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return endsInContents ? `an entry of \`${text}\`` : `\`${text}\``;
}

/** The static name of a member's property (`x.a`, `x['a']`, `x.#a`), or undefined for a dynamic key. */
export function staticPropertyName(node: TSESTree.MemberExpression): string | undefined {
  if (!node.computed) {
    return node.property.type === 'PrivateIdentifier' ? `#${node.property.name}` : (node.property).name;
  }
  const property = node.property;
  if (property.type === 'Literal' && (typeof property.value === 'string' || typeof property.value === 'number')) {
    return String(property.value);
  }
  if (property.type === 'TemplateLiteral' && property.expressions.length === 0) {
    return property.quasis[0]?.value.cooked ?? undefined;
  }
  return undefined;
}

/** The path segment for a member access: a name, or `*` for elements, sizes and dynamic keys. */
export function memberSegment(node: TSESTree.MemberExpression): string {
  const name = staticPropertyName(node);
  if (name === undefined || /^\d+$/.test(name) || name === 'length' || name === 'size') return CONTENTS;
  return name;
}

export type ContainerKind = 'map' | 'set' | 'array';

/** Methods that only look at a container's contents. */
export const CONTAINER_READS: Record<ContainerKind, ReadonlySet<string>> = {
  map: new Set(['get', 'has', 'keys', 'values', 'entries', 'forEach']),
  set: new Set(['has', 'keys', 'values', 'entries', 'forEach', 'union', 'intersection', 'difference', 'isSubsetOf']),
  array: new Set([
    'at', 'concat', 'entries', 'every', 'filter', 'find', 'findIndex', 'findLast', 'findLastIndex', 'flat', 'flatMap',
    'forEach', 'includes', 'indexOf', 'join', 'keys', 'lastIndexOf', 'map', 'reduce', 'reduceRight', 'slice', 'some',
    'toReversed', 'toSorted', 'toSpliced', 'values', 'with',
  ]),
};

/** Methods that change a container's contents. */
export const CONTAINER_WRITES: Record<ContainerKind, ReadonlySet<string>> = {
  map: new Set(['set', 'delete', 'clear']),
  set: new Set(['add', 'delete', 'clear']),
  array: new Set(['push', 'pop', 'shift', 'unshift', 'splice', 'sort', 'reverse', 'fill', 'copyWithin']),
};

/** Writes that also return part of what they removed, so they read the contents too. */
export const CONTAINER_READ_WRITES: ReadonlySet<string> = new Set(['pop', 'shift', 'splice']);

/** Writes that only add to the contents: they cannot overwrite an update, only act on a stale check. */
export const CONTAINER_APPENDS: ReadonlySet<string> = new Set(['push', 'unshift', 'add']);

/** Array methods that call their (synchronous) callback before they return. */
export const SYNC_CALLBACK_METHODS: ReadonlySet<string> = new Set([
  'every', 'filter', 'find', 'findIndex', 'findLast', 'findLastIndex', 'flatMap', 'forEach', 'map', 'reduce',
  'reduceRight', 'some', 'sort', 'toSorted',
]);
