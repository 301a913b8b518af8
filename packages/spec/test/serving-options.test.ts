/** Local disk for S3 downloads, and streaming routes: what the plan says and what validate refuses. */
import { describe, expect, it } from 'vitest';
import { environment, model, shown, withModels, workspace } from './tiny-workspace.ts';

const pipeline = (spec: string) => `apiVersion: tritonops.dev/v1alpha1
kind: Pipeline
metadata: { name: chain }
spec:
${spec}
  inputs: [{ name: IMAGE, datatype: BYTES, shape: [1] }]
  outputs: [{ name: LABELS, datatype: BYTES, shape: [5], from: post.LABELS }]
  steps:
    - { name: post, local: post, inputs: { SCORES: input.IMAGE } }
  signatures:
    post:
      inputs: [{ name: SCORES, datatype: BYTES, shape: [1] }]
      outputs: [{ name: LABELS, datatype: BYTES, shape: [5] }]
`;

describe('ephemeral storage', () => {
  it('gives servers that download from S3 20Gi, cached ones none, and takes what the spec says', () => {
    const { plans, diagnostics } = withModels({
      direct: '',
      cached: '  cache: sfs\n',
      big: '  resources: { ephemeralStorage: 80Gi }\n',
      scratch: '  cache: sfs\n  resources: { ephemeralStorage: 5Gi }\n',
    });
    expect(diagnostics).toEqual([]);
    const disk = Object.fromEntries(plans[0]!.models.map((m) => [m.name, m.resources.ephemeralStorage]));
    expect(disk).toEqual({ big: '80Gi', cached: undefined, direct: '20Gi', scratch: '5Gi' });
  });

  it('counts a pipeline server as downloading only when it has a local repository', () => {
    const env = environment('test');
    const withLocal = workspace({ 'environments/test/environment.yaml': env, 'environments/test/pipelines/chain.yaml': pipeline('  localRepository: s3://models/chain/v1') });
    expect(shown(withLocal)).toEqual([]);
    expect(withLocal.plans[0]!.pipelines[0]!.server.resources.ephemeralStorage).toBe('20Gi');
  });

  it('refuses a size of 0 at the field', () => {
    expect(shown(withModels({ direct: '  resources:\n    ephemeralStorage: "0"\n' }))).toEqual([
      'environments/test/models/direct.yaml:8:23: error: ephemeralStorage must be more than 0 [remove it for the default, or give the size of the repository and some room, e.g. `50Gi`]',
    ]);
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
});
