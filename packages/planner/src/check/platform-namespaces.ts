/**
 * The namespaces the platform itself runs in (Flux, Istio and its ingress gateway, KEDA, the
 * monitoring stack, the GPU operator): rendered by tritonops' infrastructure, and never an
 * environment's namespace for models — a model there could name the platform's own Secrets (Flux's
 * deploy key, the mesh's CA) in `s3.credentialsSecret`, and the models Kustomization would relabel
 * the namespace.
 */
export const PLATFORM_NAMESPACES = {
  flux: 'flux-system',
  istio: 'istio-system',
  ingress: 'istio-ingress',
  keda: 'keda',
  monitoring: 'monitoring',
  gpuOperator: 'gpu-operator',
} as const;

/** Why `namespace` cannot hold an environment's models, or undefined when it can. */
export function reservedNamespace(namespace: string): string | undefined {
  if ((Object.values(PLATFORM_NAMESPACES) as string[]).includes(namespace)) return 'the platform itself runs there';
  if (namespace === 'default' || namespace.startsWith('kube-')) return 'it belongs to Kubernetes';
  return undefined;
}

const PLATFORM_OWNERS: Record<string, string> = {
  [PLATFORM_NAMESPACES.flux]: 'Flux',
  [PLATFORM_NAMESPACES.istio]: "Istio's control plane",
  [PLATFORM_NAMESPACES.ingress]: 'the ingress gateway',
  [PLATFORM_NAMESPACES.keda]: 'KEDA',
  [PLATFORM_NAMESPACES.monitoring]: 'the monitoring stack',
  [PLATFORM_NAMESPACES.gpuOperator]: 'the GPU operator',
};

/** What runs in `namespace` when it is the platform's or Kubernetes' own (`kube-*`), else undefined. */
export function platformOwner(namespace: string): string | undefined {
  return PLATFORM_OWNERS[namespace] ?? (namespace.startsWith('kube-') ? 'Kubernetes' : undefined);
}
