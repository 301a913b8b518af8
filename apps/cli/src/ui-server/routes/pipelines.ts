/**
 * The pipeline editor's API: GET a pipeline with what its steps can call, POST …/check an edited
 * document (the text it would become, checked with the whole environment in memory), PUT it to
 * write the file. The text is made by the planner's comment-preserving edits (`patchYaml` for an
 * existing file, `newPipelineText` for a new one), so the editor never formats YAML itself, and
 * a file is written only when the environment it belongs to still validates.
 */
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  ENVIRONMENTS_DIR,
  MAX_FILE_BYTES,
  newPipelineText,
  patchYaml,
  PIPELINES_DIR,
  pipelineMermaid,
  RepositoryFs,
  resolvePipeline,
  SourceFile,
  type Diagnostic,
  type RepositoryPlanResult,
} from '@tritonops/planner';
import type { ApiDiagnostic, CheckResponse, PipelineDocument, PipelineResponse, StepTarget, Tensor, WriteResponse } from '@tritonops/ui/api';
import { toApiDiagnostics } from '../api-diagnostics.ts';
import { changedOnDisk, requestedRevision, revisionOf } from '../file-revision.ts';
import type { PanelState } from '../panel-state.ts';
import { ApiError, field, knownEnvironment, type Route } from '../route.ts';
import { withPanelLock } from '../in-process.ts';
import { tally } from '../../report.ts';
import { readSpecText, specFile } from '../../spec-files.ts';

const API_VERSION = 'tritonops.dev/v1alpha1';

interface Signature {
  inputs: Tensor[];
  outputs: Tensor[];
}

/** `environments/<env>/pipelines/<name>.yaml` (or the `.yml` there is); `exists` false for a pipeline not written yet. */
function pipelineFile(fs: RepositoryFs, env: string, name: string): { rel: string; exists: boolean } {
  const rel = specFile(fs, env, PIPELINES_DIR, name);
  return rel ? { rel, exists: true } : { rel: `${ENVIRONMENTS_DIR}/${env}/${PIPELINES_DIR}/${name}.yaml`, exists: false };
}

function emptyPipeline(name: string): PipelineDocument {
  return { apiVersion: API_VERSION, kind: 'Pipeline', metadata: { name }, spec: { inputs: [], outputs: [], steps: [] } };
}

/** What a step can call: each signed Triton model of each model, then the pipeline's own local models. */
function stepTargets(load: RepositoryPlanResult, env: string, document: PipelineDocument): StepTarget[] {
  const models = load.environments.find((e) => e.name === env)?.models ?? [];
  const targets: StepTarget[] = [];
  for (const { value: model } of [...models].sort((a, b) => (a.value.metadata.name < b.value.metadata.name ? -1 : 1))) {
    const signatures = (model.spec.signatures ?? {}) as Record<string, Signature>;
    const listed = model.spec.models;
    // A signature of a Triton model the server does not load cannot be called (`unknown-triton-model`).
    const callable = Object.keys(signatures).filter((t) => !listed || listed.includes(t));
    const only = listed ? (listed.length === 1 ? listed[0] : undefined) : callable.length === 1 ? callable[0] : undefined;
    for (const tritonModel of callable) {
      const { inputs, outputs } = signatures[tritonModel]!;
      targets.push({ kind: 'model', name: model.metadata.name, tritonModel, ...(only === tritonModel ? { onlyTritonModel: true } : {}), inputs, outputs });
    }
  }
  const locals = (document.spec.signatures ?? {}) as Record<string, Signature>;
  for (const [name, { inputs, outputs }] of Object.entries(locals)) targets.push({ kind: 'local', name, inputs, outputs });
  return targets;
}

/** The editor's document from the request, checked to be the pipeline the path names. */
function requestedDocument(body: unknown, name: string): PipelineDocument {
  const document = field<PipelineDocument>(body, 'document', 'object');
  if (document.kind !== 'Pipeline' || !document.spec || typeof document.spec !== 'object')
    throw new ApiError(400, 'the document must be a Pipeline with a `spec`');
  if (document.metadata?.name !== name)
    throw new ApiError(
      400,
      `the document is pipeline "${String(document.metadata?.name)}", but the path names "${name}"`,
      'rename the pipeline in the path or in `metadata.name`',
    );
  return document;
}

interface CheckedEdit {
  readonly rel: string;
  readonly exists: boolean;
  readonly text: string;
  readonly result: RepositoryPlanResult;
  readonly diagnostics: ApiDiagnostic[];
}

/** The text the document would be written as, and the environment checked with it in place of the file. */
function checkEdit(state: PanelState, env: string, name: string, document: PipelineDocument): CheckedEdit {
  const fs = new RepositoryFs(state.root);
  const { rel, exists } = pipelineFile(fs, env, name);
  let text: string;
  if (exists) {
    const patched = patchYaml(readSpecText(fs, rel), document);
    if (!patched.ok) throw new ApiError(422, patched.problem, patched.hint);
    text = patched.text;
  } else text = newPipelineText(document);
  const result = state.check(env, new Map([[join(state.root, rel), Buffer.from(text)]]));
  const diagnostics = [...result.diagnostics, ...draftGraphDiagnostics(result, env, rel, text, document)];
  return { rel, exists, text, result, diagnostics: toApiDiagnostics(diagnostics, result.sources) };
}

