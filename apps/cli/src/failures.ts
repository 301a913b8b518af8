/**
 * What the repository or the machine refused, as opposed to what the specs got wrong: a link or
 * special file where tritonops reads or writes, a read-only tree, a full disk, a folder it may not
 * read, a lock held by another run. Each is reported with its path and what to do, with an exit
 * code of its own, and says truthfully whether anything was changed.
 */
import { join, relative, sep } from 'node:path';
import { formatDiagnostic, FsProblem, type Diagnostic } from '@tritonops/planner';
import { EXIT, type Io } from './io.ts';
import { ForeignFiles, ForeignJournal, OUTPUT_DIR, SwapFailed, TreeProblems } from './output-tree.ts';
import { LockBusy, LOCK_FILE } from './repository-lock.ts';

/** Something in the repository that tritonops refuses to use (not an OS error). */
export class Refusal extends Error {
  constructor(
    /** Repository-relative path. */
    readonly path: string,
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

const HINTS: Record<string, string> = {
  symlink: 'replace the link with the file or folder itself: tritonops never follows links, so a checkout cannot make it read or write outside the repository',
  'special-file': 'remove it: tritonops reads and writes only regular files and folders',
  'hard-link': 'replace it with a copy of its own (cp, not ln)',
  'not-a-file': 'move the folder out of the way',
  'not-a-folder': 'move the file out of the way',
  'too-large': 'remove it, or keep large files outside flux/',
  'unsafe-path': 'use a path inside the repository',
};

function osHint(code: string): string {
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return 'free some space on the disk and run the command again';
    case 'EROFS':
      return 'the file system is mounted read-only; run tritonops where the repository can be written';
    case 'EACCES':
    case 'EPERM':
      return 'check the permissions: tritonops needs to read and write the repository it runs in';
    case 'EXDEV':
      return 'keep flux/ and the repository on one file system: folders are swapped in with rename(2)';
    default:
      return 'fix the cause and run the command again';
  }
}

/**
 * Prints `error` if it is a refusal of the repository or the machine, and returns its exit code;
 * undefined for anything else (a bug, reported by main.ts as such).
 */
export function reportFailure(io: Io, root: string, error: unknown): number | undefined {
  const shown = (path: string) =>
    relative(io.cwd, join(root, ...path.split('/')))
      .split(sep)
      .join('/') || '.';
  const print = (path: string, message: string, hint: string) => {
    const d: Diagnostic = { severity: 'error', code: 'refused', file: shown(path), line: 1, col: 1, length: 1, message, hint };
    io.err(formatDiagnostic(d).replace(/^(.*?):1:1: /, '$1: '));
  };
  const problem = (p: FsProblem) => {
    print(p.path, p.reason, p.kind === 'os-error' ? osHint(String(p.detail)) : (HINTS[p.kind] ?? ''));
  };
  if (error instanceof LockBusy) {
    if (error.interrupted) {
      io.err(`interrupted while waiting for another tritonops run (${error.holder}); nothing was changed`);
      return EXIT.problems;
    }
    print(LOCK_FILE, error.message, `wait for it to finish and run the command again; if no tritonops is running, delete ${LOCK_FILE}`);
    return EXIT.busy;
  }
  if (error instanceof SwapFailed) {
    if (error.problem instanceof FsProblem) problem(error.problem);
    else io.err(`error: ${String(error.problem)}`);
    if (error.rolledBack) {
      io.err(`Every folder was put back: ${OUTPUT_DIR}/ is as it was before this run.`);
    } else {
      io.err(
        `Some folders of ${OUTPUT_DIR}/ could not be put back (${error.rollbackProblem instanceof Error ? error.rollbackProblem.message : String(error.rollbackProblem)}).\n` +
          `Run tritonops synth again once the cause is fixed: it puts them back from ${error.staging}/ first.`,
      );
    }
    return EXIT.io;
  }
  if (error instanceof TreeProblems) {
    for (const p of error.problems) problem(p);
    io.err(`${OUTPUT_DIR}/ holds entries tritonops will not read or replace; nothing was changed`);
    return EXIT.problems;
  }
  if (error instanceof ForeignFiles) {
    for (const path of error.paths) {
      const folder = /^flux\/[^/]+\/[^/]+/.exec(path)?.[0] ?? OUTPUT_DIR;
      print(
        path,
        `this file was not rendered by tritonops, yet Flux applies everything in ${folder}/`,
        `delete it, or move it out of ${folder}/: what runs in the cluster comes from the specs (give \`flux bootstrap\` a path of its own, e.g. flux/bootstrap/<env>)`,
      );
    }
    io.err(`${OUTPUT_DIR}/ holds files no spec renders where Flux applies them; nothing was changed`);
    return EXIT.problems;
  }
  if (error instanceof ForeignJournal) {
    print(
      `${error.staging}/swap.json`,
      'this is not the journal of a swap tritonops started: it names folders outside flux/',
      `look at it, then delete ${error.staging}/; nothing was changed`,
    );
    return EXIT.problems;
  }
  if (error instanceof Refusal) {
    print(error.path, error.message, error.hint);
    return EXIT.problems;
  }
  if (error instanceof FsProblem) {
    problem(error);
    io.err('Nothing was changed.');
    return error.kind === 'os-error' ? EXIT.io : EXIT.problems;
  }
  return undefined;
}
