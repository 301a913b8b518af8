/** Local disk for S3 downloads, and streaming routes: what the plan says and what validate refuses. */
import { describe, expect, it } from 'vitest';
import { environment, model, shown, withModels, workspace, LOCAL_PIPELINE_STEPS } from './tiny-workspace.ts';

const pipeline = (spec: string) => `apiVersion: tritonops.dev/v1alpha1
kind: Pipeline
metadata: { name: chain }
spec:
${spec}
${LOCAL_PIPELINE_STEPS}`;

describe('ephemeral storage', () => {
  it('has servers that download from S3 request 20Gi without a limit, cached ones nothing, and sizes the spec sets as request and limit', () => {
    const { plans, diagnostics } = withModels({
      direct: '',
      cached: '  cache: sfs\n',
      big: '  resources: { ephemeralStorage: 80Gi }\n',
      scratch: '  cache: sfs\n  resources: { ephemeralStorage: 5Gi }\n',
    });
    expect(diagnostics).toEqual([]);
    const disk = Object.fromEntries(plans[0]!.models.map((m) => [m.name, m.resources.ephemeralStorage]));
    // A default limit would evict, in a loop, a pod whose repository outgrows a size nobody chose.
    expect(disk).toEqual({
      big: { request: '80Gi', limit: '80Gi' },
      cached: undefined,
      direct: { request: '20Gi' },
      scratch: { request: '5Gi', limit: '5Gi' },
    });
  });

  it('counts a pipeline server as downloading only when it has a local repository', () => {
    const env = environment('test');
    const withLocal = workspace({
      'environments/test/environment.yaml': env,
      'environments/test/pipelines/chain.yaml': pipeline('  localRepository: s3://models/chain/v1'),
    });
    expect(shown(withLocal)).toEqual([]);
    expect(withLocal.plans[0]!.pipelines[0]!.server.resources.ephemeralStorage).toEqual({ request: '20Gi' });
  });

  it('refuses sizes under 1Gi and milli units at the value, whatever their spelling', () => {
    const sized = (value: string) => shown(withModels({ direct: `  resources:\n    ephemeralStorage: ${value}\n` }));
    const at = 'environments/test/models/direct.yaml:8:23: error: ephemeralStorage';
    const hint = '[use Gi, e.g. `50Gi`]';
    expect(sized('"0"')).toEqual([
      `${at} 0 is 0 bytes (a size without a unit counts bytes): too little for a model repository, which Triton downloads whole ${hint}`,
    ]);
    expect(sized('"20"')).toEqual([
      `${at} 20 is 20 bytes (a size without a unit counts bytes): too little for a model repository, which Triton downloads whole ${hint}`,
    ]);
    expect(sized('20')).toEqual([
      `${at} 20 is 20 bytes (a size without a unit counts bytes): too little for a model repository, which Triton downloads whole ${hint}`,
    ]);
    expect(sized('1Ki')).toEqual([`${at} 1Ki is less than 1Gi: too little for a model repository, which Triton downloads whole ${hint}`]);
    expect(sized('1G')).toEqual([`${at} 1G is less than 1Gi: too little for a model repository, which Triton downloads whole ${hint}`]);
    expect(sized('500m')).toEqual([`${at} 500m is 500 thousandths of a byte ("m" is milli, not mega) ${hint}`]);
    // Milli is refused even where the number would be large enough.
    expect(sized('50000000000000m')).toEqual([`${at} 50000000000000m is 50000000000000 thousandths of a byte ("m" is milli, not mega) ${hint}`]);
  });

  it('takes 1Gi and more, in any binary or decimal unit', () => {
    for (const value of ['1Gi', '2G', '50Gi', '1Ti', '1073741824']) {
      expect(withModels({ direct: `  resources: { ephemeralStorage: ${value} }\n` }).diagnostics, value).toEqual([]);
    }
  });
});

