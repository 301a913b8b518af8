/**
 * The control panel's HTTP API: what `tritonops ui` (apps/cli/src/ui-server/) answers and what the
 * web app asks. One file both sides import, so a field cannot drift. Plain data only: the browser
 * bundle never imports the planner.
 *
 * Every request carries the session token in the `X-Tritonops-Token` header; bodies are JSON.
 * Paths: `/api/<route>`, environment and spec names as path segments (DNS labels, so no escaping).
 */

/** A problem the validators found, as `tritonops validate` reports it, plus where it sits in the spec's data. */
export interface ApiDiagnostic {
  readonly severity: 'error' | 'warning';
  readonly code: string;
  /** Repository-relative path of the spec file. */
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly message: string;
  readonly hint?: string;
  /** Path in the file's data (`['spec', 'steps', 1, 'inputs', 'PROMPT']`), when the position falls on a node. */
  readonly path?: readonly (string | number)[];
}

/** An answer that changes nothing because the validators or the CLI's rules refused it. */
export interface Refusal {
  readonly ok: false;
  /** One sentence: what is wrong (the CLI's own message). */
  readonly message: string;
  readonly hint?: string;
  readonly diagnostics: readonly ApiDiagnostic[];
}

export type SpecKind = 'model' | 'pipeline';

export interface EnvironmentSummary {
  readonly name: string;
  /** The environment whose releases this one runs after them. */
  readonly promotedFrom?: string;
  /** The environments this one feeds (their `promotedFrom` is this one). */
  readonly promotesTo: readonly string[];
  readonly production: boolean;
  /** GPU pools by name, for the model form's choices. */
  readonly pools: readonly string[];
}

/** A canary as the fleet shows it. */
export interface CanarySummary {
  /** The canary's release, as `describeRelease` says it (what differs from the stable one). */
  readonly release: string;
  readonly weight?: number;
  readonly header?: Readonly<Record<string, string>>;
  readonly mirror?: number;
  /** Flagger runs the canary: its analysis settings, summarised (`every 1m, 5 checks, +10%`). */
  readonly analysis?: string;
}

/** Where a release stands on the promotion chain. */
export type PromotionState =
  /** Runs what its source environment runs (or has no source). */
  | { readonly state: 'in-sync' }
  /** Its source runs another release that may move here (`tritonops promote <name> --from <source> --to <this>`). */
  | {
      readonly state: 'waiting';
      readonly from: string;
      readonly release: string;
      /**
       * The source runs this release only in the working tree, not on the base branch: the
       * promotion gate refuses it until the source's change is merged.
       */
      readonly unmerged?: boolean;
    }
  /** Its source does not have it at all. */
  | { readonly state: 'not-in-source'; readonly from: string };

/** One model or pipeline in one environment. */
export interface FleetCell {
  readonly file: string;
  /** The stable release, shortest telling form (repository, or image for a pipeline without one). */
  readonly release: string;
  readonly canary?: CanarySummary;
  readonly scale: { readonly replicas: number } | { readonly minReplicas: number; readonly maxReplicas: number };
  readonly pool?: string;
  readonly gpus?: number;
  /** `jwt`, `jwt (optional)`, `none`, … as the spec decides. */
  readonly auth: string;
  readonly promotion: PromotionState;
  /** The `tritonops.dev/promotion-override` reason, when the spec runs a release its source has not run. */
  readonly override?: string;
}

export interface FleetRow {
  readonly kind: SpecKind;
  readonly name: string;
  /** By environment name; absent where the environment does not have it. */
  readonly cells: Readonly<Record<string, FleetCell>>;
}

export interface FleetResponse {
  readonly environments: readonly EnvironmentSummary[];
  /** Models first, then pipelines, each sorted by name. */
  readonly rows: readonly FleetRow[];
  /** The working tree's problems (errors and warnings); the fleet is shown from what loaded. */
  readonly diagnostics: readonly ApiDiagnostic[];
  /** How the promotion gate compared (`merge-base with origin/main (…)`), or why it used the working tree. */
  readonly gate: string;
}

