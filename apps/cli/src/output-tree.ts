/**
 * The flux/ tree on disk, replaced folder by folder, all of the changed folders or none.
 *
 * Flux prunes what disappears from Git, so a half-written render deletes production workloads.
 * A render is therefore built in a staging folder, checked (permissions, same file system), and
 * swapped in under a journal; a failure during the swap puts every folder back at once, and a
 * swap cut short by a crash is put back at the start of the next run.
 *
 * Everything goes through RepositoryFs: nothing under flux/ is followed if it is a link, and a
 * link, a FIFO or a device there is reported, never read or written through.
 *
 * Ownership: a file is tritonops' when it starts with the rendered-file header. Other files under
 * flux/ outside the environments' folders (a README, a `flux bootstrap` path of its own) are
 * carried over as they are; inside them, they are refused (`foreignFiles`).
 */
import { accessSync, constants, linkSync, lstatSync, statSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { RENDERED_HEADER } from '@tritonops/charts';
import { FsProblem, RepositoryFs } from '@tritonops/planner';

export const OUTPUT_DIR = 'flux';
/** Re-exported for the tests and tools that plant or recognise rendered files. */
export { RENDERED_HEADER };
const STAGING_PREFIX = '.tritonops-tmp-';
/** A file under flux/ is YAML for Flux; anything larger is not something tritonops will carry. */
export const MAX_OUTPUT_FILE_BYTES = 64 * 1024 * 1024;

/** The folders a swap may replace: all of flux/, or one environment's folder of one area. */
const SWAP_ROOT = /^flux(\/(clusters|infrastructure|models)\/[a-z]([-a-z0-9]*[a-z0-9])?)?$/;

export interface TreeChange {
  readonly added: string[];
  readonly changed: string[];
  readonly removed: string[];
}

export function isEmptyChange(change: TreeChange): boolean {
  return change.added.length + change.changed.length + change.removed.length === 0;
}

/** Entries under flux/ that tritonops will neither read nor carry: links, special files, huge files. */
export class TreeProblems extends Error {
  constructor(readonly problems: readonly FsProblem[]) {
    super(problems.map((p) => p.message).join('\n'));
  }
}

/**
 * Files under `roots` (repository-relative folders; default the whole flux/), by
 * repository-relative path with forward slashes. Throws TreeProblems listing every link, special
 * file and oversized file found, or an FsProblem when a folder cannot be read.
 */
export function readTree(root: string, roots: readonly string[] = [OUTPUT_DIR]): Map<string, Buffer> {
  const fs = new RepositoryFs(root);
  const files = new Map<string, Buffer>();
  const problems: FsProblem[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.list(dir) ?? []) {
      const path = `${dir}/${entry.name}`;
      if (entry.kind === 'folder') walk(path);
      else if (entry.kind === 'symlink') problems.push(new FsProblem(path, 'symlink'));
      else if (entry.kind === 'special') problems.push(new FsProblem(path, 'special-file'));
      else {
        try {
          files.set(path, fs.read(path, MAX_OUTPUT_FILE_BYTES));
        } catch (error) {
          if (error instanceof FsProblem && error.kind !== 'os-error') problems.push(error);
          else throw error;
        }
      }
    }
  };
  for (const folder of roots) {
    try {
      if (fs.folderExists(folder)) walk(folder);
    } catch (error) {
      if (error instanceof FsProblem && error.kind !== 'os-error') problems.push(error);
      else throw error;
    }
  }
  if (problems.length > 0) throw new TreeProblems(problems);
  return files;
}

/** The objects (YAML documents that are maps) of a file under flux/. */
export function parseObjects(content: Buffer): Record<string, unknown>[] {
  return parseAllDocuments(content.toString('utf8'), { logLevel: 'error' })
    .flatMap((doc) => (Array.isArray(doc) ? [] : [doc.toJS() as unknown]))
    .filter((o): o is Record<string, unknown> => typeof o === 'object' && o !== null && !Array.isArray(o));
}

export function isRendered(content: Buffer): boolean {
  return content.subarray(0, RENDERED_HEADER.length).toString('utf8') === RENDERED_HEADER;
}

/** An environment's folder of an area: Flux applies every file in it. */
const ENVIRONMENT_FILE = /^flux\/(clusters|infrastructure|models)\/[^/]+\/./;

