/**
 * The upstream schemas every rendered object must satisfy: Kubernetes' own OpenAPI schemas
 * (kubernetes-models), Flux's CRDs (@kubernetes-models/flux-cd) and prometheus-operator's CRDs
 * (@kubernetes-models/prometheus-operator). An object of a kind we have no schema for fails:
 * a new kind must come with its schema.
 */
import * as core from 'kubernetes-models/v1';
import * as apps from 'kubernetes-models/apps/v1';
import * as policy from 'kubernetes-models/policy/v1';
import * as fluxSource from '@kubernetes-models/flux-cd/source.toolkit.fluxcd.io/v1';
import * as fluxKustomize from '@kubernetes-models/flux-cd/kustomize.toolkit.fluxcd.io/v1';
import * as fluxHelm from '@kubernetes-models/flux-cd/helm.toolkit.fluxcd.io/v2';
import * as monitoring from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';

interface Validatable {
  validate(): void;
}
type ModelClass = new (data: never) => Validatable;

const MODELS: Record<string, ModelClass> = {
  'v1/Namespace': core.Namespace,
  'v1/Service': core.Service,
  'v1/ServiceAccount': core.ServiceAccount,
  'v1/PersistentVolume': core.PersistentVolume,
  'v1/PersistentVolumeClaim': core.PersistentVolumeClaim,
  'v1/ConfigMap': core.ConfigMap,
  'apps/v1/Deployment': apps.Deployment,
  'policy/v1/PodDisruptionBudget': policy.PodDisruptionBudget,
  'source.toolkit.fluxcd.io/v1/GitRepository': fluxSource.GitRepository,
  'source.toolkit.fluxcd.io/v1/HelmRepository': fluxSource.HelmRepository,
  'kustomize.toolkit.fluxcd.io/v1/Kustomization': fluxKustomize.Kustomization,
  'helm.toolkit.fluxcd.io/v2/HelmRelease': fluxHelm.HelmRelease,
  'monitoring.coreos.com/v1/PodMonitor': monitoring.PodMonitor,
  'monitoring.coreos.com/v1/PrometheusRule': monitoring.PrometheusRule,
};

/** Throws with the upstream validator's message when `object` is not valid for its kind. */
export function validateUpstream(object: Record<string, unknown>): void {
  const key = `${String(object.apiVersion)}/${String(object.kind)}`;
  const Model = MODELS[key];
  if (!Model) throw new Error(`no upstream schema registered for ${key}`);
  new Model(object as never).validate();
}
