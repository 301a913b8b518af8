/**
 * The spec language's public surface: only what other projects (planner, CLI, test/) and this
 * package's scripts and tests import. Add a name here when another project needs it.
 */
export { DNS_LABEL_PATTERN, MODEL_NAME_MAX, QUANTITY_PATTERN } from './schema/common.ts';
export type { Datatype, SignatureSpec, TensorSpec } from './schema/tensor.ts';
export { type Environment, EnvironmentSchema, EnvironmentSpec, type GpuPool, type MonitoringSpec } from './schema/environment.ts';
export {
  type AuthSpec,
  type AutoscalingSpec,
  type CallersSpec,
  type CanarySpec,
  type Model,
  ModelSchema,
  type ModelSpec,
  RELEASE_FIELDS,
  S3_DOWNLOAD_EPHEMERAL_STORAGE,
} from './schema/model.ts';
export { type Pipeline, PipelineSchema } from './schema/pipeline.ts';
export { schemaFileText, SCHEMAS } from './schema/emit.ts';
export { EXAMPLE_ENVIRONMENT, EXAMPLE_MODEL, referenceDoc } from './schema/reference-doc.ts';
