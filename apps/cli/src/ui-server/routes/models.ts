/**
 * The model page's API: the Model JSON Schema (the form is generated from it), one model's spec,
 * an edit's live check, saving it, the canary actions and `promote`. Every write goes through the
 * same rules as the CLI: the canary actions call `planCanaryEdit` (the core of `tritonops canary`),
 * promotion runs `promoteCommand` itself, and a form save is written only when the whole
 * environment validates with it, under the repository lock.
 */
import { join } from 'node:path';
import { structuredPatch } from 'diff';
import { parse } from 'yaml';
import {
  didYouMeanHint,
  ENVIRONMENTS_DIR,
  MAX_FILE_BYTES,
  MODELS_DIR,
  newModelText,
  patchYaml,
  RepositoryFs,
  type Diagnostic,
  type SourceFile,
} from '@tritonops/planner';
import modelSchema from '@tritonops/spec/schemas/model.schema.json' with { type: 'json' };
import type {
  ApiDiagnostic,
  CanaryAction,
  CanaryResponse,
  CheckResponse,
  CommandResponse,
  JsonSchema,
  ModelDocument,
  ModelResponse,
  PromoteRequest,
  WriteResponse,
} from '@tritonops/ui/api';
import { planCanaryEdit, type CanaryOptions, type CanaryRelease } from '../../commands/canary.ts';
import { promoteCommand } from '../../commands/promote.ts';
import { tally } from '../../report.ts';
import { modelFile, modelNames, readSpecText } from '../../spec-files.ts';
import { toApiDiagnostics } from '../api-diagnostics.ts';
import { changedOnDisk, requestedRevision, revisionOf } from '../file-revision.ts';
import { capture, withPanelLock } from '../in-process.ts';
import type { PanelState } from '../panel-state.ts';
import { ApiError, field, knownEnvironment, type Route } from '../route.ts';

/** Where the model's spec is, and whether it is there yet. */
function locate(state: PanelState, env: string, name: string): { rel: string; exists: boolean } {
  const rel = modelFile(new RepositoryFs(state.root), env, name);
  return rel ? { rel, exists: true } : { rel: `${ENVIRONMENTS_DIR}/${env}/${MODELS_DIR}/${name}.yaml`, exists: false };
}

/** The text the file would have: the old one patched in place (comments kept), or a new file. */
function textFor(state: PanelState, rel: string, exists: boolean, document: ModelDocument): string {
  if (!exists) return newModelText(document);
  const patched = patchYaml(readSpecText(new RepositoryFs(state.root), rel), document);
  if (!patched.ok) throw new ApiError(422, patched.problem, patched.hint);
  return patched.text;
}

interface Checked {
  readonly rel: string;
  readonly exists: boolean;
  readonly text: string;
  readonly diagnostics: readonly Diagnostic[];
  readonly sources: ReadonlyMap<string, SourceFile>;
  readonly hasErrors: boolean;
}

/** The environment re-checked with the edited file in place of the disk's (PanelState's fast path). */
function checkEdit(state: PanelState, env: string, name: string, document: ModelDocument): Checked {
  const { rel, exists } = locate(state, env, name);
  const text = textFor(state, rel, exists, document);
  const result = state.check(env, new Map([[join(state.root, rel), Buffer.from(text)]]));
  return { rel, exists, text, diagnostics: result.diagnostics, sources: result.sources, hasErrors: result.hasErrors };
}

/** The changed lines between two texts, `-old` / `+new`, as a reviewer reads them. */
function changedLines(before: string, after: string): string[] {
  return structuredPatch('before', 'after', before, after, '', '', { context: 0 }).hunks.flatMap((h) => h.lines.filter((l) => l[0] === '-' || l[0] === '+'));
}

const documentOf = (body: unknown): ModelDocument => field<ModelDocument>(body, 'document', 'object');

function refusal(message: string, diagnostics: readonly Diagnostic[] = [], sources: ReadonlyMap<string, SourceFile> = new Map(), hint?: string) {
  return {
    ok: false as const,
    message,
    ...(hint !== undefined ? { hint } : {}),
    diagnostics: toApiDiagnostics(diagnostics, sources),
  };
}

