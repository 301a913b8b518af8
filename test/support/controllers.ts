/**
 * The controllers that would act between two Flux syncs, played with API calls against the real
 * API server, each writing as its real counterpart writes (same field manager, same operation),
 * so that field ownership under server-side apply comes out as on a cluster:
 *
 * - KEDA's HorizontalPodAutoscaler: writes `spec.replicas` through the `/scale` subresource as
 *   kube-controller-manager (an Update);
 * - Flagger 1.44 (read from its source, see docs/transitions.md): initialising a Canary, and
 *   finalising one that was deleted with `revertOnDeletion`;
 * - the garbage collector: deletes what a deleted owner owned.
 */
import type { ApiClient, KubeObject, Response } from './apiserver.ts';

const ok = (r: Response, what: string): Response => {
  if (r.status >= 300) throw new Error(`${what}: ${r.status} ${String(r.body.message)}`);
  return r;
};

const ref = (apiVersion: string, kind: string, namespace: string, name: string) => ({ apiVersion, kind, metadata: { namespace, name } });
export const deploymentRef = (namespace: string, name: string) => ref('apps/v1', 'Deployment', namespace, name);
export const serviceRef = (namespace: string, name: string) => ref('v1', 'Service', namespace, name);
export const virtualServiceRef = (namespace: string, name: string) => ref('networking.istio.io/v1', 'VirtualService', namespace, name);
export const destinationRuleRef = (namespace: string, name: string) => ref('networking.istio.io/v1', 'DestinationRule', namespace, name);
export const scaledObjectRef = (namespace: string, name: string) => ref('keda.sh/v1alpha1', 'ScaledObject', namespace, name);
export const canaryRef = (namespace: string, name: string) => ref('flagger.app/v1beta1', 'Canary', namespace, name);
export const pvcRef = (namespace: string, name: string) => ref('v1', 'PersistentVolumeClaim', namespace, name);

export async function stored(api: ApiClient, object: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>): Promise<Record<string, any> | undefined> {
  const r = await api.get(object);
  if (r.status === 404) return undefined;
  return ok(r, `get ${object.kind} ${object.metadata.name}`).body;
}

/** Which managers own `spec.replicas` of a Deployment, by managedFields. */
export async function replicasOwners(api: ApiClient, namespace: string, name: string): Promise<string[]> {
  const d = await stored(api, deploymentRef(namespace, name));
  const entries = (d?.metadata.managedFields ?? []) as { manager: string; subresource?: string; fieldsV1?: { 'f:spec'?: Record<string, unknown> } }[];
  return entries.filter((e) => e.fieldsV1?.['f:spec']?.['f:replicas'] !== undefined).map((e) => `${e.manager}${e.subresource ? `/${e.subresource}` : ''}`);
}

/**
 * The HPA that KEDA makes from ScaledObject `name`, under a steady load: it keeps the current
 * count within the ScaledObject's bounds, and writes it (as kube-controller-manager does: an
 * Update of `/scale`) only when that changes it. Returns the count written, if any.
 */
export async function autoscalerActs(api: ApiClient, namespace: string, name: string): Promise<number | undefined> {
  const so = (await stored(api, scaledObjectRef(namespace, name)))!;
  const path = `${await api.pathOf(deploymentRef(namespace, name))}/scale`;
  const scale = ok(await api.call('GET', path), 'get scale').body;
  const current = scale.spec.replicas as number;
  const desired = Math.min(so.spec.maxReplicaCount, Math.max(so.spec.minReplicaCount, current));
  if (desired === current) return undefined;
  ok(await api.call('PUT', `${path}?fieldManager=kube-controller-manager`, { ...scale, spec: { replicas: desired } }), 'scale');
  return desired;
}

async function mergePatch(api: ApiClient, object: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>, patch: unknown, manager: string): Promise<void> {
  ok(
    await api.call('PATCH', `${await api.pathOf(object)}?fieldManager=${manager}`, patch, 'application/merge-patch+json'),
    `patch ${object.kind} ${object.metadata.name}`,
  );
}

/** Read, change, write back whole (an Update, as Flagger's clients do): replaced maps stay replaced. */
async function update(
  api: ApiClient,
  object: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>,
  change: (live: Record<string, any>) => void,
  manager: string,
): Promise<void> {
  const live = ok(await api.get(object), `get ${object.kind} ${object.metadata.name}`).body;
  change(live);
  ok(await api.call('PUT', `${await api.pathOf(object)}?fieldManager=${manager}`, live), `update ${object.kind} ${object.metadata.name}`);
}

