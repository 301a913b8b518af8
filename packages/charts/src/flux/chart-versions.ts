/**
 * Where the platform's Helm charts come from, and the versions tritonops pins. The pins live in
 * the spec (`PLATFORM_CHART_DEFAULTS`, the defaults of an environment's `platform.charts`), so
 * that each environment can run its own and an upgrade goes dev → staging → production.
 */
import { PLATFORM_CHART_DEFAULTS } from '@tritonops/spec';

export const HELM_REPOSITORIES = {
  istio: 'https://istio-release.storage.googleapis.com/charts',
  kedacore: 'https://kedacore.github.io/charts',
  'prometheus-community': 'https://prometheus-community.github.io/helm-charts',
  nvidia: 'https://helm.ngc.nvidia.com/nvidia',
  flagger: 'https://flagger.app',
} as const;

export type HelmRepositoryName = keyof typeof HELM_REPOSITORIES;

/** The versions an environment runs when its `platform.charts` names none. */
export const CHART_VERSIONS = PLATFORM_CHART_DEFAULTS;