function getModel(state: PanelState, env: string, name: string): ModelResponse {
  knownEnvironment(state, env);
  const fs = new RepositoryFs(state.root);
  const rel = modelFile(fs, env, name);
  if (!rel) {
    const models = modelNames(fs, env);
    throw new ApiError(404, `environment "${env}" has no model "${name}"`, didYouMeanHint(name, models, `models: ${models.join(', ') || '(none)'}`));
  }
  // The revision is of the very bytes the document comes from: a save names what the page showed.
  const bytes = fs.read(rel, MAX_FILE_BYTES);
  const text = bytes.toString('utf8');
  const load = state.current();
  const diagnostics: ApiDiagnostic[] = toApiDiagnostics(
    load.diagnostics.filter((d) => d.file === rel),
    load.sources,
  );
  let document: ModelDocument;
  try {
    document = parse(text, { logLevel: 'error' }) as ModelDocument;
  } catch {
    // The validator says where and why (file:line:col); the form cannot edit what does not parse.
    throw new ApiError(
      422,
      `${rel} is not valid YAML: the form cannot open it`,
      'fix the file in an editor (see the problems on the fleet page, or run `tritonops validate`)',
    );
  }
  return { env, name, file: rel, document, text, diagnostics, revision: revisionOf(bytes) };
}

async function saveModel(state: PanelState, env: string, name: string, document: ModelDocument, revision: string | null | undefined): Promise<WriteResponse> {
  knownEnvironment(state, env);
  return withPanelLock(state.root, async () => {
    const changed = changedOnDisk(new RepositoryFs(state.root), locate(state, env, name).rel, revision);
    if (changed) return changed;
    const checked = checkEdit(state, env, name, document);
    if (checked.hasErrors)
      return refusal(`the edit would leave the specs invalid (${tally(checked.diagnostics)}); nothing was written`, checked.diagnostics, checked.sources);
    const fs = new RepositoryFs(state.root);
    // Once more right before writing: an editor does not take the lock.
    const late = changedOnDisk(fs, checked.rel, revision);
    if (late) return late;
    const before = checked.exists ? readSpecText(fs, checked.rel) : '';
    if (checked.exists) fs.replaceFile(checked.rel, Buffer.from(checked.text));
    else fs.createFile(checked.rel, Buffer.from(checked.text));
    state.invalidate();
    return {
      ok: true,
      file: checked.rel,
      text: checked.text,
      changes: changedLines(before, checked.text),
      message: checked.exists ? `saved ${checked.rel}` : `created ${checked.rel}`,
      revision: revisionOf(Buffer.from(checked.text)),
    };
  });
}

/** The request's canary action as `planCanaryEdit` takes it; 400 with the CLI's words for what the CLI would refuse as usage. */
function canaryOptions(root: string, env: string, model: string, body: unknown): CanaryOptions {
  const action = field<CanaryAction['action']>(body, 'action', 'string');
  const percent = (what: string) => {
    const weight = field<number>(body, 'weight', 'number');
    if (!Number.isInteger(weight) || weight < 0 || weight > 100) throw new ApiError(400, `${what} needs a percent from 0 to 100, not "${weight}"`);
    return weight;
  };
  const base = { root, env, model, displayBase: root };
  switch (action) {
    case 'start': {
      const given = field<Record<string, unknown>>(body, 'release', 'object');
      const release: CanaryRelease = {
        ...(typeof given.image === 'string' && given.image !== '' ? { image: given.image } : {}),
        ...(typeof given.repository === 'string' && given.repository !== '' ? { repository: given.repository } : {}),
        ...(Array.isArray(given.models) && given.models.length > 0 ? { models: given.models.map(String) } : {}),
        ...(Array.isArray(given.args) && given.args.length > 0 ? { args: given.args.map(String) } : {}),
      };
      if (Object.keys(release).length === 0) throw new ApiError(400, 'canary start needs the release to try: --image, --repository or --models');
      return { ...base, action, release, weight: percent('--weight') };
    }
    case 'weight':
      return { ...base, action, weight: percent('canary weight') };
    case 'promote':
      return { ...base, action, ...((body as { allowOlder?: unknown }).allowOlder === true ? { allowOlder: true } : {}) };
    case 'remove':
      return { ...base, action };
    default:
      throw new ApiError(400, `unknown canary action "${String(action)}"`, 'actions: start, weight, promote, remove');
  }
}

