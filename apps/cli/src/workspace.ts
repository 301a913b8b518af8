/**
 * The specs of the working tree as every command reads them: confined to the repository, with the
 * promotion gate comparing against the base branch (the merge base of HEAD with origin/main or
 * main, or `gateRef`) and its Git history. Outside Git the gate compares with the working tree.
 */
import { planRepository, type LoadOptions, type RepositoryPlanResult } from '@tritonops/planner';
import type { Io } from './io.ts';
import { gateBase, releaseHistory } from './git.ts';

export interface WorkspaceOptions extends Omit<LoadOptions, 'root' | 'displayBase' | 'history' | 'source' | 'gateBase'> {
  /** The ref the promotion gate compares with (`validate --base`); the merge base with main when absent. */
  readonly gateRef?: string;
}

export interface WorkspaceResult extends RepositoryPlanResult {
  /** What the promotion gate compared with: the base's label, or why it used the working tree. */
  readonly gate: { readonly base: string } | { readonly workingTree: string };
}

export function loadRepository(root: string, io: Io, options: WorkspaceOptions = {}): WorkspaceResult {
  const { gateRef, ...load } = options;
  const base = gateBase(root, gateRef);
  const result = planRepository({
    ...load,
    root,
    displayBase: io.cwd,
    history: releaseHistory(root),
    ...(base && !('missing' in base) ? { gateBase: base } : {}),
  });
  const gate = !base ? { workingTree: 'not the top of a Git repository' } : 'missing' in base ? { workingTree: base.missing } : { base: base.label };
  return { ...result, gate };
}
