/**
 * Callers from other namespaces (`callers.namespaces`): a per-server NetworkPolicy admits them on
 * the serving ports. The policy only widens the network path, so what else guards the server
 * matters:
 *
 * - with no token required (no `auth.jwt` in the environment, or `auth.required: false`), any pod
 *   of those namespaces may call it: a warning, and an error in production;
 * - the platform's namespaces (Flux, Istio, KEDA, the GPU operator, Kubernetes' `kube-*`) run no
 *   callers: their pods have no sidecar, so STRICT mTLS refuses them whatever the policy admits;
 * - a namespace the environment already admits changes nothing;
 * - a server that scales to zero is woken only by the requests its wake-up counts (through the
 *   ingress gateway, and from the environment's own pipeline servers): a caller from another
 *   namespace would get 503 until someone else wakes it.
 */
import type { Diagnostic } from '../diagnostics.ts';
import type { DiagnosticCode } from '../diagnostic-codes.ts';
import type { Loaded, LoadedEnvironment } from '../load/read-specs.ts';
import { isProduction } from '../plan/environment.ts';
import { PLATFORM_NAMESPACES, platformOwner } from './platform-namespaces.ts';
import type { AuthSpec, AutoscalingSpec, CallersSpec } from '@tritonops/spec';
import type { SourceFile } from '../load/source-file.ts';

interface Served {
  readonly metadata: { readonly name: string };
  readonly spec: { readonly callers?: CallersSpec; readonly autoscaling?: AutoscalingSpec; readonly auth: AuthSpec };
}

export function checkCallers(env: LoadedEnvironment): Diagnostic[] {
  const spec = env.environment?.value.spec;
  // Without a valid environment.yaml there is no namespace to compare with; its errors say why.
  if (!spec) return [];
  const envFile = env.environment!.file;
  const admitted = new Map([
    [spec.namespace, `"${spec.namespace}" is this environment's own namespace, whose pods may already call every model`],
    [PLATFORM_NAMESPACES.ingress, `"${PLATFORM_NAMESPACES.ingress}" is the ingress gateway's namespace, which is already admitted`],
    [PLATFORM_NAMESPACES.monitoring, `"${PLATFORM_NAMESPACES.monitoring}" is already admitted (Prometheus scrapes every port)`],
  ]);
  // Without a TLS certificate the gateway serves plain HTTP.
  const host = (name: string) =>
    spec.gateway
      ? `${spec.gateway.tlsSecret ? 'https' : 'http'}://${name}.${spec.gateway.domain}`
      : `the gateway (this environment has none: add \`gateway\` to ${envFile.path})`;
  const out: Diagnostic[] = [];
  const served: { loaded: Loaded<Served>; kind: 'model' | 'pipeline' }[] = [
    ...env.models.map((loaded) => ({ loaded, kind: 'model' as const })),
    ...env.pipelines.map((loaded) => ({ loaded, kind: 'pipeline' as const })),
  ];
  for (const { loaded, kind } of served) {
    const { file, value } = loaded;
    const callers = value.spec.callers;
    if (!callers) continue;
    const report = (
      severity: Diagnostic['severity'],
      f: SourceFile,
      path: (string | number)[],
      code: DiagnosticCode,
      message: string,
      hint: string,
      at: 'key' | 'value' = 'value',
    ) => out.push({ severity, code, file: f.path, ...f.locate(path, at), message, hint });
    const others: string[] = [];
    callers.namespaces.forEach((namespace, i) => {
      const why = admitted.get(namespace);
      const owner = platformOwner(namespace);
      if (why) report('warning', file, ['spec', 'callers', 'namespaces', i], 'caller-already-admitted', why, 'remove it from `callers.namespaces`');
      else if (owner) {
        report(
          'warning',
          file,
          ['spec', 'callers', 'namespaces', i],
          'caller-platform-namespace',
          `"${namespace}" is where ${owner} runs: its pods are no callers in the mesh, and without a sidecar STRICT mTLS refuses their requests whatever the NetworkPolicy admits`,
          'remove it; a caller runs in a namespace of its own with `istio-injection: enabled`',
        );
      } else others.push(namespace);
    });
    if (others.length === 0) continue;

    const tokenRequired = spec.auth !== undefined && value.spec.auth.required;
    if (!tokenRequired) {
      const production = isProduction(env.name);
      report(
        production ? 'error' : 'warning',
        file,
        ['spec', 'callers'],
        'callers-without-token',
        `${kind} "${value.metadata.name}" requires no token (${spec.auth ? 'it sets `auth.required: false`' : `environment "${env.name}" configures no \`auth.jwt\``}): every pod of ${others.join(', ')} in the mesh may call it${production ? ', in production' : ''}`,
        spec.auth ? 'remove `auth.required: false`, or the callers' : `add \`auth: { jwt: { issuer, jwksUri } }\` to ${envFile.path}, or remove the callers`,
        'key',
      );
    }
    const auto = value.spec.autoscaling;
    if (auto && (auto.minReplicas === 0 || auto.scaleToZero)) {
      report(
        'warning',
        file,
        ['spec', 'callers'],
        'callers-cannot-wake',
        `${kind} "${value.metadata.name}" scales to zero, and only requests through the ingress gateway (or from this environment's pipelines) wake it: callers in ${others.join(', ')} get 503 while it is idle`,
        `keep a replica (\`minReplicas: 1\` without \`scaleToZero\`), or have them call through ${host(value.metadata.name)}`,
        'key',
      );
    }
  }
  return out;
}
