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
import { parseAllDocuments } from 'yaml';

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

/**
 * Files under `roots` (repository-relative folders; default the whole flux/), by
 * repository-relative path with forward slashes.
 */
export function readTree(root: string, roots: readonly string[] = [OUTPUT_DIR]): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) files.set(relative(root, full).split(sep).join('/'), readFileSync(full));
    }
  };
  for (const folder of roots) if (existsSync(join(root, folder))) walk(join(root, folder));
  return files;
}

/** The objects (YAML documents that are maps) of a file under flux/. */
export function parseObjects(content: Buffer): Record<string, unknown>[] {
  return parseAllDocuments(content.toString('utf8'))
    .flatMap((doc) => (Array.isArray(doc) ? [] : [doc.toJS() as unknown]))
    .filter((o): o is Record<string, unknown> => typeof o === 'object' && o !== null && !Array.isArray(o));
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

/**
 * The smallest set of folders to swap for `change`: each environment folder
 * (`flux/<area>/<env>`) that gains, loses or changes a file; the whole of flux/ when a change
 * lies outside those.
 */
export function changedRoots(change: TreeChange): string[] {
  const roots = new Set<string>();
  for (const path of [...change.added, ...change.changed, ...change.removed]) {
    const folder = /^(flux\/[^/]+\/[^/]+)\/./.exec(path)?.[1];
    if (!folder || !/^flux\/(clusters|infrastructure|models)\//.test(folder)) return [OUTPUT_DIR];
    roots.add(folder);
  }
  return [...roots].sort();
}

/** The record of a swap in progress, written before its first rename. */
interface SwapJournal {
  readonly roots: readonly string[];
  /** Whether each root existed before the swap (a new environment's did not). */
  readonly existed: readonly boolean[];
}

const JOURNAL = 'swap.json';
const COMMITTED = 'committed';

/**
 * Puts back the folders an interrupted swap had moved aside, and clears staging leftovers. A
 * swap is all or nothing: unless it got to its end, every root it touched returns to how it was.
 * Staging folders of a process that is still running (a concurrent `synth --env`) are left alone.
 */
export function recoverInterruptedSwap(root: string): void {
  for (const entry of readdirSync(root)) {
    if (!entry.startsWith(STAGING_PREFIX)) continue;
    const pid = Number(entry.slice(STAGING_PREFIX.length));
    if (pid !== process.pid && isRunning(pid)) continue;
    const staging = join(root, entry);
    const journal = readJournal(join(staging, JOURNAL));
    if (journal && !existsSync(join(staging, COMMITTED))) {
      journal.roots.forEach((folder, i) => {
        const target = join(root, folder);
        const previous = join(staging, 'previous', String(i));
        if (existsSync(previous)) {
          rmSync(target, { recursive: true, force: true });
          mkdirSync(dirname(target), { recursive: true });
          renameSync(previous, target);
        } else if (!journal.existed[i]) {
          rmSync(target, { recursive: true, force: true });
        }
      });
    }
    // Without a journal the run stopped while building: it had moved nothing yet.
    rmSync(staging, { recursive: true, force: true });
  }
}

function isRunning(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readJournal(path: string): SwapJournal | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as SwapJournal;
  } catch {
    return undefined;
  }
}

/**
 * Replaces each folder of `roots` (default: the whole flux/) with the files of `desired` under
 * it, all of them or none as seen by anyone who reads them afterwards: the new folders are built
 * in a staging folder, a journal is written, then each root is moved aside and its replacement
 * moved in; the journal is marked committed after the last rename. Files that `current` already
 * has with the same bytes are hard-linked rather than written again: trees are only ever replaced
 * whole, never edited in place, so sharing their inodes is safe.
 */
export function writeTree(root: string, desired: ReadonlyMap<string, Buffer>, current: ReadonlyMap<string, Buffer> = new Map(), roots: readonly string[] = [OUTPUT_DIR]): void {
  const staging = join(root, `${STAGING_PREFIX}${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  const made = new Set<string>();
  for (const [path, content] of desired) {
    const i = roots.findIndex((r) => path.startsWith(`${r}/`));
    if (i < 0) continue;
    const target = join(staging, 'next', String(i), relative(roots[i]!, path));
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
  const journal: SwapJournal = { roots, existed: roots.map((r) => existsSync(join(root, r))) };
  mkdirSync(join(staging, 'previous'), { recursive: true });
  writeFileSync(join(staging, JOURNAL), JSON.stringify(journal));
  roots.forEach((folder, i) => {
    const target = join(root, folder);
    if (journal.existed[i]) renameSync(target, join(staging, 'previous', String(i)));
    const next = join(staging, 'next', String(i));
    if (existsSync(next)) {
      mkdirSync(dirname(target), { recursive: true });
      renameSync(next, target);
    }
  });
  writeFileSync(join(staging, COMMITTED), '');
  rmSync(staging, { recursive: true, force: true });
}
