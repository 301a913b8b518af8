/**
 * The plans at a base revision, read from Git objects in memory (never a checkout): what `diff`
 * and `validate --base` compare the working tree with.
 */
import { listEnvironments, planRepository, type Diagnostic, type EnvironmentPlan } from '@tritonops/planner';
import { EXIT, type Io } from './io.ts';
import { fluxPaths } from '@tritonops/charts';
import { committedFile, GitError, GitSpecTree, releaseHistory, resolveBase } from './git.ts';
import { tally } from './report.ts';
import { diffWarning, type DiffWarning } from './diff-warnings.ts';

export interface BasePlans {
  readonly commit: string;
  /** How to name the base to people: the ref as given, and the commit. */
  readonly label: string;
  /** The base's plans by environment; empty when the base's specs do not validate (see `problems`). */
  readonly plans: Map<string, EnvironmentPlan>;
  /** Why the base's specs do not validate, for the output (a reviewer never reads stderr); absent when they do. */
  readonly problems?: DiffWarning;
  /** The base's own warnings (files relative to the root), when its specs validate: `diff` shows which warnings are new. */
  readonly warnings: readonly Diagnostic[];
  /**
   * Environments whose committed render at the base still applies every model with the one
   * `models` Kustomization of earlier versions: the change is their first sync with per-model
   * Kustomizations (see classifyTransitions).
   */
  readonly firstPerModelSync: ReadonlySet<string>;
}

/** Whether the base's committed `models` Kustomization is the live, pruning one of earlier versions. */
function appliesAllModels(root: string, commit: string, env: string): boolean {
  const file = committedFile(root, commit, `${fluxPaths(env).cluster}/models.yaml`, 64 * 1024)?.toString('utf8');
  return file !== undefined && file.includes('kind: Kustomization') && !/^\s+suspend: true$/m.test(file);
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
  const before = loadBase
    ? planRepository({
        root: options.root,
        source: tree,
        displayBase: options.root,
        ...(known.length > 0 ? { only: known } : {}),
        history: releaseHistory(options.root, base.commit),
      })
    : undefined;
  if (before?.hasErrors) {
    io.err(`warning: the specs at ${base.label} do not validate (${tally(before.diagnostics)}); comparing with an empty base (every object shows as added)`);
  }
  const plans = new Map((before && !before.hasErrors ? before.plans : []).map((p) => [p.name, p] as const));
  const firstPerModelSync = new Set([...plans.keys()].filter((env) => appliesAllModels(options.root, base.commit, env)));
  const label = `${base.label} (${base.commit.slice(0, 12)})`;
  return {
    commit: base.commit,
    label,
    plans,
    firstPerModelSync,
    warnings: before && !before.hasErrors ? before.diagnostics.filter((d) => d.severity === 'warning') : [],
    ...(before?.hasErrors ? { problems: diffWarning('base', before.diagnostics, before.sources, label) } : {}),
  };
}