async function canary(state: PanelState, env: string, model: string, body: unknown): Promise<CanaryResponse> {
  knownEnvironment(state, env);
  const options = canaryOptions(state.root, env, model, body);
  const revision = requestedRevision(body);
  return withPanelLock(state.root, async () => {
    const fs = new RepositoryFs(state.root);
    // No file: the action's own refusal says so, in the CLI's words.
    const rel = modelFile(fs, env, model);
    const changed = rel !== undefined ? changedOnDisk(fs, rel, revision) : undefined;
    if (changed) return changed;
    // Checked in the warm state, as every panel edit is (the CLI loads the environment afresh).
    const plan = planCanaryEdit(options, (file, text) => state.check(env, new Map([[join(state.root, file), Buffer.from(text)]])));
    if (!plan.ok) {
      const refused = refusal(plan.diagnostics ? `${plan.message}; nothing was written` : plan.message, plan.diagnostics, plan.sources, plan.hint);
      // Refused because the canary may be the older release: the CLI's --allow-older would promote it.
      return plan.olderRelease ? { ...refused, olderRelease: true } : refused;
    }
    const bytes = Buffer.from(plan.text);
    const late = changedOnDisk(fs, plan.rel, revision);
    if (late) return late;
    fs.replaceFile(plan.rel, bytes);
    state.invalidate();
    return { ok: true, file: plan.rel, text: plan.text, changes: plan.changes, message: `${plan.message} in ${plan.rel}`, revision: revisionOf(bytes) };
  });
}

async function promote(state: PanelState, body: unknown): Promise<CommandResponse> {
  const request: PromoteRequest = {
    from: field<string>(body, 'from', 'string'),
    to: field<string>(body, 'to', 'string'),
    names: field<string[]>(body, 'names', 'array'),
  };
  if (request.names.length === 0 || request.names.some((n) => typeof n !== 'string'))
    throw new ApiError(400, 'the request needs `names`: the models and pipelines to promote');
  const { root } = state;
  try {
    // promote takes the lock itself, waiting the CLI's ten minutes: held here first, it waits the panel's short while.
    const run = await withPanelLock(root, () =>
      capture(root, (io) => promoteCommand({ root, from: request.from, to: request.to, names: request.names, all: false }, io)),
    );
    return { ok: run.exitCode === 0, ...run };
  } finally {
    state.invalidate();
  }
}

export const routes: Route[] = [
  { method: 'GET', path: '/api/schema/model', handle: (): JsonSchema => modelSchema as JsonSchema },
  { method: 'GET', path: '/api/envs/:env/models/:name', handle: ({ state, params }) => getModel(state, params.env!, params.name!) },
  {
    method: 'POST',
    path: '/api/envs/:env/models/:name/check',
    handle: ({ state, params, body }): CheckResponse => {
      const started = performance.now();
      knownEnvironment(state, params.env!);
      const checked = checkEdit(state, params.env!, params.name!, documentOf(body));
      const diagnostics = toApiDiagnostics(checked.diagnostics, checked.sources);
      return { file: checked.rel, diagnostics, text: checked.text, millis: Math.round((performance.now() - started) * 10) / 10 };
    },
  },
  {
    method: 'PUT',
    path: '/api/envs/:env/models/:name',
    handle: ({ state, params, body }) => saveModel(state, params.env!, params.name!, documentOf(body), requestedRevision(body)),
  },
  { method: 'POST', path: '/api/envs/:env/models/:name/canary', handle: ({ state, params, body }) => canary(state, params.env!, params.name!, body) },
  { method: 'POST', path: '/api/promote', handle: ({ state, body }) => promote(state, body) },
];
