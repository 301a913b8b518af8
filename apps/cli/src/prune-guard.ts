/**
 * Prune safety. Flux deletes from the cluster whatever disappears from flux/, so a render that
 * removes much of an environment stops and asks for `--allow-removal`: any Deployment in a
 * production environment, or more than a fifth of an environment's objects elsewhere. Removing a
 * canary that still receives a share of the traffic (weight > 0) without promoting it — aborting
 * it — is refused outright: drain it first (`tritonops canary weight <model> 0`), then remove it.
 * Promotion removes the canary too, but its release lives on in the stable Deployment.
 */
import { environmentOf, MODEL_LABEL, TRACK_LABEL } from '@tritonops/charts';
import { isProduction } from '@tritonops/planner';
import { isRendered, parseObjects } from './output-tree.ts';

export const REMOVAL_SHARE_LIMIT = 0.2;

interface ObjectRef {
  readonly key: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  readonly object: Record<string, unknown>;
}

export interface RemovalReport {
  /** Problems that `--allow-removal` lifts. */
  readonly needsApproval: string[];
  /** Problems no flag lifts. */
  readonly refused: string[];
}

/** Adds `found` to `objects` by kind, namespace and name (objects without a kind are not Kubernetes'). */
function addObjects(objects: Map<string, ObjectRef>, found: readonly Record<string, unknown>[]): void {
  for (const object of found) {
    if (!object.kind) continue;
    const meta = (object.metadata ?? {}) as { name?: string; namespace?: string };
    const key = `${String(object.kind)} ${meta.namespace ? `${meta.namespace}/` : ''}${meta.name}`;
    objects.set(key, { key, kind: String(object.kind), name: String(meta.name), ...(meta.namespace ? { namespace: meta.namespace } : {}), object });
  }
}

/** Objects of the rendered files among `paths`, by environment. */
function objectsByEnvironment(tree: ReadonlyMap<string, Buffer>, paths: Iterable<string>): Map<string, Map<string, ObjectRef>> {
  const out = new Map<string, Map<string, ObjectRef>>();
  for (const path of paths) {
    const content = tree.get(path);
    const env = environmentOf(path);
    if (!content || !env || !isRendered(content)) continue;
    const objects = out.get(env) ?? out.set(env, new Map()).get(env)!;
    addObjects(objects, parseObjects(content));
  }
  return out;
}

/** Objects per environment in the rendered files of `tree`, counted without parsing. */
function countByEnvironment(tree: ReadonlyMap<string, Buffer>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const [path, content] of tree) {
    const env = environmentOf(path);
    if (!env || !isRendered(content)) continue;
    const text = content.toString('utf8');
    const documents = text.split('\n---\n').length;
    counts.set(env, (counts.get(env) ?? 0) + documents);
  }
  return counts;
}

/** Percent of traffic current routes send to `deployment`'s track (the subset named after its track label). */
function liveShare(current: Map<string, ObjectRef>, deployment: ObjectRef): number {
  const labels = ((deployment.object.spec as { template?: { metadata?: { labels?: Record<string, string> } } })?.template?.metadata?.labels ?? {}) as Record<
    string,
    string
  >;
  const model = labels[MODEL_LABEL];
  const track = labels[TRACK_LABEL];
  if (!model || track !== 'canary') return 0;
  let share = 0;
  for (const ref of current.values()) {
    if (ref.kind !== 'VirtualService' || ref.namespace !== deployment.namespace) continue;
    const routes = (ref.object.spec as { http?: { route?: { destination?: { host?: string; subset?: string }; weight?: number }[] }[] })?.http ?? [];
    for (const route of routes) {
      for (const d of route.route ?? []) {
        // Only weighted splits count: a header-forced route reaches testers, not a share of users.
        if (d.destination?.host?.startsWith(`${model}.`) && d.destination.subset === track && d.weight !== undefined) share = Math.max(share, d.weight);
      }
    }
  }
  return share;
}

