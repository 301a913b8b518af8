/**
 * Reading Git without touching the working tree or the index: the commit to compare with, the
 * specs of a commit (straight from Git's objects, into memory: nothing is unpacked to disk), the
 * committed versions of a file for the promotion gate, and what Git tracks. The one place the
 * CLI runs Git: the planner asks for history through `ReleaseHistory` and runs nothing itself.
 */
import { spawnSync } from 'node:child_process';
import { FsProblem, RepositoryFs, type FolderEntry, type GateBase, type ReleaseHistory, type SpecSource } from '@tritonops/planner';
import { realpathSync } from 'node:fs';

export class GitError extends Error {}

const MAX_OUTPUT = 1 << 30;

function git(root: string, args: string[], input?: string): Buffer {
  const run = spawnSync('git', args, { cwd: root, maxBuffer: MAX_OUTPUT, ...(input !== undefined ? { input } : {}) });
  if (run.error) throw new GitError(`git is not available: ${run.error.message}`);
  if (run.status !== 0) throw new GitError(run.stderr.toString().trim() || `git ${args[0]} failed`);
  return run.stdout;
}

/**
 * What decides the base and the history a check reads: HEAD's commit and the commits of the base
 * candidates (`base`, or origin/main and main). A long-lived process (the panel) resolves the base
 * again when this changes: a commit, a branch switch, a fetch that moves origin/main. Git answers
 * for worktrees and packed refs alike. Empty outside Git.
 */
export function baseStamp(root: string, base?: string): string {
  const head = spawnSync('git', ['rev-parse', '--verify', '-q', 'HEAD'], { cwd: root });
  // for-each-ref skips a ref that does not exist; rev-parse would stop at it.
  const candidates =
    base !== undefined
      ? spawnSync('git', ['rev-parse', '--verify', '-q', '--end-of-options', base], { cwd: root })
      : spawnSync('git', ['for-each-ref', '--format=%(refname) %(objectname)', 'refs/remotes/origin/main', 'refs/heads/main'], { cwd: root });
  return `${head.stdout?.toString('utf8').trim() ?? ''}\n${candidates.stdout?.toString('utf8').trim() ?? ''}`;
}

/**
 * The commit to compare with: `base` itself, or the merge base of HEAD with origin/main (or main).
 * The defaults are full ref names, and a `base` that names both a tag and a branch is refused: a
 * tag called `origin/main` (anyone who may push may create one; CI fetches tags) would otherwise
 * stand in for the base branch, and the promotion gate would read what the tag holds.
 */
export function resolveBase(root: string, base: string | undefined): { commit: string; label: string } {
  if (base !== undefined) {
    // `--end-of-options`: a ref that starts with "-" is a ref, never an option.
    // Git says "ambiguous" on stderr only when asked (the default, unless a config turned it off).
    const args = ['-c', 'core.warnAmbiguousRefs=true', 'rev-parse', '--verify', '--end-of-options', `${base}^{commit}`];
    const run = spawnSync('git', args, { cwd: root, maxBuffer: MAX_OUTPUT });
    if (run.error) throw new GitError(`git is not available: ${run.error.message}`);
    if (run.status !== 0) throw new GitError(`"${base}" is not a commit of this repository`);
    if (/\bis ambiguous\b/.test(run.stderr.toString('utf8')))
      throw new GitError(
        `"${base}" names more than one ref (a tag and a branch, say); pass a full ref name (refs/remotes/${base}, refs/heads/${base}) or a commit`,
      );
    return { commit: run.stdout.toString().trim(), label: base };
  }
  for (const [upstream, ref] of [
    ['origin/main', 'refs/remotes/origin/main'],
    ['main', 'refs/heads/main'],
  ] as const) {
    try {
      return { commit: git(root, ['merge-base', 'HEAD', ref]).toString().trim(), label: `merge-base with ${upstream}` };
    } catch {
      // try the next one
    }
  }
  throw new GitError('found neither origin/main nor main to compare with; pass --base <ref>');
}

interface TreeEntry {
  readonly kind: FolderEntry['kind'];
  readonly object: string;
  readonly size: number;
}

/**
 * The files under `environments/` at `commit`, read from Git's object store. Links and
 * submodules are listed as what they are (the loader refuses them); file contents are fetched
 * in one `git cat-file --batch` the first time one is read.
 */
export class GitSpecTree implements SpecSource {
  private readonly entries = new Map<string, TreeEntry>();
  private readonly children = new Map<string, FolderEntry[]>();
  private contents: Map<string, Buffer> | undefined;