async function create(api: ApiClient, object: KubeObject, manager: string): Promise<void> {
  const { path } = await api.collection(object.apiVersion, object.kind, object.metadata.namespace);
  ok(await api.call('POST', `${path}?fieldManager=${manager}`, object), `create ${object.kind} ${object.metadata.name}`);
}

/** Flagger's mark on objects it takes over, so that Flux leaves them alone (router/util.go). */
const FLAGGER_MARKS = { 'kustomize.toolkit.fluxcd.io/reconcile': 'disabled', 'helm.toolkit.fluxcd.io/driftDetection': 'disabled' };
const ORIGINAL = 'flagger.kubernetes.io/original-configuration';
const FINALIZER = 'finalizer.flagger.app';

/**
 * Flagger initialising Canary `name` once its primary is Ready (scheduler.go advanceCanary): it
 * copies the target to `<name>-primary` (owned by the Canary), makes the `-primary`/`-canary`
 * Services and DestinationRules, the primary's ScaledObject, pauses the target's, points Service
 * `name` at the primary, scales the target to 0, and takes VirtualService `name` over (saving its
 * spec). With `revertOnDeletion` the Canary gets Flagger's finalizer.
 */
export async function flaggerInitializes(api: ApiClient, namespace: string, name: string): Promise<void> {
  const canary = (await stored(api, canaryRef(namespace, name)))!;
  const owner = [{ apiVersion: 'flagger.app/v1beta1', kind: 'Canary', name, uid: canary.metadata.uid, controller: true, blockOwnerDeletion: true }];
  if (canary.spec.revertOnDeletion) await mergePatch(api, canaryRef(namespace, name), { metadata: { finalizers: [FINALIZER] } }, 'flagger');
  const target = (await stored(api, deploymentRef(namespace, name)))!;
  const primaryLabels = { ...target.spec.template.metadata.labels, 'app.kubernetes.io/name': `${name}-primary` };
  await create(
    api,
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: `${name}-primary`, namespace, ownerReferences: owner },
      spec: {
        replicas: target.spec.replicas > 0 ? target.spec.replicas : 1,
        selector: { matchLabels: { 'app.kubernetes.io/name': `${name}-primary` } },
        template: { ...target.spec.template, metadata: { ...target.spec.template.metadata, labels: primaryLabels } },
      },
    },
    'flagger',
  );
  for (const suffix of ['primary', 'canary']) {
    const app = suffix === 'primary' ? `${name}-primary` : name;
    await create(
      api,
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: `${name}-${suffix}`, namespace, ownerReferences: owner },
        spec: { selector: { 'app.kubernetes.io/name': app }, ports: [{ name: 'http', port: 8000, targetPort: 8000 }] },
      },
      'flagger',
    );
    await create(
      api,
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'DestinationRule',
        metadata: { name: `${name}-${suffix}`, namespace, ownerReferences: owner },
        spec: { host: `${name}-${suffix}` },
      },
      'flagger',
    );
  }
  const so = await stored(api, scaledObjectRef(namespace, name));
  if (so) {
    await create(
      api,
      {
        apiVersion: 'keda.sh/v1alpha1',
        kind: 'ScaledObject',
        metadata: { name: `${name}-primary`, namespace, ownerReferences: owner },
        spec: { ...so.spec, scaleTargetRef: { ...so.spec.scaleTargetRef, name: `${name}-primary` } },
      },
      'flagger',
    );
    await mergePatch(api, scaledObjectRef(namespace, name), { metadata: { annotations: { 'autoscaling.keda.sh/paused-replicas': '0' } } }, 'flagger');
  }
  await update(
    api,
    serviceRef(namespace, name),
    (svc) => {
      svc.metadata.annotations = { ...svc.metadata.annotations, ...FLAGGER_MARKS };
      svc.spec.selector = { 'app.kubernetes.io/name': `${name}-primary` };
    },
    'flagger',
  );
  await mergePatch(api, deploymentRef(namespace, name), { spec: { replicas: 0 } }, 'flagger');
  const vs = (await stored(api, virtualServiceRef(namespace, name)))!;
  const flaggerSpec = {
    hosts: [name],
    gateways: ['mesh'],
    http: [
      {
        route: [
          { destination: { host: `${name}-primary` }, weight: 100 },
          { destination: { host: `${name}-canary` }, weight: 0 },
        ],
      },
    ],
  };
  // Flagger replaces the labels and annotations with its apex metadata (none here): Flux's own
  // labels go, so Flux could not prune it before someone lifts the mark.
  ok(
    await api.call('PUT', `${await api.pathOf(virtualServiceRef(namespace, name))}?fieldManager=flagger`, {
      ...vs,
      metadata: { ...vs.metadata, labels: {}, annotations: { ...FLAGGER_MARKS, [ORIGINAL]: JSON.stringify(vs.spec) } },
      spec: flaggerSpec,
    }),
    'take over the VirtualService',
  );
}

