/**
 * Optimistic concurrency for the panel's writes. A page loads a spec file with its revision (the
 * sha256 of the bytes it was made from) and sends it back with every save or canary action; the
 * route compares it with the file on disk under the repository lock, so an edit made meanwhile in
 * an editor (or a `git checkout`) is refused instead of being overwritten without a word.
 */
import { createHash } from 'node:crypto';
import { MAX_FILE_BYTES, type RepositoryFs } from '@tritonops/planner';
import type { Refusal } from '@tritonops/ui/api';
import { ApiError } from './route.ts';

/** The revision of a file's bytes: sha256, hex. */
export const revisionOf = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** The revision of the file as it is on disk now; null when there is no file. */
export function revisionOnDisk(fs: RepositoryFs, rel: string): string | null {
  return fs.kind(rel) === undefined ? null : revisionOf(fs.read(rel, MAX_FILE_BYTES));
}

const REVISION = /^[0-9a-f]{64}$/;

/**
 * The body's `revision`: the revision the page loaded, null for "I expect no file yet", undefined
 * when the request does not say (a script's save: written over whatever is there, as before).
 */
export function requestedRevision(body: unknown): string | null | undefined {
  const value = body && typeof body === 'object' ? (body as Record<string, unknown>).revision : undefined;
  if (value === undefined || value === null || (typeof value === 'string' && REVISION.test(value))) return value;
  throw new ApiError(400, 'the request’s `revision` must be the one the file was loaded with (64 hex digits), or null for a file not written yet');
}

/** The refusal when `rel` is no longer the revision the page loaded (or appeared when it expected none); undefined when it may be written. */
export function changedOnDisk(fs: RepositoryFs, rel: string, expected: string | null | undefined): Refusal | undefined {
  if (expected === undefined || revisionOnDisk(fs, rel) === expected) return undefined;
  return {
    ok: false,
    message: `${rel} changed on disk since this page loaded it; nothing was written`,
    hint: 'reload the page to see the change (your edits are still in the form: copy what you need first)',
    diagnostics: [],
  };
}
