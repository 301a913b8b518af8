/** The whole front half of the pipeline: load → shape → cross-file checks → plans. */
import { DiagnosticBag, type Diagnostic } from './diagnostics.ts';
import { listEnvironments, loadSpecs, type LoadOptions } from './load.ts';
import { planEnvironment, type EnvironmentPlan } from './plan.ts';
import { checkEnvironment } from './semantic.ts';
import type { SourceFile } from './source-file.ts';

export interface WorkspaceResult {
  /** One plan per environment, sorted by name; empty when there are errors. */
  readonly plans: EnvironmentPlan[];
  /** Errors and warnings, sorted by file and position. */
  readonly diagnostics: Diagnostic[];
  readonly hasErrors: boolean;
  readonly sources: Map<string, SourceFile>;
}

export function loadWorkspace(options: LoadOptions): WorkspaceResult {
  const loaded = loadSpecs(options);
  const bag = new DiagnosticBag();
  bag.addAll(loaded.diagnostics);
  const all = listEnvironments(options.root);
  for (const env of loaded.environments) bag.addAll(checkEnvironment(env, all));
  const hasErrors = bag.hasErrors;
  return {
    plans: hasErrors ? [] : loaded.environments.map(planEnvironment),
    diagnostics: bag.sorted(),
    hasErrors,
    sources: loaded.sources,
  };
}
