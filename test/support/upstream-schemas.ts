/**
 * The upstream schemas every rendered object must satisfy: Kubernetes' own OpenAPI schemas
 * (kubernetes-models), Flux's, prometheus-operator's and Istio's CRDs (@kubernetes-models/*),
 * and Flagger's CRD as published by Flagger (read from ../shared/flagger/crd.yaml). An object of a
 * kind we have no schema for fails: a new kind must come with its schema.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { parseAllDocuments } from 'yaml';
import * as core from 'kubernetes-models/v1';
import * as apps from 'kubernetes-models/apps/v1';
import * as networking from 'kubernetes-models/networking.k8s.io/v1';
import * as policy from 'kubernetes-models/policy/v1';
import * as fluxSource from '@kubernetes-models/flux-cd/source.toolkit.fluxcd.io/v1';
import * as fluxKustomize from '@kubernetes-models/flux-cd/kustomize.toolkit.fluxcd.io/v1';
import * as fluxHelm from '@kubernetes-models/flux-cd/helm.toolkit.fluxcd.io/v2';
import * as fluxNotification from '@kubernetes-models/flux-cd/notification.toolkit.fluxcd.io/v1beta3';
import * as monitoring from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import * as istioNetworking from '@kubernetes-models/istio/networking.istio.io/v1';
import * as istioSecurity from '@kubernetes-models/istio/security.istio.io/v1';
import * as istioTelemetry from '@kubernetes-models/istio/telemetry.istio.io/v1';
import * as keda from '@kubernetes-models/keda/keda.sh/v1alpha1';
import * as externalSecrets from '@kubernetes-models/external-secrets/external-secrets.io/v1';
import { SHARED_DIR } from './workspace.ts';

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
  // A SOPS Secret as committed (its `sops:` block is removed by kustomize-controller when it decrypts).
  'v1/Secret': core.Secret,
  'apps/v1/Deployment': apps.Deployment,
  'policy/v1/PodDisruptionBudget': policy.PodDisruptionBudget,
  'networking.k8s.io/v1/NetworkPolicy': networking.NetworkPolicy,
  'source.toolkit.fluxcd.io/v1/GitRepository': fluxSource.GitRepository,
  'source.toolkit.fluxcd.io/v1/HelmRepository': fluxSource.HelmRepository,
  'kustomize.toolkit.fluxcd.io/v1/Kustomization': fluxKustomize.Kustomization,
  'helm.toolkit.fluxcd.io/v2/HelmRelease': fluxHelm.HelmRelease,
  'notification.toolkit.fluxcd.io/v1beta3/Provider': fluxNotification.Provider,
  'notification.toolkit.fluxcd.io/v1beta3/Alert': fluxNotification.Alert,
  'monitoring.coreos.com/v1/PodMonitor': monitoring.PodMonitor,
  'monitoring.coreos.com/v1/PrometheusRule': monitoring.PrometheusRule,
  'networking.istio.io/v1/Gateway': istioNetworking.Gateway,
  'networking.istio.io/v1/VirtualService': istioNetworking.VirtualService,
  'networking.istio.io/v1/DestinationRule': istioNetworking.DestinationRule,
  'security.istio.io/v1/PeerAuthentication': istioSecurity.PeerAuthentication,
  'security.istio.io/v1/RequestAuthentication': istioSecurity.RequestAuthentication,
  'security.istio.io/v1/AuthorizationPolicy': istioSecurity.AuthorizationPolicy,
  'telemetry.istio.io/v1/Telemetry': istioTelemetry.Telemetry,
  'keda.sh/v1alpha1/ScaledObject': keda.ScaledObject,
  'external-secrets.io/v1/ExternalSecret': externalSecrets.ExternalSecret,
};

export const FLAGGER_CRD = join(SHARED_DIR, 'flagger/crd.yaml');
const CRD_KINDS = new Set(['flagger.app/v1beta1/Canary', 'flagger.app/v1beta1/MetricTemplate']);

/**
 * Validators for Flagger's kinds from its CRD, stricter than the API server in one way: objects
 * that declare their properties reject unknown ones, because our Flagger bodies are typed by hand
 * and a misspelled field would otherwise be pruned silently.
 */
function loadCrdValidators(): Map<string, ValidateFunction> | undefined {
  if (!existsSync(FLAGGER_CRD)) return undefined;
  // The CRD's formats, named so that ajv does not warn about each (another format still warns):
  // `int32` and `string` are OpenAPI notes the API server does not check, `url` is none of its
  // formats, and `date-time` is only in `status`, which no rendered object carries.
  const ajv = new Ajv({ strict: false, allErrors: true, formats: { int32: true, string: true, url: true, 'date-time': true } });
  const validators = new Map<string, ValidateFunction>();
  for (const doc of parseAllDocuments(readFileSync(FLAGGER_CRD, 'utf8'))) {
    if (Array.isArray(doc)) continue;
    const crd = doc.toJS() as { spec?: { group: string; names: { kind: string }; versions: { name: string; schema: { openAPIV3Schema: object } }[] } };
    if (!crd?.spec) continue;
    for (const version of crd.spec.versions) {
      validators.set(`${crd.spec.group}/${version.name}/${crd.spec.names.kind}`, ajv.compile(closeObjects(version.schema.openAPIV3Schema) as object));
    }
  }
  return validators;
}

function closeObjects(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closeObjects);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema))
    out[k] = k === 'properties' ? Object.fromEntries(Object.entries(v as object).map(([p, s]) => [p, closeObjects(s)])) : closeObjects(v);
  if (out.properties && out.additionalProperties === undefined && !out['x-kubernetes-preserve-unknown-fields']) out.additionalProperties = false;
  return out;
}

let crdValidators: Map<string, ValidateFunction> | undefined | null = null;

/** Whether the schema for this kind comes from ../shared, which a user's clone does not have. */
export function needsSharedSchema(object: Record<string, unknown>): boolean {
  return CRD_KINDS.has(`${String(object.apiVersion)}/${String(object.kind)}`);
}

export function sharedSchemasAvailable(): boolean {
  return existsSync(FLAGGER_CRD);
}

/** Throws with the upstream validator's message when `object` is not valid for its kind. */
export function validateUpstream(object: Record<string, unknown>): void {
  const key = `${String(object.apiVersion)}/${String(object.kind)}`;
  if (CRD_KINDS.has(key)) {
    if (crdValidators === null) crdValidators = loadCrdValidators();
    const validate = crdValidators?.get(key);
    if (!validate) throw new Error(`no CRD schema for ${key}: ${FLAGGER_CRD} is missing`);
    if (!validate(object)) throw new Error(`${key} ${JSON.stringify(validate.errors)}`);
    return;
  }
  const Model = MODELS[key];
  if (!Model) throw new Error(`no upstream schema registered for ${key}`);
  new Model(object as never).validate();
}
