/**
 * The plans at a base revision, read from Git objects in memory (never a checkout): what `diff`
 * and `validate --base` compare the working tree with.
 */
import { listEnvironments, loadWorkspace, type EnvironmentPlan } from '@tritonops/spec';
import { EXIT, type Io } from './cli.ts';
import { fileHistory, GitError, GitSpecTree, resolveBase } from './git.ts';
import { tally } from './report.ts';

export interface BasePlans {
  readonly commit: string;
  /** How to name the base to people: the ref as given, and the commit. */
  readonly label: string;
  /** The base's plans by environment; empty when the base's specs do not validate (said on stderr). */
  readonly plans: Map<string, EnvironmentPlan>;
}

/** The base's plans, or the exit code after saying why there are none. */
export function loadBasePlans(options: { root: string; base?: string; envs?: string[] }, io: Io): BasePlans | number {
  let base: { commit: string; label: string };
  let tree: GitSpecTree;
  try {
    base = resolveBase(options.root, options.base);
    tree = new GitSpecTree(options.root, base.commit);
  } catch (error) {
    io.err(`error: ${(error as Error).message}`);
    return error instanceof GitError ? EXIT.usage : EXIT.internal;
  }
  const known = listEnvironments(tree).filter((e) => !options.envs || options.envs.includes(e));
  // With no environment of its own, a base that holds environments/ (as a link, say) is still loaded, to be reported.
  const loadBase = known.length > 0 || (tree.exists && !options.envs);
  const before = loadBase ? loadWorkspace({ root: options.root, source: tree, displayBase: options.root, ...(known.length > 0 ? { only: known } : {}), history: fileHistory(options.root, base.commit) }) : undefined;
  if (before?.hasErrors) {
    io.err(`warning: the specs at ${base.label} do not validate (${tally(before.diagnostics)}); comparing with an empty base (every object shows as added)`);
  }
  return { commit: base.commit, label: `${base.label} (${base.commit.slice(0, 12)})`, plans: new Map((before && !before.hasErrors ? before.plans : []).map((p) => [p.name, p] as const)) };
}
