/**
 * Pinned versions of the platform's Helm charts. Pinned, so that a cluster changes only through a
 * reviewed change to this file; bump them together with the release notes of each project.
 */
export const HELM_REPOSITORIES = {
  istio: 'https://istio-release.storage.googleapis.com/charts',
  kedacore: 'https://kedacore.github.io/charts',
  'prometheus-community': 'https://prometheus-community.github.io/helm-charts',
  nvidia: 'https://helm.ngc.nvidia.com/nvidia',
  flagger: 'https://flagger.app',
} as const;

export type HelmRepositoryName = keyof typeof HELM_REPOSITORIES;

export const CHART_VERSIONS = {
  istio: '1.26.2',
  keda: '2.17.2',
  kubePrometheusStack: '75.15.0',
  gpuOperator: 'v25.3.1',
  flagger: '1.44.0',
} as const;
