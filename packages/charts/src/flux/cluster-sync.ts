/**
 * Flux entry points of one cluster (`flux/clusters/<env>/`): where Git is, and the
 * Kustomizations that apply the platform's infrastructure first, then the environment's own
 * objects, then each model and pipeline server by a Kustomization of its own.
 */
import { PLATFORM_NAMESPACES, SOPS_KEY_SECRET } from '@tritonops/planner';
import type { Construct } from 'constructs';
import type { IGitRepository } from '@kubernetes-models/flux-cd/source.toolkit.fluxcd.io/v1/GitRepository';
import type { IKustomization } from '@kubernetes-models/flux-cd/kustomize.toolkit.fluxcd.io/v1/Kustomization';
import type { EnvironmentCore, ModelPlan } from '@tritonops/planner';
import { environmentLabels } from '../labels.ts';
import { typedObject } from '../typed-api-object.ts';

export const FLUX_NAMESPACE = PLATFORM_NAMESPACES.flux;
/** Name of the GitRepository every Kustomization of the cluster reads from. */
export const GIT_SOURCE = 'tritonops';

/** The areas of flux/, each with a folder per environment. */
export const FLUX_AREAS = ['clusters', 'infrastructure', 'models'] as const;

export const fluxPaths = (env: string) => ({
  cluster: `flux/clusters/${env}`,
  infrastructure: `flux/infrastructure/${env}`,
  models: `flux/models/${env}`,
});

/** The environment a path under flux/ belongs to: `flux/<area>/<env>/…` → env. */
export function environmentOf(path: string): string | undefined {
  return new RegExp(`^flux/(?:${FLUX_AREAS.join('|')})/([^/]+)/`).exec(path)?.[1];
}

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
  /** Puts every object into this namespace (Kustomize's `namespace`). */
  readonly targetNamespace?: string;
  /** Decrypt SOPS-encrypted objects with the age key in this Secret of flux-system. */
  readonly sopsKeySecret?: string;
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
      ...(o.targetNamespace ? { targetNamespace: o.targetNamespace } : {}),
      ...(o.sopsKeySecret ? { decryption: { provider: 'sops' as const, secretRef: { name: o.sopsKeySecret } } } : {}),
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

/**
 * The environment-wide objects (namespace, security, gateway, alerts, dashboard, model cache):
 * every model depends on them.
 */
export function addEnvironmentKustomization(scope: Construct, env: EnvironmentCore): void {
  addKustomization(scope, env, { name: ENVIRONMENT_KUSTOMIZATION, path: `${fluxPaths(env.name).models}/environment`, interval: '10m', timeout: '5m', wait: true, dependsOn: ['infrastructure'] });
}

export const ENVIRONMENT_KUSTOMIZATION = 'environment';

/** The Kustomization that decrypts and applies the SOPS-encrypted Secrets (`secrets.delivery: sops`). */
export const SECRETS_KUSTOMIZATION = 'secrets';

/** Where the checked copies of the SOPS-encrypted Secrets are: Flux reads flux/ only, never environments/. */
export const sopsSecretsPath = (env: string) => `${fluxPaths(env).models}/secrets`;

/**
 * `secrets.delivery: sops`: applies flux/models/<env>/secrets/, decrypted by kustomize-controller
 * with the age key of the `sops-age` Secret in flux-system (created out of band, never in Git),
 * every object put into the environment's namespace. After `environment` (the namespace must
 * exist); the models that read one of these Secrets depend on it.
 */
export function addSecretsKustomization(scope: Construct, env: EnvironmentCore): void {
  addKustomization(scope, env, {
    name: SECRETS_KUSTOMIZATION,
    path: sopsSecretsPath(env.name),
    interval: '10m',
    timeout: '2m',
    wait: true,
    dependsOn: [ENVIRONMENT_KUSTOMIZATION],
    targetNamespace: env.namespace,
    sopsKeySecret: SOPS_KEY_SECRET,
  });
}

/** Whether a model's Kustomization waits for the SOPS Secrets: it reads one of them. */
function readsSopsSecrets(env: EnvironmentCore, model: ModelPlan): boolean {
  return env.secrets?.delivery === 'sops' && Object.keys(model.secretEnv ?? {}).length > 0;
}

/** Name of the Kustomization of one model or pipeline server (at most 61 characters: a label value). */
export const servedKustomizationName = (kind: 'model' | 'pipeline', name: string) => `${kind}-${name}`;

/** Where a model's or pipeline server's own objects are: a folder each, applied by its own Kustomization. */
export const servedPath = (env: string, kind: 'model' | 'pipeline', name: string) => `${fluxPaths(env).models}/${kind}s/${name}`;

/**
 * One Kustomization per model (and per pipeline server): a model that fails to become healthy,
 * or whose objects the API server refuses, holds back only itself, and its revert waits at most
 * its own timeout (kustomize-controller 1.6 does not cancel a health check on a new revision;
 * see docs/transitions.md). It waits for one replica's startup budget plus scheduling; a longer
 * rollout shows as not ready meanwhile and the next attempt waits again.
 */
export function addServedKustomization(scope: Construct, env: EnvironmentCore, kind: 'model' | 'pipeline', model: ModelPlan): void {
  addKustomization(scope, env, {
    name: servedKustomizationName(kind, model.name),
    path: servedPath(env.name, kind, model.name),
    interval: '10m',
    timeout: `${Math.ceil(model.startupTimeoutSeconds / 60) + 5}m`,
    wait: true,
    dependsOn: [ENVIRONMENT_KUSTOMIZATION, ...(readsSopsSecrets(env, model) ? [SECRETS_KUSTOMIZATION] : [])],
  });
}

/**
 * Before per-model Kustomizations, one Kustomization `models` applied the whole of
 * flux/models/<env>/. It stays, suspended and without pruning: were it deleted, or pointed at a
 * smaller folder, it would delete every model it applied before the new Kustomizations took them
 * over. Suspended, it does nothing; deleting it by hand deletes nothing either.
 */
export function addRetiredModelsKustomization(scope: Construct, env: EnvironmentCore): void {
  typedObject<IKustomization>(scope, 'kustomization-models', {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name: 'models', namespace: FLUX_NAMESPACE, labels: environmentLabels(env) },
    spec: {
      suspend: true,
      interval: '60m',
      path: `./${fluxPaths(env.name).models}`,
      prune: false,
      sourceRef: { kind: 'GitRepository', name: GIT_SOURCE },
    },
  });
}