/** `tritonops capacity`'s numbers, as planCapacity computes them (units of each pool's resource). */
export interface TrackDemand {
  readonly model: string;
  readonly track: string;
  readonly gpusPerReplica: number;
  readonly gpuMemoryPerReplica?: string;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly min: number;
  readonly max: number;
  readonly surge: number;
  readonly surgeAtMin: number;
  readonly stranded: number;
}

export interface PoolCapacity {
  readonly pool: string;
  readonly resource: string;
  readonly nodes: number;
  readonly unitsPerNode: number;
  readonly capacity: number;
  readonly unitMemory: string;
  readonly memoryCapacity: string;
  readonly maxMemoryDeclared: string;
  readonly min: number;
  readonly max: number;
  readonly surge: number;
  readonly minRollout: number;
  readonly status: 'ok' | 'max-over-capacity' | 'rollout-over-capacity' | 'min-over-capacity';
  readonly demands: readonly TrackDemand[];
}

export interface EnvironmentCapacity {
  readonly environment: string;
  readonly pools: readonly PoolCapacity[];
}

export interface CapacityResponse {
  readonly environments: readonly EnvironmentCapacity[];
  /** `tritonops capacity`'s table, byte for byte. */
  readonly table: string;
  /** Present when the specs have errors: capacity is planned on valid specs only. */
  readonly unavailable?: string;
}

export type Datatype = 'BOOL' | 'UINT8' | 'UINT16' | 'UINT32' | 'UINT64' | 'INT8' | 'INT16' | 'INT32' | 'INT64' | 'FP16' | 'FP32' | 'FP64' | 'BF16' | 'BYTES';

export interface Tensor {
  readonly name: string;
  readonly datatype: Datatype;
  readonly shape: readonly number[];
}

/** A Triton model a pipeline step can call, with its typed ports. */
export interface StepTarget {
  /** `model` (a model of the environment, its own server) or `local` (the pipeline's localRepository). */
  readonly kind: 'model' | 'local';
  /** The model's name (kind model) or the local Triton model's name (kind local). */
  readonly name: string;
  /** The Triton model inside the model's server (kind model). */
  readonly tritonModel?: string;
  /** Whether `tritonModel` is the model's only one (then a step need not name it). */
  readonly onlyTritonModel?: boolean;
  readonly inputs: readonly Tensor[];
  readonly outputs: readonly Tensor[];
}

/** The data of a pipeline spec file, as the schema describes it (docs/spec-reference.md#pipeline). */
export interface PipelineStep {
  readonly name: string;
  readonly model?: string;
  readonly tritonModel?: string;
  readonly local?: string;
  readonly inputs: Readonly<Record<string, string>>;
  readonly timeoutSeconds?: number;
}

export interface PipelineDocument {
  readonly apiVersion: 'tritonops.dev/v1alpha1';
  readonly kind: 'Pipeline';
  readonly metadata: { readonly name: string; readonly labels?: Readonly<Record<string, string>>; readonly annotations?: Readonly<Record<string, string>> };
  readonly spec: {
    readonly inputs: readonly Tensor[];
    readonly outputs: readonly (Tensor & { readonly from: string })[];
    readonly steps: readonly PipelineStep[];
    readonly [field: string]: unknown;
  };
}

export interface PipelineResponse {
  readonly env: string;
  readonly name: string;
  /** Repository-relative path of the spec file; absent for a pipeline not written yet. */
  readonly file?: string;
  readonly document: PipelineDocument;
  /** What a step can call in this environment (models with `signatures`, and the pipeline's own local models). */
  readonly targets: readonly StepTarget[];
  /** `tritonops graph`'s Mermaid picture of the saved pipeline (absent when it does not validate). */
  readonly mermaid?: string;
  readonly diagnostics: readonly ApiDiagnostic[];
  /** The file's revision (sha256 hex of its bytes as read), to send back with a save; absent for a pipeline not written yet. */
  readonly revision?: string;
}

