/** `callers.namespaces`: checked names, the plan, and the warnings about callers that change nothing or cannot wake a model. */
import { describe, expect, it } from 'vitest';
import { environment, shown, withModels, workspace } from './tiny-workspace.ts';

const SCALE_TO_ZERO = '  autoscaling: { minReplicas: 0, maxReplicas: 2, triggers: { queueTimeMs: 50 }, scaleToZero: {} }\n';

describe('callers', () => {
  it('plans the namespaces in the order written', () => {
    const { plans, diagnostics } = withModels({ whisper: '  callers: { namespaces: [search, batch-jobs] }\n', plain: '' });
    expect(diagnostics).toEqual([]);
    expect(plans[0]!.models.map((m) => [m.name, m.callers])).toEqual([
      ['plain', undefined],
      ['whisper', ['search', 'batch-jobs']],
    ]);
  });

  it('refuses names that are no namespace and names listed twice, at the entry', () => {
    expect(shown(withModels({ whisper: '  callers:\n    namespaces: [search, Batch_Jobs, search]\n' }))).toEqual([
      'environments/test/models/whisper.yaml:8:26: error: spec.callers.namespaces[1] "Batch_Jobs" is not in the expected format [use lowercase letters, digits and "-", starting with a letter and ending with a letter or digit (DNS-1123 label)]',
      'environments/test/models/whisper.yaml:8:38: error: spec.callers.namespaces lists "search" twice [remove the repeated entry]',
    ]);
  });

  it('warns about namespaces the environment already admits', () => {
    const result = withModels({ whisper: '  callers:\n    namespaces: [inference, istio-ingress, search]\n' });
    expect(result.hasErrors).toBe(false);
    expect(result.diagnostics.map((d) => [d.code, d.line, d.col, d.message])).toEqual([
      ['caller-already-admitted', 8, 18, `"inference" is this environment's own namespace, whose pods may already call every model`],
      ['caller-already-admitted', 8, 29, `"istio-ingress" is the ingress gateway's namespace, which is already admitted`],
    ]);
  });

  it('warns when a model that scales to zero lists callers it cannot be woken by, with the way out', () => {
    const result = withModels({ whisper: `${SCALE_TO_ZERO}  callers: { namespaces: [search] }\n` });
    expect(result.hasErrors).toBe(false);
    expect(shown(result)).toEqual([
      `environments/test/models/whisper.yaml:8:3: warning: model "whisper" scales to zero, and only requests through the ingress gateway (or from this environment's pipelines) wake it: callers in search get 503 while it is idle ` +
        '[keep a replica (`minReplicas: 1` without `scaleToZero`), or have them call through https://whisper.inference.example.com]',
    ]);
  });

  it('checks pipelines the same way', () => {
    const result = workspace({
      'environments/test/environment.yaml': environment('test'),
      'environments/test/pipelines/chain.yaml': `apiVersion: tritonops.dev/v1alpha1
kind: Pipeline
metadata: { name: chain }
spec:
  localRepository: s3://models/chain/v1
  callers: { namespaces: [search] }
${SCALE_TO_ZERO}  inputs: [{ name: IMAGE, datatype: BYTES, shape: [1] }]
  outputs: [{ name: LABELS, datatype: BYTES, shape: [5], from: post.LABELS }]
  steps:
    - { name: post, local: post, inputs: { SCORES: input.IMAGE } }
  signatures:
    post:
      inputs: [{ name: SCORES, datatype: BYTES, shape: [1] }]
      outputs: [{ name: LABELS, datatype: BYTES, shape: [5] }]
`,
    });
    expect(result.diagnostics.map((d) => d.code)).toEqual(['callers-cannot-wake']);
    expect(result.plans[0]!.pipelines[0]!.server.callers).toEqual(['search']);
  });
});
