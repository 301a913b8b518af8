/**
 * The spec language's public surface: only what other projects (planner, CLI, test/) and this
 * package's scripts and tests import. Add a name here when another project needs it.
 */
export {
  DNS_LABEL_PATTERN,
  ENV_NAME_PATTERN,
  LABEL_KEY_PATTERN,
  LABEL_VALUE_PATTERN,
  MODEL_NAME_MAX,
  QUANTITY_PATTERN,
  SECRET_KEY_PATTERN,
  SECRET_NAME_PATTERN,
} from './schema/common.ts';
export type { Datatype, SignatureSpec, TensorSpec } from './schema/tensor.ts';
export {
  AGE_RECIPIENT_PATTERN,
  type Environment,
  EnvironmentSchema,
  EnvironmentSpec,
  type GpuPool,
  type MonitoringSpec,
  SECRET_DELIVERIES,
  type SecretsSpec,
} from './schema/environment.ts';
export {
  type AuthSpec,
  type AutoscalingSpec,
  type CallersSpec,
  type CanarySpec,
  type Model,
  ModelSchema,
  MODEL_PROMOTED_FIELDS,
  MODEL_TARGET_FIELDS,
  type ModelSpec,
  RELEASE_FIELDS,
  type SecretEnvSpec,
  S3_DOWNLOAD_EPHEMERAL_STORAGE,
} from './schema/model.ts';
export {
  CHART_VERSION_PATTERN,
  GPU_OPERATOR_VERSION_PATTERN,
  PLATFORM_CHART_DEFAULTS,
  type PlatformChart,
  type PlatformChartsSpec,
} from './schema/platform.ts';
export { type Pipeline, PIPELINE_PROMOTED_FIELDS, PIPELINE_TARGET_FIELDS, PipelineSchema } from './schema/pipeline.ts';
export { schemaFileText, SCHEMAS } from './schema/emit.ts';
export { EXAMPLE_ENVIRONMENT, EXAMPLE_MODEL, EXAMPLE_PIPELINE, REFERENCE_KINDS, referenceDoc } from './schema/reference-doc.ts';