/**
 * What a write expects the file on disk to be: the revision it was loaded with, or null for "no file
 * yet". When the file is another one now (an editor, a `git checkout`), the write is refused.
 */
export interface Revisioned {
  readonly revision?: string | null;
}

/** POST /api/envs/:env/pipelines/:name/check and PUT …/pipelines/:name: the pipeline as the editor has it. */
export interface PipelineRequest extends Revisioned {
  readonly document: PipelineDocument;
}

export interface CheckResponse {
  /** Repository-relative path the spec file has (or would have): its diagnostics are the editor's own (the pipeline editor sets it). */
  readonly file?: string;
  /** Diagnostics of the whole environment with this edit in place; errors block a save. */
  readonly diagnostics: readonly ApiDiagnostic[];
  /** The spec file's text as it would be written. */
  readonly text: string;
  /** How long the check took on the server, in milliseconds. */
  readonly millis: number;
}

export type WriteResponse =
  | {
      readonly ok: true;
      readonly file: string;
      readonly text: string;
      readonly changes: readonly string[];
      /** What was done, in the CLI's words (`set the canary weight of whisper in …`). */
      readonly message?: string;
      /** The written file's revision: the one the next write expects. */
      readonly revision?: string;
    }
  | Refusal;

/** The data of a model spec file (docs/spec-reference.md#model); the form edits it as JSON. */
export type ModelDocument = {
  readonly apiVersion: string;
  readonly kind: 'Model';
  readonly metadata: { readonly name: string };
  readonly spec: Record<string, unknown>;
};

export interface ModelResponse {
  readonly env: string;
  readonly name: string;
  readonly file?: string;
  readonly document: ModelDocument;
  /** The spec file's text, comments included. */
  readonly text?: string;
  readonly diagnostics: readonly ApiDiagnostic[];
  /** The file's revision (sha256 hex of its bytes as read), to send back with a save or canary action. */
  readonly revision?: string;
}

/** PUT /api/envs/:env/models/:name: the form's document. */
export interface ModelRequest extends Revisioned {
  readonly document: ModelDocument;
}

/** GET /api/schema/model: the Model kind's JSON Schema (packages/spec/schemas/model.schema.json). */
export type JsonSchema = Record<string, unknown>;

export type CanaryAction =
  | { readonly action: 'start'; readonly release: Readonly<Record<string, unknown>>; readonly weight: number }
  | { readonly action: 'weight'; readonly weight: number }
  | { readonly action: 'promote'; readonly allowOlder?: boolean }
  | { readonly action: 'remove' };

/** POST …/models/:name/canary: an action, refused when the file is no longer the revision the page loaded. */
export type CanaryRequest = CanaryAction & Revisioned;

/**
 * POST …/models/:name/canary: a WriteResponse; a promote refused because the canary's release may
 * be older than the stable one says so (`olderRelease`), for the page to offer "allow older".
 */
export type CanaryResponse = WriteResponse | (Refusal & { readonly olderRelease: true });

/** POST /api/promote: `tritonops promote <names>... --from <from> --to <to>`. */
export interface PromoteRequest {
  readonly from: string;
  readonly to: string;
  /** Models and pipelines of `from`, by name. */
  readonly names: readonly string[];
}

