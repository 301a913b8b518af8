/**
 * The charts' public surface: only what other projects (the CLI, test/) and this package's tests
 * import. Add a name here when another project needs it.
 */
export { MODEL_LABEL, TRACK_LABEL } from './labels.ts';
export { RENDERED_HEADER, type RenderedFile } from './serialize.ts';
export { toYaml } from './yaml-emitter.ts';
export { COMPLETE_MARKER, MODEL_SYNC_SCRIPT } from './sfs-cache.ts';
export { CHART_VERSIONS } from './flux/chart-versions.ts';
export { environmentOf, fluxPaths } from './flux/cluster-sync.ts';
export { QUEUE_TIME_QUERY, SUCCESS_RATE_QUERY } from './flagger.ts';
export { PROM_APP_LABEL, PROM_MODEL_LABEL, PROM_TRACK_LABEL } from './promql.ts';
export { pipelineRepository } from './pipeline-server.ts';
export { environmentFiles, environmentRoots, renderAll, renderEnvironment } from './render.ts';
export { classifyTransitions, type Transition, type TransitionOptions } from './transitions.ts';
