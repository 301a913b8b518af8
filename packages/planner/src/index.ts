/**
 * The planner's public surface: only what other projects (charts, the CLI, test/) and its own
 * tests import. Modules of this package import each other by relative path; add a name here when
 * another project needs it.
 */
export { compareStrings, type Diagnostic, formatDiagnostic } from './diagnostics.ts';
export { didYouMeanHint } from './did-you-mean.ts';
export { type CheckedContent, MAX_FILE_BYTES, SourceFile } from './load/source-file.ts';
export { type FolderEntry, FsProblem, isOsError, RepositoryFs } from './load/repository-fs.ts';
export { type CharacterNamer, escapeHidden, needsReveal } from './load/reveal.ts';
export {
  ENVIRONMENTS_DIR,
  listEnvironments,
  type LoadOptions,
  MODELS_DIR,
  PIPELINES_DIR,
  type GateBase,
  type ReleaseHistory,
  type SpecCache,
  specFileNames,
  specNameOf,
  type SpecSource,
} from './load/read-specs.ts';
export { own } from './values/records.ts';
export { parseQuantity } from './values/quantity.ts';
export { PLATFORM_NAMESPACES } from './check/platform-namespaces.ts';
export { compareVersions } from './check/platform-versions.ts';
export { PROMOTION_OVERRIDE, releasesOf } from './check/promotion-gate.ts';
export { TRIGGER_METRIC_TYPES } from './check/autoscaling.ts';
export { kubernetesExpansion } from './check/safety.ts';
export { SOPS_KEY_SECRET } from './check/secrets.ts';
export { SECRETS_DIR, SOPS_CIPHERTEXT, type SopsValue } from './load/sops-secrets.ts';
export { retentionSizeFits, retentionSizeFor } from './check/monitoring.ts';
export { environmentCore, isProduction } from './plan/environment.ts';
export type {
  AutoscalingPlan,
  EnvironmentCore,
  EnvironmentPlan,
  GatewayPlan,
  JwtPlan,
  ModelCachePlan,
  ModelPlan,
  PipelinePlan,
  ReleasePlan,
  SecretKeyRefPlan,
  SecretsPlan,
  SfsPlan,
  SopsSecretPlan,
  TracingPlan,
  TrackName,
  TrackPlan,
  TriggersPlan,
} from './plan/types.ts';
export { formatCapacityMarkdown, formatCapacityTable, planCapacity } from './plan/capacity.ts';
export type { GraphStep, TensorRef, TypedTensor } from './plan/pipeline-graph.ts';
export { resolvePipeline } from './plan/pipeline-graph.ts';
export { pipelineDot, pipelineMermaid } from './plan/pipeline-diagram.ts';
export { changedPipelines, changeNotes, summarizeChange, type SummaryItem } from './plan/diff.ts';
export { copyRelease, dropSpecComments, type EditResult, promoteCanary, removeCanary, removeEntry, setCanaryWeight, startCanary } from './edit/spec-edit.ts';
export { patchYaml, type PatchResult } from './edit/yaml-patch.ts';
export { newModelText, newPipelineText } from './edit/spec-text.ts';
export { planRepository, type RepositoryPlanResult } from './stages.ts';
export { parseTextFormat, type TextField, type TextParse, type TextValue } from './triton/text-format.ts';
export {
  backendOf,
  type ConfigRead,
  type ConfigTensor,
  fullShape,
  type FieldDecl,
  type InstanceGroup,
  type MessageDecl,
  MODEL_CONFIG,
  readModelConfig,
  type TritonModelConfig,
} from './triton/model-config.ts';
export { type ModelStore, type StoreListing, type StoreLocation, StoreUnavailable } from './releases/model-store.ts';
export { checkReleases, type ReleaseCheckOptions, type ReleaseCheckResult, storeLocation } from './releases/check-releases.ts';
export { describeRelease, type ReadRelease, type ReleaseDescription } from './releases/from-release.ts';
export { yamlString } from './releases/signature-match.ts';
export { endpointName, objectUri } from './releases/release-reader.ts';
export { formatEndpoint, parseEndpoint, parseS3Uri, sameEndpoint } from './values/s3.ts';