/**
 * A pipeline being built misses what the schema requires of a finished one (an output, a fed
 * input per step), and a file that fails the schema never reaches the graph checks. The editor
 * must still refuse a wire of the wrong datatype or shape on the spot, so an unfinished pipeline's
 * graph is checked as it is, by the same `resolvePipeline`: its words, at the file's positions.
 */
function draftGraphDiagnostics(result: RepositoryPlanResult, env: string, rel: string, text: string, document: PipelineDocument): Diagnostic[] {
  const loaded = result.environments.find((e) => e.name === env);
  if (!loaded || loaded.pipelines.some((p) => p.file.path === rel)) return []; // loaded: its graph was checked
  const spec = document.spec as Partial<PipelineDocument['spec']>;
  const wellFormed =
    Array.isArray(spec.inputs) &&
    Array.isArray(spec.outputs) &&
    Array.isArray(spec.steps) &&
    spec.steps.every((s) => !!s && typeof s === 'object' && typeof s.name === 'string' && !!s.inputs && typeof s.inputs === 'object');
  if (!wellFormed) return [];
  const file = SourceFile.parse(rel, Buffer.from(text));
  const known = new Set(result.diagnostics.map((d) => `${d.file}:${d.line}:${d.col}:${d.code}`));
  return resolvePipeline(loaded, { file, value: document as unknown as Parameters<typeof resolvePipeline>[1]['value'] }).diagnostics.filter(
    (d) => !known.has(`${d.file}:${d.line}:${d.col}:${d.code}`),
  );
}

export const routes: Route[] = [
  {
    method: 'GET',
    path: '/api/envs/:env/pipelines/:name',
    handle: ({ state, params }): PipelineResponse => {
      const { env, name } = params as { env: string; name: string };
      knownEnvironment(state, env);
      const load = state.current();
      const fs = new RepositoryFs(state.root);
      const { rel, exists } = pipelineFile(fs, env, name);
      let document = emptyPipeline(name);
      let revision: string | undefined;
      if (exists) {
        // The revision is of the very bytes the document comes from: a save names what the editor showed.
        const bytes = fs.read(rel, MAX_FILE_BYTES);
        revision = revisionOf(bytes);
        try {
          document = parse(bytes.toString('utf8')) as PipelineDocument;
        } catch (error) {
          throw new ApiError(422, `${rel} is not valid YAML: ${(error as Error).message}`, 'fix it in an editor; `tritonops validate` shows where');
        }
      }
      const envPlan = load.plans.find((p) => p.name === env);
      const plan = envPlan?.pipelines.find((p) => p.graph.name === name);
      return {
        env,
        name,
        ...(exists ? { file: rel } : {}),
        document,
        targets: stepTargets(load, env, document),
        ...(envPlan && plan ? { mermaid: pipelineMermaid(envPlan, plan) } : {}),
        diagnostics: toApiDiagnostics(
          load.diagnostics.filter((d) => d.file === rel),
          load.sources,
        ),
        ...(revision !== undefined ? { revision } : {}),
      };
    },
  },
  {
    method: 'POST',
    path: '/api/envs/:env/pipelines/:name/check',
    handle: ({ state, params, body }): CheckResponse => {
      const { env, name } = params as { env: string; name: string };
      const started = performance.now();
      knownEnvironment(state, env);
      const checked = checkEdit(state, env, name, requestedDocument(body, name));
      return { file: checked.rel, diagnostics: checked.diagnostics, text: checked.text, millis: Math.round(performance.now() - started) };
    },
  },
  {
    method: 'PUT',
    path: '/api/envs/:env/pipelines/:name',
    handle: async ({ state, params, body }): Promise<WriteResponse> => {
      const { env, name } = params as { env: string; name: string };
      knownEnvironment(state, env);
      const document = requestedDocument(body, name);
      const revision = requestedRevision(body);
      return withPanelLock(state.root, async (): Promise<WriteResponse> => {
        const fs = new RepositoryFs(state.root);
        const changed = changedOnDisk(fs, pipelineFile(fs, env, name).rel, revision);
        if (changed) return changed;
        const checked = checkEdit(state, env, name, document);
        if (checked.result.hasErrors)
          return { ok: false, message: `the edit would leave the specs invalid (${tally(checked.result.diagnostics)})`, diagnostics: checked.diagnostics };
        const bytes = Buffer.from(checked.text);
        // Once more right before writing: an editor does not take the lock.
        const late = changedOnDisk(fs, checked.rel, revision);
        if (late) return late;
        if (checked.exists) fs.replaceFile(checked.rel, bytes);
        else fs.createFile(checked.rel, bytes);
        state.invalidate();
        return { ok: true, file: checked.rel, text: checked.text, changes: [checked.rel], revision: revisionOf(bytes) };
      });
    },
  },
];
