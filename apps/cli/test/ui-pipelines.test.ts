/**
 * The pipeline editor's API over real HTTP, on a Git copy of the bundled environments: typed step
 * targets, the validator's refusal of a wire at its path (also in a pipeline still being built),
 * comment-preserving saves, refusals that write nothing, a new pipeline written as a person would
 * write it, and the canvas's edges against `graph`'s Mermaid picture.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiDiagnostic, CheckResponse, PipelineDocument, PipelineResponse, WriteResponse } from '@tritonops/ui/api';
import { canvasEdges, mermaidEdges, mermaidSafe } from '../../ui/src/pipeline/canvas-edges.ts';
import { bundledRepository } from './git-fixture.ts';
import { cleanup, cli } from './support.ts';
import { startTestPanel, type TestPanel } from './ui-panel.ts';

const STAGING_SPEECH = 'environments/staging/pipelines/speech-to-image.yaml';

let panel: TestPanel;
let root: string;

const read = (rel: string) => readFileSync(join(root, rel), 'utf8');
const errors = (diagnostics: readonly ApiDiagnostic[]) => diagnostics.filter((d) => d.severity === 'error');

async function pipeline(env: string, name: string): Promise<PipelineResponse> {
  const { status, data } = await panel.api<PipelineResponse>('GET', `/api/envs/${env}/pipelines/${name}`);
  expect(status).toBe(200);
  return data;
}

/** A deep copy of `document` with `change` applied to its spec. */
function edited(
  document: PipelineDocument,
  change: (spec: { steps: { inputs: Record<string, string>; timeoutSeconds?: number }[] } & Record<string, unknown>) => void,
) {
  const copy = structuredClone(document) as PipelineDocument;
  change(copy.spec as never);
  return copy;
}

beforeAll(async () => {
  root = bundledRepository('ui-pipelines');
  panel = await startTestPanel(root);
});

afterAll(async () => {
  await panel.close();
  cleanup();
});

describe('GET a pipeline', () => {
  it('gives the file data, what steps can call typed from the models’ signatures, and the Mermaid picture', async () => {
    const data = await pipeline('staging', 'speech-to-image');
    expect(data.file).toBe(STAGING_SPEECH);
    expect(data.document.spec.steps.map((s) => s.name)).toEqual(['transcribe', 'draw']);
    // The data as written: no schema defaults (transcribe has no timeout in the file).
    expect(data.document.spec.steps[0]).toEqual({ name: 'transcribe', model: 'whisper', inputs: { AUDIO: 'input.AUDIO' } });
    expect(data.targets).toContainEqual({
      kind: 'model',
      name: 'whisper',
      tritonModel: 'whisper',
      onlyTritonModel: true,
      inputs: [{ name: 'AUDIO', datatype: 'FP32', shape: [-1] }],
      outputs: [{ name: 'TEXT', datatype: 'BYTES', shape: [1] }],
    });
    expect(data.targets).toContainEqual({
      kind: 'model',
      name: 'stable-diffusion',
      tritonModel: 'stable_diffusion',
      onlyTritonModel: true,
      inputs: [{ name: 'PROMPT', datatype: 'BYTES', shape: [1] }],
      outputs: [{ name: 'IMAGE', datatype: 'UINT8', shape: [-1, -1, 3] }],
    });
    expect(data.mermaid).toContain('flowchart LR');
    expect(data.diagnostics).toEqual([]);
  });

  it("lists a pipeline's local models as targets of kind local", async () => {
    const data = await pipeline('dev', 'image-classification');
    expect(data.targets.filter((t) => t.kind === 'local').map((t) => t.name)).toEqual(['preprocess', 'postprocess']);
    expect(data.targets.find((t) => t.name === 'densenet')).toMatchObject({ tritonModel: 'densenet_onnx', onlyTritonModel: true });
  });

  it('opens a pipeline not written yet as an empty document, without a file', async () => {
    const data = await pipeline('dev', 'not-yet');
    expect(data.file).toBeUndefined();
    expect(data.document).toEqual({
      apiVersion: 'tritonops.dev/v1alpha1',
      kind: 'Pipeline',
      metadata: { name: 'not-yet' },
      spec: { inputs: [], outputs: [], steps: [] },
    });
    expect(data.mermaid).toBeUndefined();
  });

  it('answers 404 with a did-you-mean for an unknown environment', async () => {
    const { status, data } = await panel.api<{ message: string; hint?: string }>('GET', '/api/envs/stagin/pipelines/speech-to-image');
    expect(status).toBe(404);
    expect(data.message).toBe('unknown environment "stagin"');
    expect(data.hint).toContain('did you mean "staging"?');
  });

  it('draws on the canvas exactly the edges of `graph`’s Mermaid picture, for every bundled pipeline', async () => {
    const bundled = [
      ['dev', 'image-classification'],
      ['staging', 'speech-to-image'],
      ['production', 'speech-to-image'],
    ] as const;
    for (const [env, name] of bundled) {
      const data = await pipeline(env, name);
      const graph = await cli(root, 'graph', name, '--env', env);
      expect(graph.code).toBe(0);
      expect(data.mermaid?.trimEnd()).toBe(graph.stdout);
      const canvas = canvasEdges(data.document).map(mermaidSafe);
      const sort = (edges: { from: string; to: string }[]) => edges.map((e) => `${e.from} -> ${e.to}`).sort();
      expect(canvas.length).toBeGreaterThan(2);
      expect(sort(canvas)).toEqual(sort(mermaidEdges(graph.stdout)));
    }
  });
});