/** What a CLI command run by the panel printed, and whether it succeeded. */
export interface CommandResponse {
  readonly ok: boolean;
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** One line of `diff`'s summary: what changes, in words (`whisper` · `canary weight` · `0` → `20`). */
export interface ChangeSummaryItem {
  readonly subject: string;
  readonly what: string;
  /** Empty when there was none. */
  readonly before: string;
  /** Empty when there is none. */
  readonly after: string;
}

/** What a change does to the live cluster (packages/charts transitions.ts): safe, disruptive, or refused (two steps). */
export interface ChangeTransition {
  readonly class: 'safe' | 'disruptive' | 'two-steps';
  /** `model whisper`, `pipeline speech-to-image`, `environment`. */
  readonly subject: string;
  readonly change: string;
  /** What the cluster experiences when Flux applies it. */
  readonly effect: string;
  /** Two steps: the pull request to merge first. A handover: what to merge next, and when. */
  readonly step?: string;
  readonly at: { readonly file: string; readonly path: readonly (string | number)[] };
}

/** One Kubernetes object added, removed or changed, with a compact YAML diff (hunks only). */
export interface ObjectDiff {
  readonly key: string;
  readonly file: string;
  readonly change: 'added' | 'removed' | 'changed';
  readonly diff: string;
}

/** One environment of `tritonops diff --format json`. */
export interface EnvironmentChanges {
  readonly environment: string;
  readonly summary: readonly ChangeSummaryItem[];
  /** What must be done outside Git before the change merges (a Secret to create). */
  readonly notes: readonly string[];
  readonly objects: readonly ObjectDiff[];
  /** Changed pipelines with their Mermaid picture. */
  readonly pipelines: readonly { readonly name: string; readonly mermaid: string }[];
  readonly transitions: readonly ChangeTransition[];
}

/** `tritonops diff --format json`, as it prints it. */
export interface ChangesDiff {
  readonly base: { readonly ref: string; readonly commit: string };
  readonly changes: boolean;
  /** Some change needs two steps: `diff` exits 1. */
  readonly refused: boolean;
  readonly unrendered: readonly { readonly path: string; readonly change: 'added' | 'changed' | 'removed' }[];
  readonly environments: readonly EnvironmentChanges[];
}

/** A warning of `diff` in its own words: the headline, then the diagnostics as `validate` prints them. */
export interface ChangesWarning {
  readonly headline: string;
  readonly diagnostics: readonly string[];
  /** The line saying how many diagnostics are left out. */
  readonly more?: string;
  /** False for warnings the base has too. */
  readonly new: boolean;
}

/** GET /api/changes: `tritonops diff --format json` against the base branch, plus its text form. */
export interface ChangesResponse {
  /** False when `diff` could not compare (specs with errors, no base branch): `stderr` says why. */
  readonly ok: boolean;
  /** The JSON `tritonops diff --format json` prints (absent when it printed none). */
  readonly diff?: ChangesDiff;
  /** `tritonops diff`'s text, byte for byte. */
  readonly text: string;
  readonly stderr: string;
  /** What the reviewer must know that is not a change, in `diff`'s words (present with `diff`). */
  readonly notices?: {
    /** Present when a change needs two steps. */
    readonly refused?: string;
    readonly warnings: readonly ChangesWarning[];
    /** Present when files under flux/ that tritonops did not render changed. */
    readonly unrendered?: string;
  };
  /** Spec files changed against HEAD (`git status`), repository-relative. */
  readonly changedSpecs: readonly string[];
  /** The current branch (absent on a detached HEAD or outside Git). */
  readonly branch?: string;
}

/** POST /api/commit: render, then commit environments/ and flux/ on a new branch. */
export interface CommitRequest {
  readonly branch: string;
  readonly message: string;
}

export type CommitResponse =
  | {
      readonly ok: true;
      readonly branch: string;
      readonly commit: string;
      /** What the commit holds: only files under environments/ and flux/. */
      readonly files: readonly string[];
      /** `git push -u origin <branch>`: nothing was pushed. */
      readonly push: string;
      /** `gh pr create …` or `glab mr create …` for the origin's host; absent for another host. */
      readonly pullRequest?: string;
      /** What to do next, in words (names the host's pull request, or says to open one on the Git host). */
      readonly next: string;
      /** Changes of the working tree outside environments/ and flux/, left uncommitted. */
      readonly uncommitted: readonly string[];
    }
  | Refusal;
