/**
 * Flux entry points of one cluster (`flux/clusters/<env>/`): where Git is, and the
 * Kustomizations that apply the platform's infrastructure first and the models after it.
 */
import { PLATFORM_NAMESPACES } from '@tritonops/spec';
import type { Construct } from 'constructs';
import type { IGitRepository } from '@kubernetes-models/flux-cd/source.toolkit.fluxcd.io/v1/GitRepository';
import type { IKustomization } from '@kubernetes-models/flux-cd/kustomize.toolkit.fluxcd.io/v1/Kustomization';
import type { EnvironmentCore, EnvironmentPlan } from '@tritonops/spec';
import { environmentLabels } from '../labels.ts';
import { typedObject } from '../typed-api-object.ts';

export const FLUX_NAMESPACE = PLATFORM_NAMESPACES.flux;
/** Name of the GitRepository every Kustomization of the cluster reads from. */
export const GIT_SOURCE = 'tritonops';

export const fluxPaths = (env: string) => ({
  cluster: `flux/clusters/${env}`,
  infrastructure: `flux/infrastructure/${env}`,
  models: `flux/models/${env}`,
});

export function addGitRepository(scope: Construct, env: EnvironmentCore): void {
  typedObject<IGitRepository>(scope, 'git-repository', {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'GitRepository',
    metadata: { name: GIT_SOURCE, namespace: FLUX_NAMESPACE, labels: environmentLabels(env) },
    spec: {
      interval: env.git.interval,
      url: env.git.url,
      ref: { branch: env.git.branch },
      ...(env.git.secretRef ? { secretRef: { name: env.git.secretRef } } : {}),
      // Only the rendered tree matters to the cluster; specs and code stay out of the artifact.
      ignore: '/*\n!/flux/\n',
    },
  });
}

interface KustomizationOptions {
  readonly name: string;
  readonly path: string;
  readonly interval: string;
  readonly timeout: string;
  readonly wait: boolean;
  readonly dependsOn?: string[];
}

function addKustomization(scope: Construct, env: EnvironmentCore, o: KustomizationOptions): void {
  typedObject<IKustomization>(scope, `kustomization-${o.name}`, {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name: o.name, namespace: FLUX_NAMESPACE, labels: environmentLabels(env) },
    spec: {
      interval: o.interval,
      retryInterval: '1m',
      timeout: o.timeout,
      path: `./${o.path}`,
      prune: true,
      wait: o.wait,
      sourceRef: { kind: 'GitRepository', name: GIT_SOURCE },
      ...(o.dependsOn ? { dependsOn: o.dependsOn.map((name) => ({ name })) } : {}),
    },
  });
}

/** The cluster's own folder, so that changes to these entry points apply themselves. */
export function addClusterKustomization(scope: Construct, env: EnvironmentCore): void {
  addKustomization(scope, env, { name: 'cluster', path: fluxPaths(env.name).cluster, interval: '10m', timeout: '5m', wait: false });
}

export function addInfrastructureKustomization(scope: Construct, env: EnvironmentCore): void {
  // wait: the models use CRDs (PodMonitor, later ScaledObject, VirtualService) installed here.
  addKustomization(scope, env, { name: 'infrastructure', path: fluxPaths(env.name).infrastructure, interval: '10m', timeout: '15m', wait: true });
}

export function addModelsKustomization(scope: Construct, env: EnvironmentPlan): void {
  // A rollout may take as long as the slowest model's startup budget, plus the pod's scheduling.
  const longestStartup = Math.max(300, ...env.models.map((m) => m.startupTimeoutSeconds));
  const timeout = `${Math.ceil(longestStartup / 60) + 10}m`;
  addKustomization(scope, env, {
    name: 'models',
    path: fluxPaths(env.name).models,
    interval: '5m',
    timeout,
    wait: true,
    dependsOn: ['infrastructure'],
  });
}