/**
 * Flagger's finaliser for a deleted Canary (finalizer.go), which runs only if the Canary carries
 * its finalizer (`revertOnDeletion`): resume the target's ScaledObject, scale the target to the
 * primary's size, point Service `name` back at it, restore VirtualService `name`'s spec, then let
 * the Canary go. Does nothing for a Canary without the finalizer: it is already gone.
 */
export async function flaggerFinalizes(api: ApiClient, namespace: string, name: string): Promise<'done' | 'nothing to do' | `stuck: ${string}`> {
  const canary = await stored(api, canaryRef(namespace, name));
  if (!canary?.metadata.deletionTimestamp || !(canary.metadata.finalizers ?? []).includes(FINALIZER)) return 'nothing to do';
  // Each failing call makes Flagger retry the whole finaliser later: it never gets past it.
  if (canary.spec.autoscalerRef) {
    if (!(await stored(api, scaledObjectRef(namespace, name)))) return 'stuck: the ScaledObject to resume is gone';
    await mergePatch(api, scaledObjectRef(namespace, name), { metadata: { annotations: { 'autoscaling.keda.sh/paused-replicas': null } } }, 'flagger');
  }
  if (!(await stored(api, deploymentRef(namespace, name)))) return 'stuck: the target Deployment is gone';
  const primary = await stored(api, deploymentRef(namespace, `${name}-primary`));
  await mergePatch(api, deploymentRef(namespace, name), { spec: { replicas: primary?.spec.replicas ?? 1 } }, 'flagger');
  await update(api, serviceRef(namespace, name), (svc) => void (svc.spec.selector = { 'app.kubernetes.io/name': name }), 'flagger');
  const vs = await stored(api, virtualServiceRef(namespace, name));
  if (vs?.metadata.annotations?.[ORIGINAL]) {
    ok(
      await api.call('PUT', `${await api.pathOf(virtualServiceRef(namespace, name))}?fieldManager=flagger`, {
        ...vs,
        spec: JSON.parse(vs.metadata.annotations[ORIGINAL]),
      }),
      'restore the VirtualService',
    );
  }
  await mergePatch(api, canaryRef(namespace, name), { metadata: { finalizers: null } }, 'flagger');
  return 'done';
}

/** The garbage collector: deletes every object of these kinds in `namespace` whose owner is gone. */
export async function collectGarbage(api: ApiClient, namespace: string): Promise<string[]> {
  const collected: string[] = [];
  const kinds = [
    ['apps/v1', 'Deployment'],
    ['v1', 'Service'],
    ['networking.istio.io/v1', 'DestinationRule'],
    ['networking.istio.io/v1', 'VirtualService'],
    ['keda.sh/v1alpha1', 'ScaledObject'],
  ] as const;
  for (const [apiVersion, kind] of kinds) {
    const { path } = await api.collection(apiVersion, kind, namespace);
    for (const item of ok(await api.call('GET', path), `list ${kind}`).body.items as Record<string, any>[]) {
      for (const owner of (item.metadata.ownerReferences ?? []) as { apiVersion: string; kind: string; name: string; uid: string }[]) {
        const live = await stored(api, { apiVersion: owner.apiVersion, kind: owner.kind, metadata: { namespace, name: owner.name } });
        if (live && live.metadata.uid === owner.uid) continue;
        await api.delete({ apiVersion, kind, metadata: { namespace, name: item.metadata.name } });
        collected.push(`${kind} ${item.metadata.name}`);
        break;
      }
    }
  }
  return collected;
}