/**
 * Files tritonops did not render, in folders whose every file Flux applies (`flux/<area>/<env>/`,
 * subfolders included): a hand-written manifest there, or a `kustomization.yaml` that patches what
 * tritonops rendered, would reach the cluster without being in any spec. There is no exception,
 * not even for a `flux bootstrap` folder (give bootstrap a path of its own, see the README): any
 * file there could carry anything.
 */
export function foreignFiles(current: ReadonlyMap<string, Buffer>): string[] {
  return [...current]
    .filter(([path, content]) => ENVIRONMENT_FILE.test(path) && !isRendered(content))
    .map(([path]) => path)
    .sort();
}

/** Files that are not tritonops' where Flux applies everything: refused, never carried or deleted. */
export class ForeignFiles extends Error {
  constructor(readonly paths: readonly string[]) {
    super(`${paths.length} file(s) under flux/ were not rendered by tritonops`);
  }
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
    if (!folder || !SWAP_ROOT.test(folder)) return [OUTPUT_DIR];
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

/** A staging folder whose journal is not one tritonops wrote: nothing outside it is touched. */
export class ForeignJournal extends Error {
  constructor(readonly staging: string) {
    super(`${staging}/${JOURNAL} is not a journal tritonops wrote`);
  }
}

/**
 * The swap could not complete. `rolledBack` says whether every folder is back as it was; when
 * it is not, the journal in `staging` lets the next run finish putting them back.
 */
export class SwapFailed extends Error {
  constructor(
    /** What failed: an FsProblem, or anything else a rename threw. */
    readonly problem: unknown,
    readonly rolledBack: boolean,
    readonly staging: string,
    readonly rollbackProblem?: unknown,
  ) {
    super(problem instanceof Error ? problem.message : String(problem));
  }
}

/**
 * Puts back the folders an interrupted swap had moved aside, and clears staging leftovers. A
 * swap is all or nothing: unless it got to its end, every root it touched returns to how it was.
 * Staging folders of a process that is still running are left alone. A journal that names
 * anything but flux/ folders (one tritonops did not write) is refused: ForeignJournal.
 */
export function recoverInterruptedSwap(root: string): void {
  const fs = new RepositoryFs(root);
  for (const entry of fs.list('') ?? []) {
    if (!entry.name.startsWith(STAGING_PREFIX)) continue;
    const pid = Number(entry.name.slice(STAGING_PREFIX.length));
    if (entry.kind === 'folder' && pid !== process.pid && isRunning(pid)) continue;
    // A link or a file with our prefix: removing it never touches what a link points to.
    if (entry.kind !== 'folder') {
      fs.remove(entry.name);
      continue;
    }
    const journal = readJournal(fs, entry.name);
    if (journal && fs.kind(`${entry.name}/${COMMITTED}`) === undefined) rollBack(fs, entry.name, journal);
    // Without a journal the run stopped while building: it had moved nothing yet.
    fs.remove(entry.name);
  }
}

/** Returns every root of `journal` to how it was before the swap. */
function rollBack(fs: RepositoryFs, staging: string, journal: SwapJournal): void {
  journal.roots.forEach((folder, i) => {
    const previous = `${staging}/previous/${i}`;
    if (fs.kind(previous) === 'folder') {
      fs.remove(folder);
      fs.mkdirs(parentOf(folder));
      fs.rename(previous, folder);
    } else if (!journal.existed[i]) {
      fs.remove(folder);
    }
  });
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

/** The journal of a staging folder; undefined when there is none; ForeignJournal when it is not ours. */
function readJournal(fs: RepositoryFs, staging: string): SwapJournal | undefined {
  if (fs.kind(`${staging}/${JOURNAL}`) === undefined) return undefined;
  let journal: unknown;
  try {
    journal = JSON.parse(fs.read(`${staging}/${JOURNAL}`, 1024 * 1024).toString('utf8'));
  } catch {
    throw new ForeignJournal(staging);
  }
  const { roots, existed } = (journal ?? {}) as Partial<SwapJournal>;
  const valid =
    Array.isArray(roots) &&
    Array.isArray(existed) &&
    roots.length === existed.length &&
    roots.every((r) => typeof r === 'string' && SWAP_ROOT.test(r)) &&
    existed.every((e) => typeof e === 'boolean');
  if (!valid) throw new ForeignJournal(staging);
  return { roots, existed };
}

function parentOf(path: string): string {
  return path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '';
}

/**
 * Replaces each folder of `roots` (default: the whole flux/) with the files of `desired` under
 * it, all of them or none:
 *
 * 1. the new folders are built in a staging folder (a failure here, such as a full disk, leaves
 *    flux/ untouched);
 * 2. every rename is checked before the first one: write access to each folder and its parent,
 *    and the same file system as the staging folder (rename cannot cross file systems);
 * 3. a journal is written, then each root is moved aside and its replacement moved in;
 * 4. the journal is marked committed after the last rename.
 *
 * A failure in step 3 puts every folder back at once and throws SwapFailed. Files that `current`
 * already has with the same bytes are hard-linked rather than written again: trees are only ever
 * replaced whole, never edited in place, so sharing their inodes is safe.
 */
export function writeTree(
  root: string,
  desired: ReadonlyMap<string, Buffer>,
  current: ReadonlyMap<string, Buffer> = new Map(),
  roots: readonly string[] = [OUTPUT_DIR],
): void {
  const fs = new RepositoryFs(root);
  const staging = `${STAGING_PREFIX}${process.pid}`;
  fs.remove(staging);
  try {
    fs.mkdirs(`${staging}/previous`);
    for (const [path, content] of desired) {
      const i = roots.findIndex((r) => path.startsWith(`${r}/`));
      if (i < 0) continue;
      const target = `${staging}/next/${i}/${path.slice(roots[i]!.length + 1)}`;
      fs.mkdirs(parentOf(target));
      if (current.get(path)?.equals(content) && link(fs, path, target)) continue;
      fs.createFile(target, content);
    }
    for (const folder of roots) fs.mkdirs(parentOf(folder));
    checkRenames(fs, staging, roots);
    const journal: SwapJournal = { roots, existed: roots.map((r) => fs.kind(r) !== undefined) };
    fs.createFile(`${staging}/${JOURNAL}`, Buffer.from(JSON.stringify(journal)));
    swap(fs, staging, journal);
  } catch (error) {
    if (error instanceof SwapFailed) throw error;
    // Nothing was moved yet: drop the staging folder and report the cause as it is.
    try {
      fs.remove(staging);
    } catch {
      // the next run clears it
    }
    throw error;
  }
}

/** Hard-links an unchanged file into the staging folder; false where the file system cannot. */
function link(fs: RepositoryFs, path: string, target: string): boolean {
  try {
    linkSync(fs.absolute(path), fs.absolute(target));
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether every rename of the swap can happen: a folder moves only within one file system, needs
 * write access to the folders it leaves and enters, and (to update its `..`) to itself.
 */
function checkRenames(fs: RepositoryFs, staging: string, roots: readonly string[]): void {
  const device = statSync(fs.absolute(staging)).dev;
  const check = (rel: string) => {
    try {
      accessSync(fs.absolute(rel), constants.W_OK);
      if (lstatSync(fs.absolute(rel)).dev !== device) throw Object.assign(new Error('EXDEV'), { code: 'EXDEV', syscall: 'rename' });
    } catch (error) {
      throw fs.wrap(rel, error);
    }
  };
  check(`${staging}/previous`);
  for (const folder of roots) {
    check(parentOf(folder) || '');
    if (fs.kind(folder) !== undefined) check(folder);
  }
}

function swap(fs: RepositoryFs, staging: string, journal: SwapJournal): void {
  try {
    journal.roots.forEach((folder, i) => {
      if (journal.existed[i]) fs.rename(folder, `${staging}/previous/${i}`);
      // A root with no file left (a removed environment) has no replacement: it just goes.
      if (fs.kind(`${staging}/next/${i}`) === 'folder') fs.rename(`${staging}/next/${i}`, folder);
    });
  } catch (error) {
    try {
      rollBack(fs, staging, journal);
      fs.remove(staging);
    } catch (rollbackProblem) {
      throw new SwapFailed(error, false, staging, rollbackProblem);
    }
    throw new SwapFailed(error, true, staging);
  }
  fs.createFile(`${staging}/${COMMITTED}`, Buffer.alloc(0));
  try {
    fs.remove(staging);
  } catch {
    // committed: the next run clears what is left
  }
}
