/** The specs of the working tree as every command reads them: confined to the repository, with Git history for the promotion gate. */
import { planRepository, type LoadOptions, type RepositoryPlanResult } from '@tritonops/planner';
import type { Io } from './io.ts';
import { releaseHistory } from './git.ts';

export function loadRepository(root: string, io: Io, options: Omit<LoadOptions, 'root' | 'displayBase' | 'history' | 'source'> = {}): RepositoryPlanResult {
  return planRepository({ ...options, root, displayBase: io.cwd, history: releaseHistory(root) });
}