describe('checking an edit', () => {
  it('refuses a wire of the wrong datatype with the validator’s message, at the path of that step input', async () => {
    const { document } = await pipeline('staging', 'speech-to-image');
    const wrong = edited(document, (spec) => {
      spec.steps[1]!.inputs = { PROMPT: 'input.AUDIO' };
    });
    const { status, data } = await panel.api<CheckResponse>('POST', '/api/envs/staging/pipelines/speech-to-image/check', { document: wrong });
    expect(status).toBe(200);
    expect(data.file).toBe(STAGING_SPEECH);
    expect(errors(data.diagnostics)).toEqual([
      expect.objectContaining({
        code: 'dtype-mismatch',
        file: STAGING_SPEECH,
        message: 'input "PROMPT" of step "draw" is BYTES, but "input.AUDIO" is FP32',
        path: ['spec', 'steps', 1, 'inputs', 'PROMPT'],
      }),
    ]);
    expect(data.text).toContain('PROMPT: input.AUDIO');
    expect(data.millis).toBeGreaterThanOrEqual(0);
    expect(read(STAGING_SPEECH)).not.toContain('PROMPT: input.AUDIO');
  });

  it('still checks the wires of a pipeline being built, which the schema does not accept yet', async () => {
    const draft: PipelineDocument = {
      apiVersion: 'tritonops.dev/v1alpha1',
      kind: 'Pipeline',
      metadata: { name: 'draft' },
      spec: {
        inputs: [{ name: 'AUDIO', datatype: 'FP32', shape: [-1] }],
        outputs: [],
        steps: [
          { name: 'whisper', model: 'whisper', inputs: { AUDIO: 'input.AUDIO' } },
          { name: 'densenet', model: 'densenet', inputs: { data_0: 'whisper.TEXT' } },
        ],
      },
    };
    const { data } = await panel.api<CheckResponse>('POST', '/api/envs/dev/pipelines/draft/check', { document: draft });
    const codes = errors(data.diagnostics).map((d) => [d.code, d.path]);
    expect(codes).toContainEqual(['dtype-mismatch', ['spec', 'steps', 1, 'inputs', 'data_0']]);
    expect(errors(data.diagnostics).find((d) => d.code === 'dtype-mismatch')?.message).toBe(
      'input "data_0" of step "densenet" is FP32, but "whisper.TEXT" is BYTES',
    );
    expect(existsSync(join(root, 'environments/dev/pipelines/draft.yaml'))).toBe(false);
  });

  it('refuses a document whose name is not the one in the path', async () => {
    const { document } = await pipeline('staging', 'speech-to-image');
    const renamed = { ...document, metadata: { ...document.metadata, name: 'other' } };
    const { status, data } = await panel.api<{ message: string }>('POST', '/api/envs/staging/pipelines/speech-to-image/check', { document: renamed });
    expect(status).toBe(400);
    expect(data.message).toContain('"other"');
  });
});

