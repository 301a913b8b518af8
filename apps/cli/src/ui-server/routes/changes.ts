/**
 * The Changes page's API. GET /api/changes is `tritonops diff` against the default base, run
 * in-process: its JSON, and its text built from the same report by diff's own `formatText` (one
 * comparison, not two). POST /api/commit commits the spec changes on a new branch: it renders
 * first with `synthCommand` itself, so that flux/ is exactly what the specs render (a hand edit
 * under flux/ is overwritten, never committed), then stages, file by file, only the model and
 * pipeline specs and the rendered files — and refuses when anything else under environments/ or
 * flux/ changed. It never pushes: it answers with the commands to push and to open the pull request.
 */
import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import { ENVIRONMENTS_DIR } from '@tritonops/planner';
import type { ChangesResponse, CommitResponse, Refusal } from '@tritonops/ui/api';
import { diffCommand, formatText } from '../../commands/diff.ts';
import { synthCommand } from '../../commands/synth.ts';
import { REFUSED_NOTE, UNRENDERED_NOTE, type EnvironmentDiff } from '../../diff-comment.ts';
import { moreDiagnostics, warningHeadline, type DiffWarning } from '../../diff-warnings.ts';
import {
  baseStamp,
  commitOnNewBranch,
  currentBranch,
  GitError,
  gitPlacement,
  newBranchProblem,
  originUrl,
  unrenderedChanges,
  workingTreeStatus,
  type UnrenderedChange,
} from '../../git.ts';
import { isRendered, OUTPUT_DIR } from '../../output-tree.ts';
import { LOCK_FILE } from '../../repository-lock.ts';
import { tally } from '../../report.ts';
import { toApiDiagnostics } from '../api-diagnostics.ts';
import { capture, withPanelLock } from '../in-process.ts';
import type { PanelLoad, PanelState } from '../panel-state.ts';
import { field, type Route } from '../route.ts';

/** What `diff --format json` prints, in the CLI's own types (so the API types are checked against them below). */
interface DiffJson {
  readonly base: { readonly ref: string; readonly commit: string };
  readonly changes: boolean;
  readonly refused: boolean;
  readonly warnings: readonly DiffWarning[];
  readonly unrendered: readonly UnrenderedChange[];
  readonly environments: readonly EnvironmentDiff[];
}

/**
 * The last answer, while nothing it depends on moved: the specs as loaded (PanelState keeps one
 * load until a spec file changes), HEAD and the base, and what `git status` says of environments/
 * and flux/ (a render, a hand edit). `diff` renders both sides, seconds on a large fleet: a
 * revisit of the page should not pay that again.
 */
const statOf = (root: string, path: string): string => {
  try {
    const s = lstatSync(join(root, path));
    return `${s.size} ${s.mtimeMs}`;
  } catch {
    return 'gone';
  }
};

const answers = new WeakMap<PanelLoad, { readonly stamp: string; readonly answer: ChangesResponse }>();

async function cachedChanges(state: PanelState): Promise<ChangesResponse> {
  const load = state.current();
  const inGit = gitPlacement(state.root) === 'top';
  // Outside Git there is no base to compare with, and nothing to stamp: always asked afresh.
  // A file already changed that changes again keeps its status line: its size and time tell.
  const changed = inGit ? workingTreeStatus(state.root, [ENVIRONMENTS_DIR, OUTPUT_DIR]).map((e) => `${e.path} ${e.staged} ${statOf(state.root, e.path)}`) : [];
  const stamp = inGit ? `${baseStamp(state.root, state.base)}\n${currentBranch(state.root) ?? ''}\n${changed.join('\n')}` : undefined;
  const known = answers.get(load);
  if (stamp !== undefined && known?.stamp === stamp) return known.answer;
  const answer = await changes(state);
  if (stamp !== undefined) answers.set(load, { stamp, answer });
  return answer;
}

async function changes(state: PanelState): Promise<ChangesResponse> {
  const { root } = state;
  const run = await capture(root, (io) => diffCommand({ root, format: 'json', ...(state.base !== undefined ? { base: state.base } : {}) }, io));
  // diff prints its JSON whenever it compared (exit 0, 3, or 1 for a refused change); nothing when it could not.
  const json = run.stdout.startsWith('{') ? (JSON.parse(run.stdout) as DiffJson) : undefined;
  const inGit = gitPlacement(root) === 'top';
  const branch = inGit ? currentBranch(root) : undefined;
  const common = {
    stderr: run.stderr,
    changedSpecs: inGit
      ? workingTreeStatus(root, [ENVIRONMENTS_DIR])
          .map((e) => e.path)
          .filter((path) => SPEC_FILE.test(path))
      : [],
    ...(branch !== undefined ? { branch } : {}),
  };
  if (!json) return { ok: false, text: '', ...common };
  return {
    ok: true,
    diff: json,
    text: formatText({ diffs: json.environments, unrendered: json.unrendered, warnings: json.warnings }, json.base.ref),
    notices: {
      ...(json.refused ? { refused: REFUSED_NOTE } : {}),
      // New warnings first, as diff prints them: those the base has too are not this change's doing.
      warnings: [...json.warnings.filter((w) => w.new), ...json.warnings.filter((w) => !w.new)].map((w) => {
        const more = moreDiagnostics(w);
        return { headline: warningHeadline(w, (revision) => revision), diagnostics: w.diagnostics, new: w.new, ...(more ? { more } : {}) };
      }),
      ...(json.unrendered.length > 0 ? { unrendered: UNRENDERED_NOTE } : {}),
    },
    ...common,
  };
}

