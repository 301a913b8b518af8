/**
 * Every file tritonops reads or writes, confined to the repository.
 *
 * tritonops runs in CI on specs anyone may propose, next to secrets. A symbolic link in the
 * right place would make it read `/proc/self/environ` and print it in an error, or write through
 * a planted link to anywhere. So nothing here follows a link: every folder on the way to a path
 * is checked with lstat, files are opened with O_NOFOLLOW (and O_NONBLOCK, so a FIFO cannot hang
 * the run), checked with fstat to be regular files and measured before a byte is read. Paths are
 * repository-relative with forward slashes; a segment that could climb out (`..`, an absolute
 * path) is refused before the file system is asked.
 *
 * What this does not defend against: a process on the same machine swapping a folder for a link
 * between the check and the use. The threat is a hostile checkout, not a hostile neighbour.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  realpathSync,
  renameSync,
  rmSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { join, resolve } from 'node:path';

export type EntryKind = 'file' | 'folder' | 'symlink' | 'special';

export interface FolderEntry {
  readonly name: string;
  readonly kind: EntryKind;
}

export type FsProblemKind = 'symlink' | 'hard-link' | 'special-file' | 'not-a-file' | 'not-a-folder' | 'too-large' | 'unsafe-path' | 'os-error';

/** A path tritonops will not use, or an error of the operating system on it. */
export class FsProblem extends Error {
  /** What is wrong, without the path: "this is a symbolic link; …". */
  readonly reason: string;

  constructor(
    /** Repository-relative path with forward slashes. */
    readonly path: string,
    readonly kind: FsProblemKind,
    /** For `os-error`: the errno code (EACCES, ENOSPC, EROFS, …); for `too-large`: the size in bytes. */
    readonly detail?: string | number,
  ) {
    const reason = describeProblem(kind, detail);
    super(`${path}: ${reason}`);
    this.reason = reason;
  }
}

function describeProblem(kind: FsProblemKind, detail: string | number | undefined): string {
  switch (kind) {
    case 'symlink':
      return 'this is a symbolic link; tritonops does not follow links';
    case 'hard-link':
      return `this file has ${String(detail)} names (hard links); tritonops reads only files with one, which cannot be a file outside the repository`;
    case 'special-file':
      return `this is not a regular file (${String(detail ?? 'a device, socket or FIFO')})`;
    case 'not-a-file':
      return 'this is a folder, not a file';
    case 'not-a-folder':
      return 'this is a file, not a folder';
    case 'too-large':
      return `this file is too large (${String(detail)} bytes)`;
    case 'unsafe-path':
      return 'this is not a path inside the repository';
    case 'os-error':
      return osErrorText(String(detail));
  }
}

/** Plain words for the errno codes a read or a write can meet. */
export function osErrorText(code: string): string {
  const words: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EROFS: 'read-only file system',
    ENOSPC: 'no space left on the device',
    EDQUOT: 'disk quota exceeded',
    EIO: 'input/output error',
    ENOENT: 'no such file or folder',
    ENOTDIR: 'a path component is not a folder',
    ELOOP: 'too many symbolic links',
    EMFILE: 'too many open files',
    ENFILE: 'too many open files in the system',
    EXDEV: 'on another file system',
    EBUSY: 'busy',
    ENAMETOOLONG: 'name too long',
  };
  return `${code}: ${words[code] ?? 'operating system error'}`;
}

/** Whether `error` came from the operating system (as opposed to a bug). */
export function isOsError(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string' && typeof (error as NodeJS.ErrnoException).syscall === 'string';
}

const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/** Name of a temporary file next to `name`: hidden, so spec folders never list it. */
export function temporaryName(name: string): string {
  return `.${name}.${randomBytes(6).toString('hex')}.tritonops-tmp`;
}

export class RepositoryFs {
  /** The repository's real path: the boundary nothing crosses. */
  readonly root: string;
  /** Folders already checked to be real folders (no link on the way), by relative path. */
  private readonly checked = new Set<string>(['']);

  constructor(root: string) {
    let real: string;
    try {
      real = realpathSync(root);
    } catch {
      // A root that does not exist: every operation then reports it.
      real = resolve(root);
    }
    this.root = real;
  }

