/** The whole front half of the pipeline: load → shape → cross-file checks → plans → capacity. */
import { capacityDiagnostics, planCapacity } from './plan/capacity.ts';
import { checkCallers } from './check/callers.ts';
import { DiagnosticBag, type Diagnostic } from './diagnostics.ts';
import { listEnvironments, loadSpecs, type LoadOptions } from './load/read-specs.ts';
import { planEnvironment, type EnvironmentPlan } from './plan/environment.ts';
import { checkPrometheusStorage, promotionSources } from './check/monitoring.ts';
import { checkPipelines } from './check/pipelines.ts';
import { checkPromotionGate } from './check/promotion-gate.ts';
import { RepositoryFs } from './load/repository-fs.ts';
import { checkPromotionChains, checkSafety } from './check/safety.ts';
import { checkEnvironment } from './check/environment.ts';
import type { SourceFile } from './load/source-file.ts';

export interface WorkspaceResult {
  /** One plan per environment, sorted by name; empty when there are errors. */
  readonly plans: EnvironmentPlan[];
  /** Errors and warnings, sorted by file and position. */
  readonly diagnostics: Diagnostic[];
  readonly hasErrors: boolean;
  readonly sources: Map<string, SourceFile>;
}

export function loadWorkspace(options: LoadOptions): WorkspaceResult {
  const source = options.source ?? new RepositoryFs(options.root);
  const loaded = loadSpecs({ ...options, source });
  const bag = new DiagnosticBag();
  bag.addAll(loaded.diagnostics);
  const all = listEnvironments(source);
  const gate = { source, ...(options.history ? { history: options.history } : {}) };
  bag.addAll(checkPromotionChains(loaded.environments));
  const promotedFrom = promotionSources(all, loaded.environments, source);
  for (const env of loaded.environments) {
    bag.addAll(checkEnvironment(env, all));
    bag.addAll(checkSafety(env));
    bag.addAll(checkPipelines(env));
    bag.addAll(checkCallers(env));
    bag.addAll(checkPrometheusStorage(env, promotedFrom));
    bag.addAll(checkPromotionGate(env, loaded.environments, gate));
  }
  let plans: EnvironmentPlan[] = [];
  if (!bag.hasErrors) {
    plans = loaded.environments.map(planEnvironment);
    // Capacity needs the whole plan (every track's bounds), so it is checked on plans.
    loaded.environments.forEach((env, i) => bag.addAll(capacityDiagnostics(planCapacity(plans[i]!), env.environment!.file)));
  }
  const hasErrors = bag.hasErrors;
  return { plans: hasErrors ? [] : plans, diagnostics: bag.sorted(), hasErrors, sources: loaded.sources };
}
