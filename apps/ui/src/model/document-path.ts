/**
 * Reading and changing a spec document at a data path, immutably. Clearing a value removes its
 * key, and an object left empty goes with it: the document holds only what the user set, so a
 * save writes no defaults and a cleared `resources:` does not linger as `{}`.
 */
import type { DataPath } from './schema-fields.ts';

type Container = Record<string, unknown> | unknown[];

export function getAt(document: unknown, path: DataPath): unknown {
  let node = document;
  for (const key of path) {
    if (!node || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[key];
  }
  return node;
}

const isEmptyObject = (value: unknown) => !!value && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0;

/**
 * A copy of `document` with `value` at `path` (undefined: removed). Objects emptied by the removal
 * are removed too, below the top level (`spec` and `metadata` stay).
 */
export function setAt<T>(document: T, path: DataPath, value: unknown): T {
  const set = (node: unknown, depth: number): unknown => {
    const key = path[depth]!;
    const container: Container = Array.isArray(node) ? [...node] : { ...((node && typeof node === 'object' ? node : {}) as Record<string, unknown>) };
    const next = depth === path.length - 1 ? value : set((node as Record<string | number, unknown> | undefined)?.[key], depth + 1);
    const prune = next === undefined || (depth >= 1 && isEmptyObject(next));
    if (Array.isArray(container)) {
      if (prune) container.splice(Number(key), 1);
      else container[Number(key)] = next;
    } else if (prune) delete container[key];
    else container[key] = next;
    return container;
  };
  return set(document, 0) as T;
}

/** Whether a value counts as set: anything but undefined (false and 0 are values the user chose). */
export const isSet = (value: unknown) => value !== undefined;
