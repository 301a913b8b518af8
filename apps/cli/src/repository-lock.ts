/**
 * One writer at a time: commands that write specs or flux/ hold `.tritonops-lock` from the moment
 * they read the specs until their last write. Two renders around a spec edit then each write
 * what the specs said when they read them, in order, never a mix of the two.
 *
 * The lock is a file created exclusively (O_EXCL, never through a link) holding the owner's pid
 * and, on Linux, its start time, so that a lock left by a crashed run (or a recycled pid) is
 * recognised as stale and taken over. A second run waits, saying so once, and gives up after
 * TRITONOPS_LOCK_WAIT_SECONDS (10 minutes by default) with its own exit code.
 */
import { closeSync, constants, existsSync, fstatSync, openSync, readFileSync, writeSync } from 'node:fs';
import { FsProblem, RepositoryFs, isOsError } from '@tritonops/planner';
import type { Io } from './io.ts';
import { interruption } from './interruption.ts';

export const LOCK_FILE = '.tritonops-lock';
/** How long a second writer waits for the first before giving up: TRITONOPS_LOCK_WAIT_SECONDS, or 10 minutes. */
function lockWaitMs(): number {
  const text = process.env.TRITONOPS_LOCK_WAIT_SECONDS;
  const seconds = text ? Number(text) : Number.NaN;
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : 10 * 60 * 1000;
}
const POLL_MS = 100;

/** Another run holds the lock for longer than we wait. */
export class LockBusy extends Error {
  constructor(
    readonly holder: string,
    /** Given up because of a signal, not the timeout. */
    readonly interrupted = false,
  ) {
    super(`another tritonops run (${holder}) is writing this repository`);
  }
}

const HAS_PROC = existsSync('/proc/self/stat');

/** A process's identity: its pid and, where /proc tells, its start time (a recycled pid has another); undefined when it is not running. */
function identity(pid: number): string | undefined {
  if (HAS_PROC) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Field 22 (start time), counted after the command name, which may hold spaces.
      return `${pid} ${stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]}`;
    } catch {
      return undefined;
    }
  }
  try {
    process.kill(pid, 0);
    return String(pid);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? String(pid) : undefined;
  }
}

const held = new Map<string, number>();

/**
 * Runs `work` holding the repository's lock. Re-entrant within a process (promote renders while
 * holding it). `optional`: where the lock cannot be created at all (a read-only checkout), run
 * without it — for commands that only read.
 */
export async function withRepositoryLock<T>(root: string, io: Io, work: () => Promise<T>, options: { optional?: boolean; waitMs?: number } = {}): Promise<T> {
  const fs = new RepositoryFs(root);
  const key = fs.root;
  if (held.has(key)) {
    held.set(key, held.get(key)! + 1);
    try {
      return await work();
    } finally {
      held.set(key, held.get(key)! - 1);
    }
  }
  const me = identity(process.pid) ?? String(process.pid);
  const deadline = Date.now() + (options.waitMs ?? lockWaitMs());
  let told = false;
  let acquired = false;
  for (;;) {
    const result = tryLock(fs, me);
    if (result === 'acquired') {
      acquired = true;
      break;
    }
    if (result === 'unavailable') {
      if (options.optional) break;
      throw new FsProblem(LOCK_FILE, 'os-error', 'EROFS');
    }
    if (Date.now() > deadline) throw new LockBusy(result);
    // Ctrl-C while waiting stops the wait: nothing was read or written yet.
    if (interruption.signal) throw new LockBusy(result, true);
    if (!told) {
      io.err(`waiting: another tritonops run (${result}) is writing this repository`);
      told = true;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  held.set(key, 1);
  try {
    return await work();
  } finally {
    held.delete(key);
    if (acquired) release(fs, me);
  }
}

/** 'acquired', 'unavailable' (cannot create files here), or the live holder's identity. */
function tryLock(fs: RepositoryFs, me: string): 'acquired' | 'unavailable' | string {
  const path = fs.absolute(LOCK_FILE);
  try {
    const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
    try {
      writeSync(fd, `${me}\n`);
    } catch (error) {
      // A full disk can create the file but not fill it: leave no empty lock behind.
      closeSync(fd);
      fs.remove(LOCK_FILE);
      throw fs.wrap(LOCK_FILE, error);
    }
    closeSync(fd);
    return 'acquired';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM') return 'unavailable';
    if (code !== 'EEXIST') throw fs.wrap(LOCK_FILE, error);
  }
  // Someone's lock, or a leftover: a link or anything but a regular file is refused outright.
  const kind = fs.kind(LOCK_FILE);
  if (kind === undefined) return tryLock(fs, me);
  if (kind !== 'file') throw new FsProblem(LOCK_FILE, kind === 'symlink' ? 'symlink' : kind === 'folder' ? 'not-a-file' : 'special-file');
  const { holder, inode } = readHolder(fs);
  if (holder !== undefined && identity(Number(holder.split(' ')[0])) === holder) return holder;
  // Stale: remove it only if it is still the same file (another waiter may have replaced it).
  if (readHolder(fs).inode === inode) fs.remove(LOCK_FILE);
  return tryLock(fs, me);
}

function readHolder(fs: RepositoryFs): { holder?: string; inode?: number } {
  try {
    const fd = openSync(fs.absolute(LOCK_FILE), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    try {
      const inode = fstatSync(fd).ino;
      const text = fs.read(LOCK_FILE, 256).toString('utf8').trim();
      return { ...(/^\d+( \d+)?$/.test(text) ? { holder: text } : {}), inode };
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    if (isOsError(error) && error.code === 'ENOENT') return {};
    throw fs.wrap(LOCK_FILE, error);
  }
}

function release(fs: RepositoryFs, me: string): void {
  try {
    if (readHolder(fs).holder === me) fs.remove(LOCK_FILE);
  } catch {
    // a lock we cannot remove is stale once this process is gone
  }
}