describe('saving', () => {
  it('changes only the timeout line of the bundled pipeline, keeping every comment', async () => {
    const before = read(STAGING_SPEECH);
    const { document } = await pipeline('staging', 'speech-to-image');
    const { data } = await panel.api<WriteResponse>('PUT', '/api/envs/staging/pipelines/speech-to-image', {
      document: edited(document, (spec) => {
        spec.steps[1]!.timeoutSeconds = 90;
      }),
    });
    expect(data).toMatchObject({ ok: true, file: STAGING_SPEECH });
    const after = read(STAGING_SPEECH);
    expect(after).toBe(
      before.replace(
        '      timeoutSeconds: 120          # an image takes tens of seconds',
        '      timeoutSeconds: 90          # an image takes tens of seconds',
      ),
    );
    expect(after).not.toBe(before);
    // The panel's next answer is about the file as written.
    expect((await pipeline('staging', 'speech-to-image')).document.spec.steps[1]!.timeoutSeconds).toBe(90);
  });

  it('refuses an invalid document with the diagnostics, and writes nothing', async () => {
    const before = read(STAGING_SPEECH);
    const { document } = await pipeline('staging', 'speech-to-image');
    const { status, data } = await panel.api<WriteResponse>('PUT', '/api/envs/staging/pipelines/speech-to-image', {
      document: edited(document, (spec) => {
        spec.steps[1]!.inputs = { PROMPT: 'transcribe.TEXTS' };
      }),
    });
    expect(status).toBe(200);
    expect(data.ok).toBe(false);
    if (data.ok) return;
    expect(data.message).toBe('the edit would leave the specs invalid (1 error, 0 warnings)');
    expect(errors(data.diagnostics)).toEqual([expect.objectContaining({ code: 'unknown-tensor', path: ['spec', 'steps', 1, 'inputs', 'PROMPT'] })]);
    expect(read(STAGING_SPEECH)).toBe(before);
  });

  it('writes a new two-step pipeline as a person writes it from the spec reference, and the environment validates', async () => {
    const document: PipelineDocument = {
      apiVersion: 'tritonops.dev/v1alpha1',
      kind: 'Pipeline',
      metadata: { name: 'transcribe-and-classify' },
      spec: {
        inputs: [
          { name: 'AUDIO', datatype: 'FP32', shape: [-1] },
          { name: 'PIXELS', datatype: 'FP32', shape: [3, 224, 224] },
        ],
        outputs: [
          { name: 'TEXT', datatype: 'BYTES', shape: [1], from: 'transcribe.TEXT' },
          { name: 'SCORES', datatype: 'FP32', shape: [1000], from: 'classify.fc6_1' },
        ],
        steps: [
          { name: 'transcribe', model: 'whisper', inputs: { AUDIO: 'input.AUDIO' } },
          { name: 'classify', model: 'densenet', inputs: { data_0: 'input.PIXELS' }, timeoutSeconds: 30 },
        ],
      },
    };
    const { data } = await panel.api<WriteResponse>('PUT', '/api/envs/dev/pipelines/transcribe-and-classify', { document });
    expect(data).toMatchObject({ ok: true, file: 'environments/dev/pipelines/transcribe-and-classify.yaml' });
    expect(read('environments/dev/pipelines/transcribe-and-classify.yaml'))
      .toBe(`# yaml-language-server: $schema=../../../packages/spec/schemas/pipeline.schema.json
apiVersion: tritonops.dev/v1alpha1
kind: Pipeline
metadata:
  name: transcribe-and-classify
spec:
  inputs:
    - name: AUDIO
      datatype: FP32
      shape:
        - -1
    - name: PIXELS
      datatype: FP32
      shape:
        - 3
        - 224
        - 224
  outputs:
    - name: TEXT
      datatype: BYTES
      shape:
        - 1
      from: transcribe.TEXT
    - name: SCORES
      datatype: FP32
      shape:
        - 1000
      from: classify.fc6_1
  steps:
    - name: transcribe
      model: whisper
      inputs:
        AUDIO: input.AUDIO
    - name: classify
      model: densenet
      inputs:
        data_0: input.PIXELS
      timeoutSeconds: 30
`);
    const validate = await cli(root, 'validate');
    expect(validate.stderr).toBe('');
    expect(validate.code).toBe(0);
    const written = await pipeline('dev', 'transcribe-and-classify');
    expect(written.file).toBe('environments/dev/pipelines/transcribe-and-classify.yaml');
    expect(written.mermaid).toContain('step_classify');
  });
});

