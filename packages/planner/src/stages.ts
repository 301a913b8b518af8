/** The whole front half of the pipeline: load → shape → cross-file checks → plans → capacity. */
import { capacityDiagnostics, planCapacity } from './plan/capacity.ts';
import { checkCallers } from './check/callers.ts';
import { DiagnosticBag, type Diagnostic } from './diagnostics.ts';
import { listEnvironments, loadSpecs, type LoadedEnvironment, type LoadOptions } from './load/read-specs.ts';
import { planEnvironment } from './plan/environment.ts';
import type { EnvironmentPlan } from './plan/types.ts';
import { checkPrometheusStorage, promotionSources } from './check/monitoring.ts';
import { checkPipelines } from './check/pipelines.ts';
import { checkPromotionGate } from './check/promotion-gate.ts';
import { checkPlatformVersions } from './check/platform-versions.ts';
import { RepositoryFs } from './load/repository-fs.ts';
import { checkPromotionChains, checkSafety } from './check/safety.ts';
import { checkEnvironment } from './check/environment.ts';
import { checkSecrets } from './check/secrets.ts';
import type { SourceFile } from './load/source-file.ts';

/** What `planRepository` returns. */
export interface RepositoryPlanResult {
  /** One plan per environment, sorted by name; empty when there are errors. */
  readonly plans: EnvironmentPlan[];
  /** Errors and warnings, sorted by file and position. */
  readonly diagnostics: Diagnostic[];
  /** Whether any diagnostic is an error. */
  readonly hasErrors: boolean;
  /** Every spec file read, by its path, for reporting diagnostics against their text. */
  readonly sources: Map<string, SourceFile>;
  /** The specs as loaded (also when there are errors): what checks outside the planner's own read, e.g. `validate --s3`. */
  readonly environments: LoadedEnvironment[];
}

/**
 * Reads a repository of specs (or the environments in `options.only`), checks them and, when no
 * check failed, plans every environment and checks its GPU capacity. Named for what it returns: the
 * repository's plans (not an npm/Nx workspace).
 */
export function planRepository(options: LoadOptions): RepositoryPlanResult {
  const source = options.source ?? new RepositoryFs(options.root);
  const loaded = loadSpecs({ ...options, source });
  const bag = new DiagnosticBag();
  bag.addAll(loaded.diagnostics);
  const all = listEnvironments(source);
  const gate = { source, ...(options.history ? { history: options.history } : {}), ...(options.gateBase ? { base: options.gateBase } : {}) };
  bag.addAll(checkPromotionChains(loaded.environments));
  const promotedFrom = promotionSources(all, loaded.environments, source);
  for (const env of loaded.environments) {
    bag.addAll(checkEnvironment(env, all));
    bag.addAll(checkSafety(env));
    bag.addAll(checkSecrets(env));
    bag.addAll(checkPipelines(env));
    bag.addAll(checkCallers(env));
    bag.addAll(checkPrometheusStorage(env, promotedFrom));
    bag.addAll(checkPromotionGate(env, loaded.environments, gate));
    bag.addAll(checkPlatformVersions(env, loaded.environments, gate));
  }
  let plans: EnvironmentPlan[] = [];
  if (!bag.hasErrors) {
    plans = loaded.environments.map(planEnvironment);
    // Capacity needs the whole plan (every track's bounds), so it is checked on plans.
    loaded.environments.forEach((env, i) => bag.addAll(capacityDiagnostics(planCapacity(plans[i]!), env.environment!.file)));
  }
  const hasErrors = bag.hasErrors;
  return { plans: hasErrors ? [] : plans, diagnostics: bag.sorted(), hasErrors, sources: loaded.sources, environments: loaded.environments };
}