describe('streaming', () => {
  it('plans no route timeout for a streaming server, and the default one otherwise', () => {
    const { plans } = withModels({ llm: '  traffic: { streaming: true }\n', plain: '' });
    const traffic = Object.fromEntries(plans[0]!.models.map((m) => [m.name, m.traffic]));
    expect(traffic.llm).toMatchObject({ streaming: true });
    expect(traffic.llm!.timeout).toBeUndefined();
    expect(traffic.plain).toMatchObject({ streaming: false, timeout: '60s' });
  });

  it('refuses a timeout written beside it, and a per-try timeout that would cut every stream', () => {
    const result = withModels({ llm: '  traffic:\n    streaming: true\n    timeout: 300s\n    retries: { perTryTimeout: 30s }\n' });
    expect(shown(result)).toEqual([
      "environments/test/models/llm.yaml:9:5: error: a streaming server's routes carry no timeout: `traffic.timeout` would do nothing [remove `timeout`, or `streaming` if responses must end within a time]",
      'environments/test/models/llm.yaml:10:16: error: perTryTimeout 30s would end every stream at that age [remove `perTryTimeout` (retries still only retry what never reached Triton)]',
    ]);
  });

  it('is refused the same way on pipelines', () => {
    const result = workspace({
      'environments/test/environment.yaml': environment('test'),
      'environments/test/pipelines/chain.yaml': pipeline('  localRepository: s3://models/chain/v1\n  traffic: { streaming: true, timeout: 10m }'),
      'environments/test/models/unused.yaml': model('unused', ''),
    });
    expect(result.diagnostics.map((d) => d.code)).toEqual(['streaming-timeout']);
  });

  it('warns at the field that gRPC streams cannot reach a model under Flagger analysis', () => {
    const result = withModels({
      llm: '  traffic:\n    streaming: true\n  canary:\n    analysis: {}\n',
      plain: '  canary:\n    analysis: {}\n',
      routed: '  traffic: { streaming: true }\n  canary: { repository: s3://models/routed/v2, weight: 10 }\n',
    });
    expect(result.hasErrors).toBe(false);
    expect(shown(result)).toEqual([
      'environments/test/models/llm.yaml:8:5: warning: under `canary.analysis` the model is served over HTTP only (Flagger pins its routes to port 8000, see docs/transitions.md, "gRPC and Flagger"): gRPC `ModelStreamInfer` cannot reach it, only HTTP `generate_stream` streams ' +
        '[have clients stream over HTTP (`generate_stream`), or release with a static canary (`weight`, `header`) instead of `analysis` to keep gRPC]',
    ]);
  });

  it('warns a pipeline whose steps call models: it answers once, so only the timeout goes', () => {
    const remote = `apiVersion: tritonops.dev/v1alpha1
kind: Pipeline
metadata: { name: chain }
spec:
  traffic: { streaming: true }
  inputs: [{ name: TEXT, datatype: BYTES, shape: [1] }]
  outputs: [{ name: TOKENS, datatype: BYTES, shape: [-1], from: generate.TOKENS }]
  steps:
    - { name: generate, model: llm, inputs: { PROMPT: input.TEXT } }
`;
    const llm = model(
      'llm',
      '  signatures:\n    llm:\n      inputs: [{ name: PROMPT, datatype: BYTES, shape: [1] }]\n      outputs: [{ name: TOKENS, datatype: BYTES, shape: [-1] }]\n',
    );
    const result = workspace({
      'environments/test/environment.yaml': environment('test'),
      'environments/test/pipelines/chain.yaml': remote,
      'environments/test/models/llm.yaml': llm,
    });
    expect(result.hasErrors).toBe(false);
    expect(shown(result)).toEqual([
      'environments/test/pipelines/chain.yaml:5:14: warning: the pipeline calls the models of its steps (generate) with one unary HTTP request each and waits for the whole response: it answers once, after its last step, and `streaming` only takes the timeout off its routes ' +
        '[remove `streaming`, and let `traffic.timeout` bound a run; a caller that needs a stream calls the model itself]',
    ]);
    // Local steps run inside the pipeline's own Triton, where a decoupled model may stream.
    const local = workspace({
      'environments/test/environment.yaml': environment('test'),
      'environments/test/pipelines/chain.yaml': pipeline('  localRepository: s3://models/chain/v1\n  traffic: { streaming: true }'),
    });
    expect(shown(local)).toEqual([]);
  });
});
