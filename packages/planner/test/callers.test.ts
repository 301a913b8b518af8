/**
 * `callers.namespaces`: checked names, the plan, and the warnings about callers that change
 * nothing, run no callers, reach a model without a token, or cannot wake it.
 */
import { describe, expect, it } from 'vitest';
import { environment, shown, withModels, workspace, LOCAL_PIPELINE_STEPS } from './tiny-workspace.ts';

const SCALE_TO_ZERO = '  autoscaling: { minReplicas: 0, maxReplicas: 2, triggers: { queueTimeMs: 50 }, scaleToZero: {} }\n';
const AUTH = '  auth: { jwt: { issuer: "https://k.example.com/realms/ml", jwksUri: "https://k.example.com/realms/ml/certs" } }\n';
/** The environment `test`, where models require tokens. */
const SECURED = environment('test', AUTH);

describe('callers', () => {
  it('plans the namespaces in the order written', () => {
    const { plans, diagnostics } = withModels({ whisper: '  callers: { namespaces: [search, batch-jobs] }\n', plain: '' }, SECURED);
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
    const result = withModels({ whisper: '  callers:\n    namespaces: [inference, istio-ingress, search]\n' }, SECURED);
    expect(result.hasErrors).toBe(false);
    expect(result.diagnostics.map((d) => [d.code, d.line, d.col, d.message])).toEqual([
      ['caller-already-admitted', 8, 18, `"inference" is this environment's own namespace, whose pods may already call every model`],
      ['caller-already-admitted', 8, 29, `"istio-ingress" is the ingress gateway's namespace, which is already admitted`],
    ]);
  });

  it('warns when a model that scales to zero lists callers it cannot be woken by, with the way out', () => {
    const result = withModels({ whisper: `${SCALE_TO_ZERO}  callers: { namespaces: [search] }\n` }, SECURED);
    expect(result.hasErrors).toBe(false);
    expect(shown(result)).toEqual([
      `environments/test/models/whisper.yaml:8:3: warning: model "whisper" scales to zero, and only requests through the ingress gateway (or from this environment's pipelines) wake it: callers in search get 503 while it is idle ` +
        '[keep a replica (`minReplicas: 1` without `scaleToZero`), or have them call through https://whisper.inference.example.com]',
    ]);
  });

  it('checks pipelines the same way', () => {
    const result = workspace({
      'environments/test/environment.yaml': SECURED,
      'environments/test/pipelines/chain.yaml': `apiVersion: tritonops.dev/v1alpha1
kind: Pipeline
metadata: { name: chain }
spec:
  localRepository: s3://models/chain/v1
  callers: { namespaces: [search] }
${SCALE_TO_ZERO}${LOCAL_PIPELINE_STEPS}`,
    });
    expect(result.diagnostics.map((d) => d.code)).toEqual(['callers-cannot-wake']);
    expect(result.plans[0]!.pipelines[0]!.server.callers).toEqual(['search']);
  });

  it('says http:// in the way out when the gateway has no certificate', () => {
    const plain = SECURED.replace('gateway: { domain: inference.example.com, tlsSecret: inference-tls }', 'gateway: { domain: inference.example.com }');
    const [warning] = withModels({ whisper: `${SCALE_TO_ZERO}  callers: { namespaces: [search] }\n` }, plain).diagnostics;
    expect(warning!.hint).toBe('keep a replica (`minReplicas: 1` without `scaleToZero`), or have them call through http://whisper.inference.example.com');
  });

  it('warns at callers that reach a model without a token, and says why none is required', () => {
    const callers = '  callers: { namespaces: [search] }\n';
    expect(shown(withModels({ whisper: callers }))).toEqual([
      'environments/test/models/whisper.yaml:7:3: warning: model "whisper" requires no token (environment "test" configures no `auth.jwt`): every pod of search in the mesh may call it ' +
        '[add `auth: { jwt: { issuer, jwksUri } }` to environments/test/environment.yaml, or remove the callers]',
    ]);
    expect(shown(withModels({ whisper: `  auth: { required: false }\n${callers}` }, SECURED))).toEqual([
      'environments/test/models/whisper.yaml:8:3: warning: model "whisper" requires no token (it sets `auth.required: false`): every pod of search in the mesh may call it [remove `auth.required: false`, or the callers]',
    ]);
    // Namespaces the policy does not widen anything for are not callers reaching it.
    expect(withModels({ whisper: '  callers: { namespaces: [inference] }\n' }).diagnostics.map((d) => d.code)).toEqual(['caller-already-admitted']);
  });

  it('refuses them in production', () => {
    const result = workspace({
      'environments/production/environment.yaml': environment('production'),
      'environments/production/models/whisper.yaml': `apiVersion: tritonops.dev/v1alpha1\nkind: Model\nmetadata: { name: whisper }\nspec:\n  image: nvcr.io/nvidia/tritonserver:24.10-py3\n  repository: s3://models/whisper/v1\n  callers: { namespaces: [search] }\n`,
    });
    expect(result.hasErrors).toBe(true);
    expect(result.diagnostics.filter((d) => d.code === 'callers-without-token').map((d) => [d.severity, d.file, d.line, d.col])).toEqual([
      ['error', 'environments/production/models/whisper.yaml', 7, 3],
    ]);
    expect(result.diagnostics.find((d) => d.code === 'callers-without-token')!.message).toContain('every pod of search in the mesh may call it, in production');
  });

  it('warns at platform namespaces, whose pods are no callers in the mesh', () => {
    const result = withModels(
      { whisper: '  callers:\n    namespaces: [kube-system, flux-system, istio-system, keda, gpu-operator, monitoring, search]\n' },
      SECURED,
    );
    expect(result.hasErrors).toBe(false);
    expect(result.diagnostics.map((d) => [d.code, d.line, d.col])).toEqual([
      ['caller-platform-namespace', 8, 18],
      ['caller-platform-namespace', 8, 31],
      ['caller-platform-namespace', 8, 44],
      ['caller-platform-namespace', 8, 58],
      ['caller-platform-namespace', 8, 64],
      ['caller-already-admitted', 8, 78],
    ]);
    expect(shown(result)[0]).toBe(
      'environments/test/models/whisper.yaml:8:18: warning: "kube-system" is where Kubernetes runs: its pods are no callers in the mesh, and without a sidecar STRICT mTLS refuses their requests whatever the NetworkPolicy admits ' +
        '[remove it; a caller runs in a namespace of its own with `istio-injection: enabled`]',
    );
    expect(result.diagnostics[3]!.message).toContain('"keda" is where KEDA runs');
  });
});
