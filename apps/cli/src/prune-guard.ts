/**
 * Prune safety. Flux deletes from the cluster whatever disappears from flux/, so a render that
 * removes much of an environment stops and asks for `--allow-removal`: any Deployment in a
 * production environment, or more than a fifth of an environment's objects elsewhere. Removing a
 * canary that still receives a share of the traffic (weight > 0) without promoting it — aborting
 * it — is refused outright: drain it first (`tritonops canary weight <model> 0`), then remove it.
 * Promotion removes the canary too, but its release lives on in the stable Deployment.
 */
import { environmentOf, MODEL_LABEL, TRACK_LABEL, type RenderedFile, type Transition } from '@tritonops/charts';
import { isProduction, type EnvironmentPlan } from '@tritonops/planner';
import { isRendered, parseObjects } from './output-tree.ts';

export const REMOVAL_SHARE_LIMIT = 0.2;

interface ObjectRef {
  readonly key: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  readonly object: Record<string, unknown>;
}

/** One removal the guard stops: where, what, and (for a refusal) the step to take first. */
export interface Removal {
  readonly env: string;
  /** `model whisper` for its canary, `environment` for a removal counted as a whole (as transitions name them). */
  readonly subject: string;
  /** What goes, and why it matters. */
  readonly problem: string;
  /** What to do first (refusals only). */
  readonly step?: string;
  /** The model whose canary would go, when that is the refusal (to point at its spec). */
  readonly model?: string;
}

export interface RemovalReport {
  /** Problems that `--allow-removal` lifts. */
  readonly needsApproval: Removal[];
  /** Problems no flag lifts. */
  readonly refused: Removal[];
}

/** A removal as one line of `synth`'s message: `env: problem; step`. */
export const removalLine = (r: Removal): string => `${r.env}: ${r.problem}${r.step ? `; ${r.step}` : ''}`;

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

const labelsOf = (o: ObjectRef): Record<string, string> => (o.object.metadata as { labels?: Record<string, string> })?.labels ?? {};

/**
 * When one Namespace object of the environment goes and one new one comes, the environment moved:
 * the namespace it left and the one it moved to. Said so, since every removal follows from it.
 */
function namespaceMove(before: Map<string, ObjectRef>, after: Map<string, ObjectRef>): { from: string; to: string } | undefined {
  const gone = [...before.values()].filter((o) => o.kind === 'Namespace' && !after.has(o.key));
  const added = [...after.values()].filter((o) => o.kind === 'Namespace' && !before.has(o.key));
  return gone.length === 1 && added.length === 1 ? { from: gone[0]!.name, to: added[0]!.name } : undefined;
}

function promotedInto(remaining: Map<string, ObjectRef>, canary: ObjectRef): boolean {
  const model = labelsOf(canary)[MODEL_LABEL];
  return [...remaining.values()].some(
    (o) => o.kind === 'Deployment' && o.namespace === canary.namespace && labelsOf(o)[MODEL_LABEL] === model && releaseOf(o) === releaseOf(canary),
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
  const needsApproval: Removal[] = [];
  const refused: Removal[] = [];
  for (const [env, objects] of [...before].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const remaining = after.get(env) ?? new Map<string, ObjectRef>();
    const removed = [...objects.values()].filter((o) => !remaining.has(o.key));
    if (removed.length === 0) continue;
    const moved = namespaceMove(objects, remaining);
    const cause = moved ? `environment ${env} moves from namespace ${moved.from} to ${moved.to}: ` : '';
    for (const d of removed.filter((o) => o.kind === 'Deployment')) {
      // A promoted canary's release lives on in the stable Deployment: that removal is the point.
      if (promotedInto(remaining, d)) continue;
      const share = liveShare(objects, d);
      if (share === 0) continue;
      const model = labelsOf(d)[MODEL_LABEL] ?? '<model>';
      const drain = `set the weight to 0 (tritonops canary weight ${model} 0 --env ${env}) and sync`;
      refused.push(
        moved && moved.from === d.namespace
          ? {
              env,
              model,
              subject: `model ${model}`,
              // The Deployment is not what the author removed: name the cause, the namespace move.
              problem: `environment ${env} moves from namespace ${moved.from} to ${moved.to}: every object in ${moved.from} is removed, including the canary ${d.name} that receives ${share}% of ${model}'s traffic`,
              step: `${drain}, then move the namespace`,
            }
          : {
              env,
              model,
              subject: `model ${model}`,
              problem: `Deployment ${d.namespace}/${d.name} receives ${share}% of its model's traffic`,
              step: `${drain}, then remove it`,
            },
      );
    }
    const deployments = removed.filter((o) => o.kind === 'Deployment');
    const total = totals.get(env) ?? removed.length;
    const share = removed.length / total;
    const subject = 'environment';
    if (isProduction(env) && deployments.length > 0) {
      needsApproval.push({
        env,
        subject,
        problem: `${cause}removes ${deployments.length} Deployment(s) from production: ${deployments.map((d) => d.name).join(', ')}`,
      });
    } else if (share > REMOVAL_SHARE_LIMIT) {
      needsApproval.push({
        env,
        subject,
        problem: `${cause}removes ${removed.length} of ${total} objects (${Math.round(share * 100)}%, more than ${REMOVAL_SHARE_LIMIT * 100}%)`,
      });
    }
  }
  return { needsApproval, refused };
}

/**
 * The same rules for two renders in memory (`diff`, `validate --base`): the base's files stand for
 * the committed flux/, the new render's for what synth would write.
 */
export function checkRenderRemovals(before: readonly RenderedFile[], after: readonly RenderedFile[]): RemovalReport {
  const tree = (files: readonly RenderedFile[]) => new Map(files.map((f) => [f.path, Buffer.from(f.content, 'utf8')] as const));
  const objects = new Map(after.map((f) => [f.path, f.objects] as const));
  return checkRemovals(tree(before), tree(after), (path) => objects.get(path));
}

/**
 * The guard's verdict on one environment as transitions, for `diff` and `validate --base`: a
 * refusal is a change that needs two steps (drain, then remove), a removal that needs
 * `--allow-removal` a disruptive one. Either plan may be absent (an environment added or removed).
 */
export function removalTransitions(report: RemovalReport, before: EnvironmentPlan | undefined, after: EnvironmentPlan | undefined): Transition[] {
  const plan = (after ?? before)!;
  const moved = before && after && before.namespace !== after.namespace;
  const at = (r: Removal): Transition['at'] => {
    const model = r.model !== undefined && !moved ? [...(after?.models ?? []), ...(before?.models ?? [])].find((m) => m.name === r.model) : undefined;
    if (model) return { file: model.sourcePath, path: ['spec', 'canary'] };
    return { file: plan.sourcePath, path: moved ? ['spec', 'namespace'] : [] };
  };
  return [
    ...report.refused.map((r): Transition => ({
      class: 'two-steps',
      subject: r.subject,
      change: r.problem,
      effect: 'Flux would delete it while it serves that share of the requests: `tritonops synth` refuses this render, and --allow-removal does not lift this',
      ...(r.step ? { step: r.step } : {}),
      at: at(r),
    })),
    ...report.needsApproval.map((r): Transition => ({
      class: 'disruptive',
      subject: r.subject,
      change: r.problem,
      effect: 'Flux deletes these from the cluster: `tritonops synth` stops unless run with --allow-removal',
      step: 'if the removal is intended, render with `tritonops synth --allow-removal`',
      at: at(r),
    })),
  ];
}