/**
 * Where a model or pipeline spec may be: the only files under environments/ the panel writes, and
 * so the only ones it commits — named as the loader reads them (an environment folder named like
 * one, no dot-file: an editor's swap or lock file is never a spec).
 */
const SPEC_FILE = /^environments\/[a-z][-a-z0-9]*\/(models|pipelines)\/[^/.][^/]*\.ya?ml$/;

/** Modes of regular files: a link or a submodule is never committed by the panel. */
const FILE_MODES = new Set(['100644', '100755']);

/** `a, b, c, and 4 more`. */
const someOf = (paths: readonly string[]) => `${paths.slice(0, 5).join(', ')}${paths.length > 5 ? `, and ${paths.length - 5} more` : ''}`;

/** The changed paths under environments/ that are not model or pipeline specs, sorted. */
const notSpecs = (changed: readonly string[]) => changed.filter((path) => path.startsWith(`${ENVIRONMENTS_DIR}/`) && !SPEC_FILE.test(path)).sort();

const notSpecsRefusal = (others: readonly string[]): Refusal =>
  refusal(
    `${ENVIRONMENTS_DIR}/ has changes that are not model or pipeline specs (${someOf(others)}); nothing was committed`,
    'the panel commits only the specs it edits and their render: commit those changes yourself with git (they deserve a review of their own), or revert them, then try again',
  );

const refusal = (message: string, hint?: string, diagnostics: Refusal['diagnostics'] = []): Refusal => ({
  ok: false,
  message,
  ...(hint !== undefined ? { hint } : {}),
  diagnostics,
});