describe('a save never overwrites a change made on disk since the editor loaded the file', () => {
  const sha256 = (rel: string) =>
    createHash('sha256')
      .update(readFileSync(join(root, rel)))
      .digest('hex');
  const RELOAD = 'reload the page to see the change (your edits are still in the form: copy what you need first)';

  it('refuses a PUT with the revision from before an outside edit, keeping the edit; writes with the current one', async () => {
    const loaded = await pipeline('staging', 'speech-to-image');
    expect(loaded.revision).toBe(sha256(STAGING_SPEECH));
    writeFileSync(join(root, STAGING_SPEECH), `${read(STAGING_SPEECH)}# edited in an editor meanwhile\n`);
    const outside = read(STAGING_SPEECH);
    const timeout = (seconds: number) => (spec: { steps: { timeoutSeconds?: number }[] }) => {
      spec.steps[1]!.timeoutSeconds = seconds;
    };

    const stale = await panel.api<WriteResponse>('PUT', '/api/envs/staging/pipelines/speech-to-image', {
      document: edited(loaded.document, timeout(75)),
      revision: loaded.revision,
    });
    expect(stale.status).toBe(200);
    expect(stale.data).toEqual({
      ok: false,
      message: `${STAGING_SPEECH} changed on disk since this page loaded it; nothing was written`,
      hint: RELOAD,
      diagnostics: [],
    });
    expect(read(STAGING_SPEECH)).toBe(outside);

    const fresh = await pipeline('staging', 'speech-to-image');
    const saved = await panel.api<WriteResponse>('PUT', '/api/envs/staging/pipelines/speech-to-image', {
      document: edited(fresh.document, timeout(75)),
      revision: fresh.revision,
    });
    expect(saved.data).toMatchObject({ ok: true, revision: sha256(STAGING_SPEECH) });
    expect(read(STAGING_SPEECH)).toContain('# edited in an editor meanwhile');
    expect(read(STAGING_SPEECH)).toContain('timeoutSeconds: 75');
  });

  it('answers no revision for a pipeline not written yet, and refuses revision null once its file appeared', async () => {
    const rel = 'environments/dev/pipelines/late.yaml';
    const draft = await pipeline('dev', 'late');
    expect(draft.revision).toBeUndefined();
    const outside = '# written in an editor while the page was open\n';
    writeFileSync(join(root, rel), outside);
    const { data } = await panel.api<WriteResponse>('PUT', '/api/envs/dev/pipelines/late', { document: draft.document, revision: null });
    expect(data).toEqual({ ok: false, message: `${rel} changed on disk since this page loaded it; nothing was written`, hint: RELOAD, diagnostics: [] });
    expect(read(rel)).toBe(outside);
  });
});
