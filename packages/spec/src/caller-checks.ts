/**
 * Callers from other namespaces (`callers.namespaces`): a per-server NetworkPolicy admits them on
 * the serving ports. Listing a namespace the environment already admits changes nothing, and a
 * server that scales to zero is woken only by the requests its wake-up counts (through the
 * ingress gateway, and from the environment's own pipeline servers): a caller from another
 * namespace would get 503 until someone else wakes it. Both are warnings: the policy is valid.
 */
import type { Diagnostic } from './diagnostics.ts';
import type { Loaded, LoadedEnvironment } from './load.ts';
import { PLATFORM_NAMESPACES } from './platform-namespaces.ts';
import type { AutoscalingSpec, CallersSpec } from './schema/model.ts';
import type { SourceFile } from './source-file.ts';

interface Served {
  readonly metadata: { readonly name: string };
  readonly spec: { readonly callers?: CallersSpec; readonly autoscaling?: AutoscalingSpec };
}

export function checkCallers(env: LoadedEnvironment): Diagnostic[] {
  const spec = env.environment?.value.spec;
  // Without a valid environment.yaml there is no namespace to compare with; its errors say why.
  if (!spec) return [];
  const admitted = new Map([
    [spec.namespace, `"${spec.namespace}" is this environment's own namespace, whose pods may already call every model`],
    [PLATFORM_NAMESPACES.ingress, `"${PLATFORM_NAMESPACES.ingress}" is the ingress gateway's namespace, which is already admitted`],
    [PLATFORM_NAMESPACES.monitoring, `"${PLATFORM_NAMESPACES.monitoring}" is already admitted (Prometheus scrapes every port)`],
  ]);
  const host = (name: string) => (spec.gateway ? `https://${name}.${spec.gateway.domain}` : `the gateway (this environment has none: add \`gateway\` to ${env.environment!.file.path})`);
  const out: Diagnostic[] = [];
  const served: { loaded: Loaded<Served>; kind: 'model' | 'pipeline' }[] = [
    ...env.models.map((loaded) => ({ loaded, kind: 'model' as const })),
    ...env.pipelines.map((loaded) => ({ loaded, kind: 'pipeline' as const })),
  ];
  for (const { loaded, kind } of served) {
    const { file, value } = loaded;
    const callers = value.spec.callers;
    if (!callers) continue;
    const warn = (f: SourceFile, path: (string | number)[], code: string, message: string, hint: string, at: 'key' | 'value' = 'value') =>
      out.push({ severity: 'warning', code, file: f.path, ...f.locate(path, at), message, hint });
    callers.namespaces.forEach((namespace, i) => {
      const why = admitted.get(namespace);
      if (why) warn(file, ['spec', 'callers', 'namespaces', i], 'caller-already-admitted', why, 'remove it from `callers.namespaces`');
    });
    const others = callers.namespaces.filter((n) => !admitted.has(n));
    const auto = value.spec.autoscaling;
    if (others.length > 0 && auto && (auto.minReplicas === 0 || auto.scaleToZero)) {
      warn(
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
