/**
 * Pipelines end to end: the generated Triton configurations are golden-tested and read back by
 * protobuf's own text-format parser against Triton's model_config.proto; the pictures parse with
 * Mermaid's own parser; the bundled environments show the graphs the product promises.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JSDOM } from 'jsdom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pipelineRepository } from '@tritonops/charts';
import { planRepository, pipelineDot, pipelineMermaid, type EnvironmentPlan } from '@tritonops/planner';
import { compileProto, tritonProto } from './support/python.ts';
import { nonEmpty } from './support/non-empty.ts';
import { BUNDLED, parsedObjects, renderBundled, REPO_ROOT, SHARED_DIR } from './support/workspace.ts';

type Obj = Record<string, any>;
const plans = planRepository({ root: BUNDLED, displayBase: BUNDLED }).plans;
const pipelines = plans.flatMap((env) => env.pipelines.map((p) => ({ env, plan: p })));
const configs = pipelines.flatMap(({ env, plan }) =>
  pipelineRepository(plan)
    .filter((f) => f.path.endsWith('config.pbtxt'))
    .map((f) => ({ env: env.name, pipeline: plan.graph.name, path: f.path, content: f.content })),
);
const GOLDEN = join(REPO_ROOT, 'test/golden/pipelines');

describe('bundled pipelines', () => {
  const graph = (env: string, name: string) => pipelines.find((p) => p.env.name === env && p.plan.graph.name === name)?.plan.graph;

  it('chain speech to image across GPU pools in staging and production', () => {
    for (const env of ['staging', 'production']) {
      const g = graph(env, 'speech-to-image')!;
      expect(g.steps.map((s) => `${s.name}:${s.model}`)).toEqual(['transcribe:whisper', 'draw:stable-diffusion']);
      const pools = g.steps.map((s) => plans.find((p) => p.name === env)!.models.find((m) => m.name === s.model)!.gpu!.pool);
      expect(pools).toEqual(['t4', 'a100']);
    }
  });

  it('run pre-processing -> model -> post-processing in dev, the ends local to the pipeline server', () => {
    const g = graph('dev', 'image-classification')!;
    expect(g.steps.map((s) => s.model ?? `local:${s.tritonModel}`)).toEqual(['local:preprocess', 'densenet', 'local:postprocess']);
  });

  it('are endpoints like models: route, auth, monitoring and (in production) autoscaling', () => {
    const objects = parsedObjects(renderBundled()).map((r) => r.object as Obj);
    const of = (kind: string, env: string) =>
      objects.find(
        (o) =>
          o.kind === kind &&
          o.metadata.name === (kind === 'VirtualService' ? 'speech-to-image-ingress' : 'speech-to-image') &&
          o.metadata.labels['tritonops.dev/environment'] === env,
      );
    expect(of('VirtualService', 'production')!.spec.hosts).toEqual(['speech-to-image.inference.acme.example']);
    expect(of('AuthorizationPolicy', 'production')).toBeDefined();
    expect(of('PodMonitor', 'production')).toBeDefined();
    expect(of('ScaledObject', 'production')!.spec.scaleTargetRef.name).toBe('speech-to-image');
    const pod = of('Deployment', 'production')!.spec.template.spec;
    expect(pod.containers[0].resources.limits).toEqual({ memory: '4Gi' }); // no GPU
    expect(pod.containers[0].args).toContain('--http-header-forward-pattern=(authorization|traceparent|tracestate)');
  });
});

describe('generated config.pbtxt', () => {
  it.each(
    nonEmpty(
      configs.map((c) => [`${c.env}/${c.pipeline}/${c.path}`, c] as const),
      'generated config.pbtxt files',
    ),
  )('%s matches its golden file (`vitest -u` rewrites it)', async (_name, config) => {
    await expect(config.content).toMatchFileSnapshot(join(GOLDEN, config.env, config.path));
  });

  describe("parsed back by protobuf's text-format reader against Triton's model_config.proto", () => {
    const triton = tritonProto(SHARED_DIR);
    const skip = triton.skip;
    let parsed: Record<string, Obj> = {};
    let work = '';

    beforeAll(() => {
      if (triton.skip !== undefined) return;
      work = mkdtempSync(join(tmpdir(), 'tritonops-pbtxt-'));
      compileProto(triton.proto, work);
      const files = configs.map((c, i) => {
        const file = join(work, `config-${i}.pbtxt`);
        writeFileSync(file, c.content);
        return file;
      });
      const script = [
        'import json, sys',
        `sys.path.insert(0, ${JSON.stringify(work)})`,
        'import model_config_pb2',
        'from google.protobuf import json_format, text_format',
        'out = {}',
        'for path in sys.argv[1:]:',
        '    message = model_config_pb2.ModelConfig()',
        '    text_format.Parse(open(path).read(), message)',
        '    out[path] = json_format.MessageToDict(message, preserving_proto_field_name=True)',
        'print(json.dumps(out))',
      ].join('\n');
      const run = spawnSync((triton as { python: string }).python, ['-c', script, ...files], { encoding: 'utf8' });
      if (run.status !== 0) throw new Error(`text_format.Parse failed: ${run.stderr}`);
      const byFile = JSON.parse(run.stdout) as Record<string, Obj>;
      parsed = Object.fromEntries(configs.map((c, i) => [`${c.env}/${c.path}`, byFile[files[i]!]!]));
    });
    afterAll(() => work && rmSync(work, { recursive: true, force: true }));

    it('every generated config parses as a ModelConfig', (ctx) => {
      if (skip) ctx.skip(skip);
      expect(Object.keys(parsed)).toHaveLength(configs.length);
      for (const [name, message] of Object.entries(parsed)) expect(message.name, name).toBeTypeOf('string');
    });

    it('the ensemble wires the steps as the spec says', (ctx) => {
      if (skip) ctx.skip(skip);
      const ensemble = parsed['production/speech-to-image/config.pbtxt']!;
      expect(ensemble).toMatchObject({ name: 'speech-to-image', platform: 'ensemble' });
      expect(ensemble.input).toEqual([{ name: 'AUDIO', data_type: 'TYPE_FP32', dims: ['-1'] }]);
      expect(ensemble.output.map((o: Obj) => [o.name, o.data_type])).toEqual([
        ['IMAGE', 'TYPE_UINT8'],
        ['TRANSCRIPT', 'TYPE_STRING'],
      ]);
      expect(ensemble.ensemble_scheduling.step).toEqual([
        { model_name: 'remote-transcribe', model_version: '-1', input_map: { AUDIO: 'AUDIO' }, output_map: { TEXT: 'TRANSCRIPT' } },
        { model_name: 'remote-draw', model_version: '-1', input_map: { PROMPT: 'TRANSCRIPT' }, output_map: { IMAGE: 'IMAGE' } },
      ]);
      const dev = parsed['dev/image-classification/config.pbtxt']!;
      expect(dev.ensemble_scheduling.step.map((s: Obj) => s.model_name)).toEqual(['preprocess', 'remote-classify', 'postprocess']);
      expect(dev.ensemble_scheduling.step[1]).toMatchObject({ input_map: { data_0: 'preprocess.PIXELS' }, output_map: { fc6_1: 'classify.fc6_1' } });
    });

    it('a remote step is a Python model configured to call its model', (ctx) => {
      if (skip) ctx.skip(skip);
      const step = parsed['production/remote-draw/config.pbtxt']!;
      expect(step).toMatchObject({ name: 'remote-draw', backend: 'python', instance_group: [{ count: 8, kind: 'KIND_CPU' }] });
      expect(step.parameters).toEqual({
        endpoint: { string_value: 'http://stable-diffusion.inference.svc.cluster.local:8000' },
        model: { string_value: 'stable_diffusion' },
        pipeline: { string_value: 'speech-to-image' },
        step: { string_value: 'draw' },
        timeout_seconds: { string_value: '120' },
      });
    });

    it('the reader does reject a broken config (so the checks above can fail)', (ctx) => {
      if (skip) ctx.skip(skip);
      const broken = join(work, 'broken.pbtxt');
      writeFileSync(broken, 'name: "x"\nplatfrom: "ensemble"\n');
      const script = `import sys\nsys.path.insert(0, ${JSON.stringify(work)})\nimport model_config_pb2\nfrom google.protobuf import text_format\ntext_format.Parse(open(sys.argv[1]).read(), model_config_pb2.ModelConfig())`;
      const run = spawnSync((triton as { python: string }).python, ['-c', script, broken], { encoding: 'utf8' });
      expect(run.status).not.toBe(0);
      expect(run.stderr).toContain('platfrom');
    });
  });
});

describe('pipeline pictures', () => {
  let mermaid: { parse(text: string): Promise<unknown> };
  beforeAll(async () => {
    const dom = new JSDOM('<!doctype html><html><body></body></html>');
    Object.assign(globalThis, { window: dom.window, document: dom.window.document });
    mermaid = (await import('mermaid')).default as unknown as typeof mermaid;
    (mermaid as unknown as { initialize(c: object): void }).initialize({ startOnLoad: false });
  });

  it.each(
    nonEmpty(
      pipelines.map(({ env, plan }) => [`${env.name}/${plan.graph.name}`, env, plan.graph.name] as const),
      'bundled pipelines',
    ),
  )("%s parses with Mermaid's own parser", async (_n, env: EnvironmentPlan, name) => {
    const plan = env.pipelines.find((p) => p.graph.name === name)!;
    const text = pipelineMermaid(env, plan);
    await expect(mermaid.parse(text)).resolves.toMatchObject({ diagramType: expect.stringContaining('flowchart') });
    for (const step of plan.graph.steps) expect(text).toContain(`step_${step.name.replace(/-/g, '_')}["${step.name}<br/>`);
  });

  it('Mermaid does reject a broken chart (so the checks above can fail)', async () => {
    await expect(mermaid.parse('flowchart LR\n  a -->|"x| b')).rejects.toThrow();
  });

  it('draws the speech-to-image graph with pools on the steps and tensors on the edges, in Mermaid and DOT', () => {
    const { env, plan } = pipelines.find((p) => p.env.name === 'production')!;
    const mermaidText = pipelineMermaid(env, plan);
    expect(mermaidText).toContain('step_transcribe["transcribe<br/>whisper/whisper · GPU pool t4"]');
    expect(mermaidText).toContain('step_transcribe -->|"TEXT → PROMPT"| step_draw');
    const dot = pipelineDot(env, plan);
    expect(dot).toContain('step_transcribe -> step_draw [label="TEXT → PROMPT"];');
  });
});
