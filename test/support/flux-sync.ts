/**
 * What Flux's kustomize-controller does with a folder of rendered objects, played against the
 * real API server (kustomize-controller v1.6 / Flux 2.6, read from its source; see
 * docs/transitions.md):
 *
 * - objects are applied in stages — CRDs and Namespaces, then kinds named `…Class`, then the rest
 *   in Flux's kind order — each object server-side applied by field manager
 *   `kustomize-controller`, conflicts forced;
 * - every object of a stage is dry-run first; if any is refused (an invalid or immutable field),
 *   nothing of that stage is applied, the sync fails and nothing is pruned;
 * - an object is skipped when the desired or the live object says
 *   `kustomize.toolkit.fluxcd.io/reconcile: disabled` or `…/ssa: Ignore`, and when it exists and
 *   the desired object says `…/ssa: IfNotPresent` (Flux 2.6 still lists skipped objects in its
 *   inventory); every applied object gets the owner labels `kustomize.toolkit.fluxcd.io/name` and
 *   `…/namespace`;
 * - after a successful apply, objects of the previous sync (the inventory) that left Git are
 *   deleted (background propagation) if the live object still carries the owner labels and says
 *   neither `kustomize.toolkit.fluxcd.io/prune: disabled` nor `…/reconcile: disabled`.
 *
 * No controller runs on the server, so what controllers would do next (roll pods, scale, collect
 * garbage) is for each test to say or to play.
 */
import type { ApiClient, KubeObject } from './apiserver.ts';

const KIND_ORDER = [
  'ResourceQuota',
  'ServiceAccount',
  'Role',
  'ClusterRole',
  'RoleBinding',
  'ClusterRoleBinding',
  'ConfigMap',
  'Secret',
  'Service',
  'LimitRange',
  'Deployment',
  'StatefulSet',
  'CronJob',
  'PodDisruptionBudget',
];

function stageOf(object: KubeObject): number {
  if (object.kind === 'CustomResourceDefinition' || object.kind === 'Namespace') return 0;
  return object.kind.endsWith('Class') ? 1 : 2;
}

/** ssa.ReconcileOrder: the listed kinds first, then by group and kind; ties by namespace and name. */
function compareOrder(a: KubeObject, b: KubeObject): number {
  const index = (o: KubeObject) => {
    const i = KIND_ORDER.indexOf(o.kind);
    return i < 0 ? KIND_ORDER.length : i;
  };
  const group = (o: KubeObject) => (o.apiVersion.includes('/') ? o.apiVersion.split('/')[0]! : '');
  const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  return (
    index(a) - index(b) ||
    cmp(group(a), group(b)) ||
    cmp(a.kind, b.kind) ||
    cmp(a.metadata.namespace ?? '', b.metadata.namespace ?? '') ||
    cmp(a.metadata.name, b.metadata.name)
  );
}

export const keyOf = (o: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>) =>
  `${o.apiVersion.split('/')[0]}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

export interface SyncResult {
  /** The server's refusals (dry run) of the stage that failed; empty when the sync succeeded. */
  readonly refused: string[];
  /** Keys of the objects deleted because they left Git. */
  readonly pruned: string[];
}

const FLUX = 'kustomize.toolkit.fluxcd.io';

/** Flux matches its marks on labels and annotations alike, ignoring case. */
function marked(object: Pick<KubeObject, 'metadata'> | undefined, key: string, ...values: string[]): boolean {
  const meta = object?.metadata as { labels?: Record<string, string>; annotations?: Record<string, string> } | undefined;
  const value = meta?.annotations?.[key] ?? meta?.labels?.[key];
  return value !== undefined && values.some((v) => v.toLowerCase() === value.toLowerCase());
}

export class FluxSync {
  /** What the last successful sync applied: Flux's inventory. */
  private inventory = new Map<string, KubeObject>();

  constructor(
    private readonly api: ApiClient,
    /** The Kustomization this sync plays: its name goes into the owner labels. */
    private readonly kustomization = 'models',
    /**
     * Called after every single apply and delete, for invariants that must hold at every moment
     * of a sync, not only at its end (a route never names a subset that is gone).
     */
    private readonly afterEachStep: (step: string) => Promise<void> = async () => {},
  ) {}

  private owned(object: KubeObject): KubeObject {
    const labels = {
      ...((object.metadata.labels as Record<string, string> | undefined) ?? {}),
      [`${FLUX}/name`]: this.kustomization,
      [`${FLUX}/namespace`]: 'flux-system',
    };
    return { ...object, metadata: { ...object.metadata, labels } };
  }

  private async skipped(object: KubeObject): Promise<boolean> {
    if (marked(object, `${FLUX}/reconcile`, 'disabled') || marked(object, `${FLUX}/ssa`, 'Ignore')) return true;
    const live = await this.api.get(object);
    if (live.status === 404) return false;
    const body = live.body as KubeObject;
    return marked(body, `${FLUX}/reconcile`, 'disabled') || marked(body, `${FLUX}/ssa`, 'Ignore') || marked(object, `${FLUX}/ssa`, 'IfNotPresent');
  }

  async sync(objects: readonly KubeObject[]): Promise<SyncResult> {
    const stages: KubeObject[][] = [[], [], []];
    for (const o of objects) stages[stageOf(o)]!.push(o);
    stages[2]!.sort(compareOrder);
    for (const all of stages) {
      const stage: KubeObject[] = [];
      for (const object of all) if (!(await this.skipped(object))) stage.push(this.owned(object));
      const refused: string[] = [];
      for (const object of stage) {
        const dry = await this.api.apply(object, { dryRun: true });
        if (dry.status !== 200 && dry.status !== 201) refused.push(`${keyOf(object)}: ${String(dry.body.message)}`);
      }
      if (refused.length > 0) return { refused, pruned: [] };
      for (const object of stage) {
        const applied = await this.api.apply(object);
        if (applied.status !== 200 && applied.status !== 201)
          throw new Error(`${keyOf(object)} passed its dry run but not its apply: ${String(applied.body.message)}`);
        await this.afterEachStep(`applied ${keyOf(object)}`);
      }
    }
    const next = new Map(objects.map((o) => [keyOf(o), o] as const));
    const pruned: string[] = [];
    const stale = [...this.inventory].filter(([key]) => !next.has(key)).sort(([, a], [, b]) => compareOrder(b, a));
    for (const [key, object] of stale) {
      const live = await this.api.get(object);
      if (live.status === 404) continue;
      const body = live.body as KubeObject;
      if ((body.metadata.labels as Record<string, string> | undefined)?.[`${FLUX}/name`] !== this.kustomization) continue;
      if (marked(body, `${FLUX}/prune`, 'disabled') || marked(body, `${FLUX}/reconcile`, 'disabled')) continue;
      await this.api.delete(object);
      pruned.push(key);
      await this.afterEachStep(`pruned ${key}`);
    }
    this.inventory = next;
    return { refused: [], pruned };
  }
}