  /** The absolute path of `rel`, after checking that it cannot leave the repository. */
  absolute(rel: string): string {
    return rel === '' ? this.root : join(this.root, ...segments(rel));
  }

  /** What `rel` is, without following a link; undefined when it (or a folder on its way) does not exist. */
  kind(rel: string): EntryKind | undefined {
    if (!this.parentExists(rel)) return undefined;
    const stats = this.lstat(rel);
    return stats ? kindOf(stats) : undefined;
  }

  /** The entries of folder `rel`, sorted by name; undefined when it does not exist. */
  list(rel: string): FolderEntry[] | undefined {
    if (!this.folderExists(rel)) return undefined;
    let entries;
    try {
      entries = readdirSync(this.absolute(rel), { withFileTypes: true });
    } catch (error) {
      throw this.wrap(rel, error);
    }
    return entries
      .map((d): FolderEntry => ({ name: d.name, kind: d.isSymbolicLink() ? 'symlink' : d.isDirectory() ? 'folder' : d.isFile() ? 'file' : 'special' }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Whether folder `rel` exists; throws when it, or a folder on its way, is a link, a file or a special file. */
  folderExists(rel: string): boolean {
    if (this.checked.has(rel)) return true;
    if (!this.parentExists(rel)) return false;
    const stats = this.lstat(rel);
    if (!stats) return false;
    if (stats.isSymbolicLink()) throw new FsProblem(rel, 'symlink');
    if (!stats.isDirectory()) throw new FsProblem(rel, stats.isFile() ? 'not-a-folder' : 'special-file', specialKind(stats));
    this.checked.add(rel);
    return true;
  }

  /** Whether the folder holding `rel` exists (checking every folder on the way). */
  private parentExists(rel: string): boolean {
    const parts = segments(rel);
    return parts.length <= 1 || this.folderExists(parts.slice(0, -1).join('/'));
  }

  /**
   * The bytes of regular file `rel`, at most `maxBytes` of them: the size is checked on the open
   * file before anything is read, so a 2 GiB file costs nothing. With `singleName`, a file with
   * other names (hard links, which could be a file outside the repository) is refused. With
   * `firstBytesOnly`, a larger file gives its first `maxBytes` instead of being refused.
   */
  read(rel: string, maxBytes: number, options: { singleName?: boolean; firstBytesOnly?: boolean } = {}): Buffer {
    const parts = segments(rel);
    this.checkFolder(parts.slice(0, -1).join('/'));
    let fd: number;
    try {
      fd = openSync(this.absolute(rel), READ_FLAGS);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // O_NOFOLLOW on a link fails with ELOOP; say what it is.
      if (code === 'ELOOP' || code === 'EMLINK') throw new FsProblem(rel, 'symlink');
      throw this.wrap(rel, error);
    }
    try {
      const stats = fstatSync(fd);
      if (stats.isDirectory()) throw new FsProblem(rel, 'not-a-file');
      if (!stats.isFile()) throw new FsProblem(rel, 'special-file', specialKind(stats));
      if (options.singleName && stats.nlink > 1) throw new FsProblem(rel, 'hard-link', stats.nlink);
      if (stats.size > maxBytes && !options.firstBytesOnly) throw new FsProblem(rel, 'too-large', stats.size);
      // One byte more than the limit: a file that grows while we read is still caught.
      const buffer = Buffer.alloc(Math.min(maxBytes + 1, stats.size + 1));
      let length = 0;
      for (;;) {
        const n = readSync(fd, buffer, length, buffer.length - length, null);
        if (n === 0) break;
        length += n;
        if (length === buffer.length) break;
      }
      if (length > maxBytes && !options.firstBytesOnly) throw new FsProblem(rel, 'too-large', length);
      return buffer.subarray(0, Math.min(length, maxBytes));
    } catch (error) {
      throw error instanceof FsProblem ? error : this.wrap(rel, error);
    } finally {
      closeSync(fd);
    }
  }

  /** Creates folder `rel` and its parents; refuses links and files on the way. */
  mkdirs(rel: string): void {
    const parts = segments(rel);
    for (let i = 1; i <= parts.length; i++) {
      const sub = parts.slice(0, i).join('/');
      if (this.folderExists(sub)) continue;
      try {
        mkdirSync(this.absolute(sub));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw this.wrap(sub, error);
      }
      this.folderExists(sub);
    }
  }

  /** Writes a new file `rel`; fails if anything (a file, a link) is already there. */
  createFile(rel: string, bytes: Uint8Array): void {
    const parts = segments(rel);
    this.mkdirs(parts.slice(0, -1).join('/'));
    let fd: number;
    try {
      fd = openSync(this.absolute(rel), CREATE_FLAGS, 0o644);
    } catch (error) {
      throw this.wrap(rel, error);
    }
    try {
      let offset = 0;
      while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
    } catch (error) {
      throw this.wrap(rel, error);
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Replaces (or creates) file `rel` atomically: the bytes go to a new hidden file beside it,
   * created exclusively, which is then renamed over it. A link at `rel` is refused, never
   * written through.
   */
  replaceFile(rel: string, bytes: Uint8Array): void {
    const parts = segments(rel);
    const folder = parts.slice(0, -1).join('/');
    const existing = this.kind(rel);
    if (existing === 'symlink') throw new FsProblem(rel, 'symlink');
    if (existing === 'folder') throw new FsProblem(rel, 'not-a-file');
    if (existing === 'special') throw new FsProblem(rel, 'special-file');
    const temporary = [...(folder ? [folder] : []), temporaryName(parts[parts.length - 1]!)].join('/');
    this.createFile(temporary, bytes);
    try {
      renameSync(this.absolute(temporary), this.absolute(rel));
    } catch (error) {
      rmSync(this.absolute(temporary), { force: true });
      throw this.wrap(rel, error);
    }
  }

  /** Renames `from` to `to` (both inside the repository); a link is moved as a link, never followed. */
  rename(from: string, to: string): void {
    this.checkFolder(segments(from).slice(0, -1).join('/'));
    this.checkFolder(segments(to).slice(0, -1).join('/'));
    try {
      renameSync(this.absolute(from), this.absolute(to));
    } catch (error) {
      throw this.wrap(from, error);
    }
    this.forget(from);
    this.forget(to);
  }

  /** Removes `rel` and what it holds; a link is removed itself, never what it points to. */
  remove(rel: string): void {
    this.checkFolder(segments(rel).slice(0, -1).join('/'));
    try {
      rmSync(this.absolute(rel), { recursive: true, force: true });
    } catch (error) {
      throw this.wrap(rel, error);
    }
    this.forget(rel);
  }

  /** An OS error on `rel` as an FsProblem (other errors pass through: they are bugs). */
  wrap(rel: string, error: unknown): unknown {
    if (error instanceof FsProblem) return error;
    if (isOsError(error)) return new FsProblem(rel, 'os-error', error.code);
    return error;
  }

  private forget(rel: string): void {
    for (const path of [...this.checked]) if (path === rel || path.startsWith(`${rel}/`)) this.checked.delete(path);
  }

  private checkFolder(rel: string): void {
    if (rel !== '' && !this.folderExists(rel)) throw new FsProblem(rel, 'os-error', 'ENOENT');
  }

  private lstat(rel: string): Stats | undefined {
    try {
      return lstatSync(this.absolute(rel));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw this.wrap(rel, error);
    }
  }
}

/** The segments of a repository-relative path; anything that could leave the repository is refused. */
function segments(rel: string): string[] {
  if (rel === '') return [];
  const parts = rel.split('/');
  if (rel.startsWith('/') || rel.includes('\\') || rel.includes('\0') || parts.some((p) => p === '' || p === '.' || p === '..')) {
    throw new FsProblem(rel, 'unsafe-path');
  }
  return parts;
}

function kindOf(stats: Stats): EntryKind {
  return stats.isSymbolicLink() ? 'symlink' : stats.isDirectory() ? 'folder' : stats.isFile() ? 'file' : 'special';
}

function specialKind(stats: Stats): string {
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  return 'a special file';
}
