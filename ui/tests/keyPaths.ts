/** Helpers for comparing nested message files. */

type Tree = { [key: string]: unknown } | unknown[];

/** Objects and arrays are branches; array items get their index as key ("a.0"). */
function isTree(value: unknown): value is Tree {
  return typeof value === 'object' && value !== null;
}

/**
 * Every path in a nested object, branches included ("a", "a.b", ...), sorted.
 * Branches are included so that an empty namespace ({}) or list ([]) still has
 * to match; list items count by index, so translated lists must have equal length.
 */
export function keyPaths(tree: Tree, prefix = ''): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key;
    out.push(path);
    if (isTree(value)) out.push(...keyPaths(value, path));
  }
  return out.sort();
}

/** Paths of the leaves (values that are neither objects nor arrays), sorted. */
export function leafPaths(tree: Tree, prefix = ''): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (isTree(value)) out.push(...leafPaths(value, path));
    else out.push(path);
  }
  return out.sort();
}

/** Value at a dotted path, or undefined. */
export function getPath(tree: Tree, path: string): unknown {
  let node: unknown = tree;
  for (const key of path.split('.')) {
    if (!isTree(node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** Leaves that are not non-blank strings (empty, whitespace only, number, null...). */
export function badLeaves(tree: Tree): string[] {
  return leafPaths(tree).filter((path) => {
    const value = getPath(tree, path);
    return typeof value !== 'string' || value.trim() === '';
  });
}