/** The release a Deployment runs: its Triton image and arguments. */
function releaseOf(deployment: ObjectRef): string {
  const containers =
    (deployment.object.spec as { template?: { spec?: { containers?: { image?: string; args?: string[] }[] } } })?.template?.spec?.containers ?? [];
  return JSON.stringify(containers.map((c) => [c.image, c.args]));
}

function promotedInto(remaining: Map<string, ObjectRef>, canary: ObjectRef): boolean {
  const model = ((canary.object.metadata as { labels?: Record<string, string> })?.labels ?? {})[MODEL_LABEL];
  return [...remaining.values()].some(
    (o) =>
      o.kind === 'Deployment' &&
      o.namespace === canary.namespace &&
      ((o.object.metadata as { labels?: Record<string, string> })?.labels ?? {})[MODEL_LABEL] === model &&
      releaseOf(o) === releaseOf(canary),
  );
}

/**
 * `current` and `desired` are the whole trees; `renderedObjects` gives the objects of a file of the
 * new render (without reading back YAML we just rendered).
 */
export function checkRemovals(
  current: ReadonlyMap<string, Buffer>,
  desired: ReadonlyMap<string, Buffer>,
  renderedObjects: (path: string) => readonly Record<string, unknown>[] | undefined,
): RemovalReport {
  // Only files that change can lose objects: parse those of the current tree, count the rest.
  const touched = [...current.keys()].filter((p) => !desired.get(p)?.equals(current.get(p)!));
  const before = objectsByEnvironment(current, touched);
  // The files the new render writes differently (changed or added): where objects usually land.
  const written = [...desired.keys()].filter((p) => !current.get(p)?.equals(desired.get(p)!));
  const after = new Map<string, Map<string, ObjectRef>>();
  const add = (bucket: Map<string, ObjectRef>, path: string) => addObjects(bucket, renderedObjects(path) ?? []);
  for (const [env, objects] of before) {
    const bucket = new Map<string, ObjectRef>();
    after.set(env, bucket);
    for (const path of written) if (environmentOf(path) === env) add(bucket, path);
    // An object that leaves a changed file may live on in one that did not change: look there
    // only for the names that went missing (reading every unchanged file back costs seconds).
    const missing = [...objects.values()].filter((o) => !bucket.has(o.key)).map((o) => o.name);
    if (missing.length === 0) continue;
    for (const [path, content] of desired) {
      if (environmentOf(path) !== env || current.get(path)?.equals(content) !== true) continue;
      const text = content.toString('utf8');
      if (missing.some((name) => text.includes(name))) add(bucket, path);
    }
  }
  const totals = countByEnvironment(current);
  const needsApproval: string[] = [];
  const refused: string[] = [];
  for (const [env, objects] of [...before].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const remaining = after.get(env) ?? new Map<string, ObjectRef>();
    const removed = [...objects.values()].filter((o) => !remaining.has(o.key));
    if (removed.length === 0) continue;
    for (const d of removed.filter((o) => o.kind === 'Deployment')) {
      // A promoted canary's release lives on in the stable Deployment: that removal is the point.
      if (promotedInto(remaining, d)) continue;
      const share = liveShare(objects, d);
      if (share > 0)
        refused.push(
          `${env}: Deployment ${d.namespace}/${d.name} receives ${share}% of its model's traffic; set the weight to 0 first (tritonops canary weight <model> 0 --env ${env}), sync, then remove it`,
        );
    }
    const deployments = removed.filter((o) => o.kind === 'Deployment');
    const total = totals.get(env) ?? removed.length;
    const share = removed.length / total;
    if (isProduction(env) && deployments.length > 0) {
      needsApproval.push(`${env}: removes ${deployments.length} Deployment(s) from production: ${deployments.map((d) => d.name).join(', ')}`);
    } else if (share > REMOVAL_SHARE_LIMIT) {
      needsApproval.push(`${env}: removes ${removed.length} of ${total} objects (${Math.round(share * 100)}%, more than ${REMOVAL_SHARE_LIMIT * 100}%)`);
    }
  }
  return { needsApproval, refused };
}