/** A branch name as a shell word: Git allows `;`, `$` or quotes in one, and the command is meant to be pasted. */
const shellWord = (word: string) => (/^[\w./@+-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`);

/** The host of a remote URL, `https://host/…`, `ssh://user@host:port/…` or scp-like `user@host:path`. */
function remoteHost(url: string): string | undefined {
  return (/^[a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?([^/:]+)/i.exec(url) ?? /^(?:[^@/]+@)?([^:/]+):/.exec(url))?.[1]?.toLowerCase();
}

/** The command that opens the pull (merge) request on the origin's host, and what to do next, in words. */
function nextSteps(root: string, branch: string): { pullRequest?: string; next: string } {
  const host = remoteHost(originUrl(root) ?? '') ?? '';
  const name = shellWord(branch);
  if (host.includes('github'))
    return { pullRequest: `gh pr create --fill --head ${name}`, next: 'Nothing was pushed: push the branch, then open the pull request (GitHub CLI).' };
  if (host.includes('gitlab'))
    return {
      pullRequest: `glab mr create --fill --source-branch ${name}`,
      next: 'Nothing was pushed: push the branch, then open the merge request (GitLab CLI).',
    };
  return { next: 'Nothing was pushed: push the branch, then open a pull request on your Git host.' };
}

async function commit(state: PanelState, body: unknown): Promise<CommitResponse> {
  const branch = field<string>(body, 'branch', 'string');
  const message = field<string>(body, 'message', 'string');
  const { root } = state;
  const placement = gitPlacement(root);
  if (placement === 'none')
    return refusal(`${root} is not a Git repository; nothing was committed`, 'the panel commits on a new branch of a Git clone: run it in one');
  if (placement === 'inside')
    return refusal(`${root} is not the top of its Git repository; nothing was committed`, 'open the panel with --root at the top of the repository');
  if (message.trim() === '')
    return refusal('the commit message is empty; nothing was committed', "write what the change does: its first line is the pull request's title");
  const branchProblem = newBranchProblem(root, branch);
  if (branchProblem)
    return refusal(
      `${branchProblem}; nothing was committed`,
      'the panel commits on a new branch: pick a name no branch has, e.g. tritonops/dev-whisper-canary',
    );
  return withPanelLock(root, async (): Promise<CommitResponse> => {
    const staged = workingTreeStatus(root).filter((e) => e.staged);
    if (staged.length > 0) {
      return refusal(
        `the index already has staged changes (${someOf(staged.map((e) => e.path))}); nothing was committed`,
        'the panel commits only what it renders: commit or unstage them first (git restore --staged <file>), then try again',
      );
    }
    // Only model and pipeline specs: environment.yaml, Secrets, notes or editor files under
    // environments/ are someone's hand edits, which the panel neither writes nor commits.
    const early = notSpecs(workingTreeStatus(root, [ENVIRONMENTS_DIR]).map((e) => e.path));
    if (early.length > 0) return notSpecsRefusal(early);
    const load = state.current();
    if (load.hasErrors)
      return refusal(
        `the specs do not validate (${tally(load.diagnostics)}); nothing was committed`,
        'fix the errors first: the panel commits only specs that render',
        toApiDiagnostics(load.diagnostics, load.sources),
      );
    // The render first: flux/ is committed exactly as the specs render it, hand edits included in nothing.
    const synth = await capture(root, (io) => synthCommand({ root, check: false }, io));
    if (synth.exitCode !== 0) return refusal(synth.stderr || `synth failed (exit ${synth.exitCode}); nothing was committed`);
    // A change `diff` refuses (two steps in one) would fail the pull request's checks: not committed.
    // Nor is one diff could not judge (no base to compare with): the panel commits what it checked.
    const diff = await capture(root, (io) => diffCommand({ root, format: 'json', ...(state.base !== undefined ? { base: state.base } : {}) }, io));
    const report = diff.stdout.startsWith('{') ? (JSON.parse(diff.stdout) as DiffJson) : undefined;
    if (!report)
      return refusal(
        `tritonops diff could not compare the change with its base; nothing was committed`,
        diff.stderr || 'pass the base with `tritonops ui --base <git-ref>`',
      );
    if (report.refused) {
      const steps = report.environments.flatMap((e) =>
        e.transitions.filter((t) => t.class === 'two-steps').map((t) => `${e.environment}: ${t.subject}: ${t.step}`),
      );
      return refusal(`${REFUSED_NOTE}; nothing was committed`, steps.join('\n'));
    }
    // One list of what changed, taken after the render, and checked as a whole: specs and rendered files only.
    const changed = workingTreeStatus(root, [ENVIRONMENTS_DIR, OUTPUT_DIR]).map((e) => e.path);
    if (changed.length === 0)
      return refusal(
        `nothing to commit: ${ENVIRONMENTS_DIR}/ and ${OUTPUT_DIR}/ are as HEAD has them`,
        'edit a spec first (the Fleet, model and pipeline pages)',
      );
    const others = notSpecs(changed);
    if (others.length > 0) return notSpecsRefusal(others);
    // A file under flux/ that tritonops did not render (a hand-written manifest outside the
    // environments' folders survives a render) is never committed by the panel.
    const unrendered = unrenderedChanges(root, 'HEAD', isRendered).map((u) => u.path);
    if (unrendered.length > 0) {
      return refusal(
        `${OUTPUT_DIR}/ has changes tritonops did not render (${someOf(unrendered)}); nothing was committed`,
        `what Flux applies comes from the specs: remove those files (or commit them yourself with git, for a review of their own), then try again; ${OUTPUT_DIR}/ keeps the render`,
      );
    }
    let done: { commit: string; files: string[] };
    try {
      // What is committed is what was staged, checked again as staged: nothing that appeared
      // since the list was taken, no link, and under flux/ only rendered files.
      done = commitOnNewBranch(root, branch, changed, message.endsWith('\n') ? message : `${message}\n`, (staged) => {
        const unexpected = staged.filter(
          (e) =>
            !changed.includes(e.path) ||
            (e.content !== undefined && !FILE_MODES.has(e.mode)) ||
            (e.path.startsWith(`${OUTPUT_DIR}/`) && e.content !== undefined && !isRendered(e.content)),
        );
        if (unexpected.length > 0) throw new GitError(`the staged files changed while the panel checked them (${someOf(unexpected.map((e) => e.path))})`);
      });
    } catch (error) {
      if (!(error instanceof GitError)) throw error;
      return refusal(
        `git could not commit: ${error.message}; nothing was committed`,
        `HEAD, the index and the branches are as they were; ${OUTPUT_DIR}/ keeps the render`,
      );
    } finally {
      state.invalidate();
    }
    const uncommitted = workingTreeStatus(root)
      .map((e) => e.path)
      .filter((path) => path !== LOCK_FILE);
    return {
      ok: true,
      branch,
      commit: done.commit,
      files: done.files,
      push: `git push -u origin ${shellWord(branch)}`,
      ...nextSteps(root, branch),
      uncommitted,
    };
  });
}

export const routes: Route[] = [
  { method: 'GET', path: '/api/changes', handle: ({ state }) => cachedChanges(state) },
  { method: 'POST', path: '/api/commit', handle: ({ state, body }) => commit(state, body) },
];
