/**
 * The flux/ tree on disk, replaced as a whole or not at all.
 *
 * Flux prunes what disappears from Git, so a half-written render deletes production workloads.
 * A render is therefore written into a fresh sibling folder and swapped in with two renames; the
 * old tree is removed only after the new one is in place. An interrupted swap is repaired at the
 * start of the next run.
 *
 * Ownership: a file is tritonops' when it starts with the rendered-file header. Other files under
 * flux/ (e.g. the `flux-system/` folder `flux bootstrap` writes, a README) are carried over as
 * they are.
 */
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';

export const OUTPUT_DIR = 'flux';
export const RENDERED_HEADER = '# Rendered by tritonops.';
const STAGING_PREFIX = '.tritonops-tmp-';

export interface TreeChange {
  readonly added: string[];
  readonly changed: string[];
  readonly removed: string[];
}

export function isEmptyChange(change: TreeChange): boolean {
  return change.added.length + change.changed.length + change.removed.length === 0;
}

/** Files under `root/flux`, by repository-relative path (forward slashes). */
export function readTree(root: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) files.set(relative(root, full).split(sep).join('/'), readFileSync(full));
    }
  };
  const out = join(root, OUTPUT_DIR);
  if (existsSync(out)) walk(out);
  return files;
}

export function isRendered(content: Buffer): boolean {
  return content.subarray(0, RENDERED_HEADER.length).toString('utf8') === RENDERED_HEADER;
}

/**
 * What flux/ should hold after rendering `files`: the new files, plus every file that is not
 * ours, plus our files outside `replacedRoots` (environments not rendered this time).
 */
export function desiredTree(current: ReadonlyMap<string, Buffer>, files: ReadonlyMap<string, Buffer>, replacedRoots: readonly string[]): Map<string, Buffer> {
  const desired = new Map<string, Buffer>();
  const inReplacedRoot = (path: string) => replacedRoots.some((r) => path === r || path.startsWith(`${r}/`));
  for (const [path, content] of current) {
    if (!isRendered(content) || !inReplacedRoot(path)) desired.set(path, content);
  }
  for (const [path, content] of files) desired.set(path, content);
  return desired;
}

export function diffTrees(current: Map<string, Buffer>, desired: Map<string, Buffer>): TreeChange {
  const added: string[] = [];
  const changed: string[] = [];
  const removed: string[] = [];
  for (const [path, content] of desired) {
    const now = current.get(path);
    if (!now) added.push(path);
    else if (!now.equals(content)) changed.push(path);
  }
  for (const path of current.keys()) if (!desired.has(path)) removed.push(path);
  const sort = (a: string[]) => a.sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  return { added: sort(added), changed: sort(changed), removed: sort(removed) };
}

/** Puts back a tree left aside by an interrupted swap, and clears staging leftovers. */
export function recoverInterruptedSwap(root: string): void {
  const out = join(root, OUTPUT_DIR);
  for (const entry of readdirSync(root)) {
    if (!entry.startsWith(STAGING_PREFIX)) continue;
    const staging = join(root, entry);
    const previous = join(staging, 'previous');
    if (!existsSync(out) && existsSync(previous)) renameSync(previous, out);
    rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * Replaces flux/ with `desired`, atomically as seen by anyone who reads it afterwards. Files that
 * `current` already has with the same bytes are hard-linked rather than written again: trees are
 * only ever replaced whole, never edited in place, so sharing their inodes is safe.
 */
export function writeTree(root: string, desired: Map<string, Buffer>, current: Map<string, Buffer> = new Map()): void {
  const out = join(root, OUTPUT_DIR);
  const staging = join(root, `${STAGING_PREFIX}${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  const next = join(staging, 'next');
  mkdirSync(next, { recursive: true });
  const made = new Set<string>();
  for (const [path, content] of desired) {
    const target = join(next, relative(OUTPUT_DIR, path));
    const folder = dirname(target);
    if (!made.has(folder)) {
      mkdirSync(folder, { recursive: true });
      made.add(folder);
    }
    if (current.get(path)?.equals(content)) {
      try {
        linkSync(join(root, path), target);
        continue;
      } catch {
        // a file system without hard links: write it
      }
    }
    writeFileSync(target, content);
  }
  if (existsSync(out)) renameSync(out, join(staging, 'previous'));
  renameSync(next, out);
  rmSync(staging, { recursive: true, force: true });
}