  constructor(
    private readonly root: string,
    readonly commit: string,
  ) {
    const listing = git(root, ['ls-tree', '-r', '-t', '-l', '-z', '--full-tree', commit, '--', 'environments']).toString('utf8');
    for (const record of listing.split('\0')) {
      const m = /^(\d{6}) (\w+) ([0-9a-f]+) +(-|\d+)\t(.+)$/s.exec(record);
      if (!m) continue;
      const [, mode, , object, size, path] = m as unknown as [string, string, string, string, string, string];
      const kind: FolderEntry['kind'] =
        mode === '040000' ? 'folder' : mode === '120000' ? 'symlink' : mode === '100644' || mode === '100755' ? 'file' : 'special';
      this.entries.set(path, { kind, object, size: size === '-' ? 0 : Number(size) });
      const slash = path.lastIndexOf('/');
      const parent = slash < 0 ? '' : path.slice(0, slash);
      const list = this.children.get(parent) ?? [];
      list.push({ name: path.slice(slash + 1), kind });
      this.children.set(parent, list);
    }
    for (const list of this.children.values()) list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Whether the commit has anything at environments/ (a folder, or a link the loader refuses). */
  get exists(): boolean {
    return this.entries.has('environments');
  }

  list(rel: string): FolderEntry[] | undefined {
    const entry = this.entries.get(rel);
    if (!entry) return undefined;
    if (entry.kind === 'symlink') throw new FsProblem(rel, 'symlink');
    if (entry.kind !== 'folder') throw new FsProblem(rel, entry.kind === 'file' ? 'not-a-folder' : 'special-file');
    return [...(this.children.get(rel) ?? [])];
  }

  read(rel: string, maxBytes: number): Uint8Array {
    const entry = this.entries.get(rel);
    if (!entry) throw new FsProblem(rel, 'os-error', 'ENOENT');
    if (entry.kind === 'symlink') throw new FsProblem(rel, 'symlink');
    if (entry.kind === 'folder') throw new FsProblem(rel, 'not-a-file');
    if (entry.kind !== 'file') throw new FsProblem(rel, 'special-file', 'a submodule');
    if (entry.size > maxBytes) throw new FsProblem(rel, 'too-large', entry.size);
    this.contents ??= this.fetch(maxBytes);
    return this.contents.get(entry.object) ?? Buffer.alloc(0);
  }

  /** Every blob of the tree small enough to be a spec, in one batch. */
  private fetch(maxBytes: number): Map<string, Buffer> {
    return blobs(
      this.root,
      [...this.entries.values()].filter((e) => e.kind === 'file' && e.size <= maxBytes).map((e) => e.object),
    );
  }
}

/** The contents of blobs, by object name, read in one `git cat-file --batch`. */
function blobs(root: string, objects: readonly string[]): Map<string, Buffer> {
  const wanted = [...new Set(objects)];
  const out = new Map<string, Buffer>();
  if (wanted.length === 0) return out;
  const batch = git(root, ['cat-file', '--batch'], `${wanted.join('\n')}\n`);
  let offset = 0;
  while (offset < batch.length) {
    const newline = batch.indexOf(0x0a, offset);
    const [object, type, size] = batch.subarray(offset, newline).toString('utf8').split(' ');
    if (type !== 'blob' || object === undefined) break;
    const length = Number(size);
    out.set(object, batch.subarray(newline + 1, newline + 1 + length));
    offset = newline + 1 + length + 1;
  }
  return out;
}

/**
 * The promotion gate's "has run": every committed version of a file, newest first, from `commit`
 * (the working tree's history when absent). Empty outside a Git repository.
 */
export function releaseHistory(root: string, commit?: string): ReleaseHistory {
  return {
    versions(rel) {
      let log: string;
      try {
        // --first-parent: only what the branch itself held (each merge as merged), never a commit
        // that sat on a merged pull request's branch and was gone before the merge.
        log = git(root, ['log', '--first-parent', '--format=%H', ...(commit ? [commit] : []), '--', rel]).toString('utf8');
      } catch {
        return [];
      }
      return log
        .split('\n')
        .filter(Boolean)
        .flatMap((sha) => {
          try {
            return [git(root, ['show', `${sha}:${rel}`]).toString('utf8')];
          } catch {
            return [];
          }
        });
    },
  };
}

/**
 * What the promotion gate compares with: the specs and history at the base commit (`ref`, or the
 * merge base of HEAD with origin/main or main). `{ missing }` when `root` is a Git repository
 * without such a commit (the caller says the gate fell back to the working tree); undefined
 * outside Git, or when `root` is not the top of its repository (the base's paths would not be
 * its paths), where the working tree is all there is.
 */
export function gateBase(root: string, ref?: string): GateBase | { missing: string } | undefined {
  let top: string;
  try {
    top = git(root, ['rev-parse', '--show-toplevel']).toString('utf8').trim();
  } catch {
    return undefined;
  }
  try {
    if (realpathSync(top) !== realpathSync(root)) return undefined;
  } catch {
    return undefined;
  }
  let base: { commit: string; label: string };
  try {
    base = resolveBase(root, ref);
  } catch (error) {
    return { missing: (error as Error).message };
  }
  return {
    source: new GitSpecTree(root, base.commit),
    history: releaseHistory(root, base.commit),
    label: `${base.label} (${base.commit.slice(0, 12)})`,
  };
}

/** The files Git tracks that match `pathspecs`; none outside a Git repository. */
export function trackedFiles(root: string, pathspecs: readonly string[]): string[] {
  try {
    return git(root, ['ls-files', '-z', '--', ...pathspecs])
      .toString('utf8')
      .split('\0')
      .filter(Boolean);
  } catch {
    return [];
  }
}

/** The first `max` bytes of a file as committed at `commit`, or undefined when it has none there. */
export function committedFile(root: string, commit: string, path: string, max: number): Buffer | undefined {
  try {
    return git(root, ['cat-file', 'blob', `${commit}:${path}`]).subarray(0, max);
  } catch {
    return undefined;
  }
}

export interface UnrenderedChange {
  /** Repository-relative path under flux/. */
  readonly path: string;
  readonly change: 'added' | 'changed' | 'removed';
}

/**
 * Files under flux/ that tritonops did not render (no rendered header, before or after) and that
 * differ between `commit` and the working tree: the renders cannot show them, so the reviewer is
 * told about them. Read from Git's objects and the index; nothing is written.
 */
export function unrenderedChanges(root: string, commit: string, isRendered: (bytes: Buffer) => boolean): UnrenderedChange[] {
  const changed = git(root, ['diff', '--name-status', '--no-renames', '-z', commit, '--', 'flux']).toString('utf8').split('\0');
  const untracked = git(root, ['ls-files', '-z', '--others', '--exclude-standard', '--', 'flux']).toString('utf8').split('\0').filter(Boolean);
  const out: UnrenderedChange[] = [];
  const working = new RepositoryFs(root);
  const now = (path: string) => {
    try {
      return working.read(path, 1024, { firstBytesOnly: true });
    } catch {
      return undefined;
    }
  };
  const then = (path: string) => {
    try {
      return git(root, ['cat-file', 'blob', `${commit}:${path}`]).subarray(0, 1024);
    } catch {
      return undefined;
    }
  };
  const consider = (path: string, change: UnrenderedChange['change']) => {
    const [before, after] = [change === 'added' ? undefined : then(path), change === 'removed' ? undefined : now(path)];
    if ((before && isRendered(before)) || (after && isRendered(after))) return;
    out.push({ path, change });
  };
  for (let i = 0; i + 1 < changed.length; i += 2) {
    const status = changed[i]!;
    const path = changed[i + 1]!;
    consider(path, status.startsWith('A') ? 'added' : status.startsWith('D') ? 'removed' : 'changed');
  }
  for (const path of untracked) consider(path, 'added');
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * Where `root` stands in Git: the top of a repository, a folder inside one (whose paths are not
 * the repository's), or outside any.
 */
export function gitPlacement(root: string): 'top' | 'inside' | 'none' {
  try {
    const top = git(root, ['rev-parse', '--show-toplevel']).toString('utf8').trim();
    return realpathSync(top) === realpathSync(root) ? 'top' : 'inside';
  } catch {
    return 'none';
  }
}

/** The branch HEAD is on; undefined on a detached HEAD or outside Git. */
export function currentBranch(root: string): string | undefined {
  try {
    return git(root, ['symbolic-ref', '--quiet', '--short', 'HEAD']).toString('utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

export interface WorkingTreeEntry {
  /** Repository-relative path. */
  readonly path: string;
  /** The index differs from HEAD (`git commit` would take it as it is). */
  readonly staged: boolean;
}

/** `git status` of the paths under `pathspecs` (all when empty), untracked files one by one, renames as removal plus addition. */
export function workingTreeStatus(root: string, pathspecs: readonly string[] = []): WorkingTreeEntry[] {
  const records = git(root, ['status', '--porcelain=v1', '-z', '--untracked-files=all', '--no-renames', '--', ...pathspecs])
    .toString('utf8')
    .split('\0')
    .filter(Boolean);
  return records.map((r) => ({ path: r.slice(3), staged: r[0] !== ' ' && r[0] !== '?' }));
}

/** Why `name` cannot be a new branch (Git's own words where it has them), or undefined when it can. */
export function newBranchProblem(root: string, name: string): string | undefined {
  const run = spawnSync('git', ['check-ref-format', '--branch', name], { cwd: root });
  if (run.error) throw new GitError(`git is not available: ${run.error.message}`);
  // `--branch` also expands `@{-1}` and the like to an existing branch: only a name that stays itself is new.
  if (run.status !== 0 || run.stdout.toString('utf8').trim() !== name) return `"${name}" is not a valid branch name`;
  // Valid names that would read as something else: `refs/heads/x` as a full ref, `origin/main` as
  // the remote's branch (the base every diff and gate compares with).
  if (name.startsWith('refs/')) return `"${name}" would read as a full ref name, not a branch`;
  // `@` is HEAD to Git; `heads/x`, `tags/x`, `remotes/x` and `HEAD`-like parts read as other refs.
  const parts = name.split('/');
  if (name === '@' || ['heads', 'tags', 'remotes'].includes(parts[0]!) || parts.some((p) => p === 'HEAD' || /^[A-Z_]+_HEAD$/.test(p)))
    return `"${name}" would read as another ref than a branch`;
  if (spawnSync('git', ['rev-parse', '--verify', '--quiet', `refs/tags/${name}`], { cwd: root }).status === 0)
    return `a tag "${name}" exists: the branch name would be ambiguous`;
  const remotes = spawnSync('git', ['remote'], { cwd: root }).stdout.toString('utf8').split('\n').filter(Boolean);
  const remote = remotes.find((r) => name.startsWith(`${r}/`));
  if (remote) return `"${name}" would read as a branch of the remote "${remote}"`;
  const exists = spawnSync('git', ['rev-parse', '--verify', '--quiet', `refs/heads/${name}`], { cwd: root });
  return exists.status === 0 ? `a branch "${name}" already exists` : undefined;
}

/** The URL of the `origin` remote, or undefined. */
export function originUrl(root: string): string | undefined {
  try {
    return git(root, ['remote', 'get-url', 'origin']).toString('utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

export interface StagedEntry {
  readonly path: string;
  /** Git's file mode after the change (`100644`, `120000` for a link, `000000` when removed). */
  readonly mode: string;
  /** The staged content (undefined when removed). */
  readonly content?: Buffer;
}

/** What the index holds against HEAD: every staged path with its mode and content. */
function stagedEntries(root: string): StagedEntry[] {
  const raw = git(root, ['diff', '--cached', '--raw', '--no-abbrev', '--no-renames', '-z', 'HEAD']).toString('utf8').split('\0');
  const entries: { path: string; mode: string; object: string }[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const [, newMode, , newObject] = raw[i]!.slice(1).split(' ');
    entries.push({ path: raw[i + 1]!, mode: newMode!, object: newObject! });
  }
  const contents = blobs(
    root,
    entries.filter((e) => e.mode !== '000000').map((e) => e.object),
  );
  return entries.map((e) => ({ path: e.path, mode: e.mode, ...(e.mode !== '000000' ? { content: contents.get(e.object) ?? Buffer.alloc(0) } : {}) }));
}

/**
 * Commits `paths` (each by name, literally) on a new branch started at HEAD (the working tree's
 * changes come along; nothing else is staged), with `message` given on stdin, hooks included.
 * `verify` sees what was staged — the bytes the commit will hold, not the working tree a moment
 * earlier — and throws (a GitError) to refuse it. When anything fails, the index and HEAD are put
 * back as they were and the branch is removed; the working tree is not touched either way.
 */
export function commitOnNewBranch(
  root: string,
  branch: string,
  paths: readonly string[],
  message: string,
  verify: (staged: readonly StagedEntry[]) => void = () => {},
): { commit: string; files: string[] } {
  const pathspecs = paths.map((path) => `:(literal)${path}`);
  const onBranch = currentBranch(root);
  const previous = onBranch ?? git(root, ['rev-parse', '--verify', 'HEAD']).toString('utf8').trim();
  git(root, ['switch', '--quiet', '--create', branch]);
  try {
    git(root, ['add', '--all', '--', ...pathspecs]);
    verify(stagedEntries(root));
    git(root, ['commit', '--quiet', '--file', '-'], message);
  } catch (error) {
    try {
      git(root, ['reset', '--quiet']);
      git(root, ['switch', '--quiet', ...(onBranch ? [] : ['--detach']), previous]);
      git(root, ['branch', '--quiet', '--delete', '--force', branch]);
    } catch {
      // Reported with the first error: the user sees where HEAD is from `git status`.
    }
    throw error;
  }
  const commit = git(root, ['rev-parse', '--verify', 'HEAD']).toString('utf8').trim();
  const files = git(root, ['diff-tree', '--root', '--no-commit-id', '--name-only', '--no-renames', '-r', '-z', commit])
    .toString('utf8')
    .split('\0')
    .filter(Boolean);
  return { commit, files };
}
