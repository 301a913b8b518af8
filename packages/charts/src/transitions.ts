/**
 * What a change does to a live cluster, the way Terraform's plan marks replacements. A render is
 * valid on its own; the hazards are in the step from the objects Flux applied last (the base)
 * to the new ones, which Flux applies by server-side apply and then prunes what left Git:
 *
 * - safe: nothing a caller notices;
 * - disruptive: rendered, and reviewers are told what the cluster does (pods restart one by one,
 *   Flagger starts, a handover runs, or an outage, said as such);
 * - two steps: refused; the exact first pull request to merge is named.
 *
 * Every class is proven on a real API server by test/transitions.test.ts, and docs/transitions.md
 * has the table (it names the rows proven elsewhere: callers, streaming, Prometheus' storage). The rules read the plans (for the words of the spec) and the rendered objects
 * (for what the API server will see), so they hold whatever spec field caused the change.
 */
import {
  compareStrings,
  compareVersions,
  parseQuantity,
  retentionSizeFits,
  retentionSizeFor,
  type EnvironmentPlan,
  type ModelPlan,
  type TrackPlan,
} from '@tritonops/planner';
import { INFRA_NAMESPACES, PROMETHEUS_CLAIM } from './flux/infrastructure.ts';
import { FLUX_APPLY_IF_NOT_PRESENT } from './labels.ts';
import { callersPolicyName } from './security.ts';
import { modelCacheVolumeName } from './sfs-cache.ts';
import type { RenderedFile } from './serialize.ts';

export type TransitionClass = 'safe' | 'disruptive' | 'two-steps';

export interface Transition {
  readonly class: TransitionClass;
  /** `model whisper`, `pipeline speech-to-image`, `environment`. */
  readonly subject: string;
  /** What changed, in the words of the spec. */
  readonly change: string;
  /** What the cluster experiences when Flux applies it. */
  readonly effect: string;
  /** For two steps: the pull request to merge first. For a handover: what to merge next, and when. */
  readonly step?: string;
  /** The spec file and the field the change is at (the base's file when it was removed). */
  readonly at: { readonly file: string; readonly path: readonly (string | number)[] };
}

// Rendered objects are walked field by field, as untyped JSON.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type KubeObject = Record<string, any>;

/** One environment's rendered objects by `kind namespace/name`. */
function objectsOf(files: readonly RenderedFile[]): Map<string, KubeObject> {
  const out = new Map<string, KubeObject>();
  for (const f of files) {
    for (const o of f.objects as KubeObject[]) out.set(`${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`, o);
  }
  return out;
}

const json = (value: unknown) => JSON.stringify(value ?? null);
const ifNotPresent = (d: KubeObject | undefined) =>
  d?.metadata?.annotations?.[Object.keys(FLUX_APPLY_IF_NOT_PRESENT)[0]!] === Object.values(FLUX_APPLY_IF_NOT_PRESENT)[0];

/** Where a model's (or pipeline server's) changes are reported. */
interface Served {
  readonly kind: 'model' | 'pipeline';
  readonly plan: ModelPlan;
}

function servedOf(env: EnvironmentPlan | undefined): Map<string, Served> {
  const out = new Map<string, Served>();
  for (const m of env?.models ?? []) out.set(m.name, { kind: 'model', plan: m });
  for (const p of env?.pipelines ?? []) out.set(p.server.name, { kind: 'pipeline', plan: p.server });
  return out;
}

/** Whether a track's routes name its subset: only then does removing it need a first step. */
function canaryRouted(m: ModelPlan): boolean {
  const r = m.routing;
  return r !== undefined && (r.weight > 0 || r.header !== undefined || r.mirrorPercent !== undefined);
}

const trackOf = (m: ModelPlan, track: 'stable' | 'canary'): TrackPlan | undefined => m.tracks.find((t) => t.track === track);

export interface TransitionOptions {
  /**
   * The cluster still applies every model with the one `models` Kustomization of earlier
   * versions (its committed render is not suspended): this change is the first sync of the
   * per-model Kustomizations, whose first sync prunes nothing.
   */
  readonly firstPerModelSync?: boolean;
}

export function classifyTransitions(
  before: { plan: EnvironmentPlan; files: readonly RenderedFile[] } | undefined,
  after: { plan: EnvironmentPlan; files: readonly RenderedFile[] } | undefined,
  options: TransitionOptions = {},
): Transition[] {
  const out: Transition[] = [];
  if (!before && after) {
    out.push({
      class: 'safe',
      subject: 'environment',
      change: 'added',
      effect: 'Flux creates everything once the cluster is bootstrapped from flux/clusters/' + after.plan.name,
      at: { file: after.plan.sourcePath, path: [] },
    });
    return out;
  }
  if (before && !after) {
    out.push({
      class: 'disruptive',
      subject: 'environment',
      change: 'removed',
      effect:
        'outage: Flux prunes every object it applied for this environment (models, routes, infrastructure); the namespace, the model cache volume and claim stay',
      at: { file: before.plan.sourcePath, path: [] },
    });
    return out;
  }
  if (!before || !after) return out;
  const [b, a] = [before.plan, after.plan];
  const [ob, oa] = [objectsOf(before.files), objectsOf(after.files)];
  const envAt = (path: (string | number)[]) => ({ file: a.sourcePath, path: ['spec', ...path] });

  if (b.namespace !== a.namespace) {
    for (const m of b.models.filter((x) => x.analysis)) {
      out.push({
        class: 'two-steps',
        subject: `model ${m.name}`,
        change: `namespace changed while ${m.name} is under Flagger analysis`,
        effect: `Flux deletes its Canary, ScaledObject and Deployment from ${b.namespace} in one sync: Flagger's clean-up cannot hand it back and retries without end, with ${m.name}-primary running`,
        step: `turn analysis off for ${m.name} first (as \`tritonops diff\` explains), then change the namespace`,
        at: { file: a.models.find((x) => x.name === m.name)?.sourcePath ?? m.sourcePath, path: ['spec', 'canary', 'analysis'] },
      });
    }
    out.push({
      class: 'disruptive',
      subject: 'environment',
      change: `namespace ${b.namespace} → ${a.namespace}`,
      effect:
        `outage: Flux creates every model in ${a.namespace} and, in the same sync, deletes them from ${b.namespace}; each model answers again once its new pods are Ready (up to its startup timeout), at new in-cluster names (<model>.${a.namespace}.svc). ` +
        `Create the S3 credentials Secret "${a.s3.credentialsSecret}" in ${a.namespace} before merging (it is not in Git); ${b.namespace} itself stays (never pruned), with its Secret and model cache claim`,
      at: envAt(['namespace']),
    });
  }
  if (b.sfs && a.sfs && b.namespace === a.namespace) {
    const [vb, va] = [modelCacheVolumeName(b, b.sfs), modelCacheVolumeName(a, a.sfs)];
    if (vb !== va) {
      out.push({
        class: 'disruptive',
        subject: 'environment',
        change: `SFS share ${b.sfs.server}:${b.sfs.path} → ${a.sfs.server}:${a.sfs.path}`,
        effect: `a new PersistentVolume ${va} and claim (a volume's source cannot change); every model with \`cache: sfs\` restarts one by one onto the new share, whose first replica of each release copies it from S3 again. The old volume ${vb} and its claim stay (never pruned): delete them once no pod uses them`,
        at: envAt(['sfs']),
      });
    } else if (json(b.sfs) !== json(a.sfs)) {
      out.push({
        class: 'safe',
        subject: 'environment',
        change: 'SFS share size or mount options',
        effect: 'the volume changes in place (mount options apply to pods started from now on)',
        at: envAt(['sfs']),
      });
    }
  }
  if (b.gateway?.domain !== a.gateway?.domain && b.gateway && a.gateway) {
    out.push({
      class: 'disruptive',
      subject: 'environment',
      change: `gateway domain ${b.gateway.domain} → ${a.gateway.domain}`,
      effect: `every public host moves to <model>.${a.gateway.domain}: callers of the old names get 404 from the gateway`,
      at: envAt(['gateway', 'domain']),
    });
  } else if (b.gateway && !a.gateway) {
    out.push({
      class: 'disruptive',
      subject: 'environment',
      change: 'gateway removed',
      effect:
        "outage for callers outside the cluster: every public host goes; models that scale to zero can no longer be woken (their wake-up reads the gateway's requests)",
      at: envAt([]),
    });
  }
  if (!b.jwt && a.jwt) {
    out.push({
      class: 'disruptive',
      subject: 'environment',
      change: 'JWT authentication turned on',
      effect: `every model that does not opt out now requires a token from \`${a.jwt.issuer}\`: callers without one get 403`,
      at: envAt(['auth']),
    });
  } else if (b.jwt && !a.jwt) {
    out.push({
      class: 'disruptive',
      subject: 'environment',
      change: 'JWT authentication turned off',
      effect: 'no model checks tokens any more: anyone who reaches it may call it',
      at: envAt([]),
    });
  } else if (b.jwt && a.jwt && b.jwt.issuer !== a.jwt.issuer) {
    out.push({
      class: 'disruptive',
      subject: 'environment',
      change: `JWT issuer \`${b.jwt.issuer}\` → \`${a.jwt.issuer}\``,
      effect: 'tokens of the old issuer are refused (403) as soon as the policy changes',
      at: envAt(['auth', 'jwt', 'issuer']),
    });
  }

  out.push(...prometheusTransitions(b, a, envAt));
  out.push(...platformChartTransitions(b, a, ob, oa, envAt));

  const [sb, sa] = [servedOf(b), servedOf(a)];
  for (const name of [...new Set([...sb.keys(), ...sa.keys()])].sort(compareStrings)) {
    const [was, is] = [sb.get(name), sa.get(name)];
    if (!was && is) {
      out.push({
        class: 'safe',
        subject: `${is.kind} ${name}`,
        change: 'added',
        effect: 'created; it answers once its first replica is Ready',
        at: { file: is.plan.sourcePath, path: ['metadata', 'name'] },
      });
    } else if (was && !is) {
      out.push(removal(was, b));
    } else if (was && is) {
      out.push(...servedTransitions(was, is, b, a, ob, oa));
    }
  }
  out.push(...immutableFieldChanges(ob, oa, sa, a));
  if (options.firstPerModelSync) {
    const workloads = (files: readonly RenderedFile[]) => objectsOf(files.filter((f) => f.path.startsWith('flux/models/')));
    const next = workloads(after.files);
    const gone = [...workloads(before.files).keys()].filter((k) => !next.has(k)).sort(compareStrings);
    if (gone.length > 0) {
      out.push({
        class: 'two-steps',
        subject: 'environment',
        change: `${gone.length} object(s) leave Git in the first sync of the per-model Kustomizations`,
        effect: `each new Kustomization starts with an empty inventory and prunes nothing in its first sync, and the retired \`models\` Kustomization prunes no more: ${gone.slice(0, 3).join(', ')}${gone.length > 3 ? ', …' : ''} would stay in the cluster`,
        step: 'merge the upgrade of tritonops alone (flux/ re-rendered from unchanged specs), then this change',
        at: envAt([]),
      });
    }
  }
  return out;
}

/**
 * Prometheus' volume and retention, in the kube-prometheus-stack HelmRelease. prometheus-operator
 * applies them to its StatefulSet: new flags roll its one pod; a new claim template cannot be
 * applied in place (claim templates are immutable), so it deletes the StatefulSet and creates it
 * again, and the claim it made before is kept as it was.
 */
function prometheusTransitions(b: EnvironmentPlan, a: EnvironmentPlan, envAt: (path: (string | number)[]) => Transition['at']): Transition[] {
  const [pb, pa] = [b.monitoring.prometheus, a.monitoring.prometheus];
  const at = (...path: string[]) => envAt(['monitoring', 'prometheus', ...path]);
  const away =
    'While it restarts (a minute or two) nothing is scraped, autoscalers keep their replica counts (or go to fallbackReplicas) and running Flagger analyses count failed checks: merge when no analysis runs';
  const out: Transition[] = [];
  const push = (change: string, effect: string, path: Transition['at']) => out.push({ class: 'disruptive', subject: 'environment', change, effect, at: path });
  if (!pb.storage && pa.storage) {
    push(
      `Prometheus storage added (${pa.storage.size}${pa.storage.storageClass ? `, class ${pa.storage.storageClass}` : ''})`,
      `prometheus-operator cannot add a volume to its StatefulSet in place: it deletes and recreates it, and Prometheus starts on an empty claim. The samples it held in its emptyDir and the pending state of alerts (their \`for\`) are lost this once; from then on they survive restarts. ${away}`,
      at('storage'),
    );
  } else if (pb.storage && !pa.storage) {
    push(
      'Prometheus storage removed',
      `prometheus-operator recreates its StatefulSet on an emptyDir: Prometheus starts with no history, and from then on every restart loses it. The claim ${PROMETHEUS_CLAIM} in ${INFRA_NAMESPACES.monitoring} stays with the old samples (it is never deleted): delete it once they are not needed. ${away}`,
      at(),
    );
  } else if (pb.storage && pa.storage) {
    // Size and class are separate changes with separate remedies: both are reported.
    if (pb.storage.size !== pa.storage.size) {
      push(
        `Prometheus storage size ${pb.storage.size} → ${pa.storage.size}`,
        `${claimKeepsSize(pb.storage.size, pa.storage.size, pa.retentionSize)} ${away}`,
        at('storage', 'size'),
      );
    }
    if (pb.storage.storageClass !== pa.storage.storageClass) {
      push(
        `Prometheus storage class ${pb.storage.storageClass ?? '(default)'} → ${pa.storage.storageClass ?? '(default)'}`,
        `prometheus-operator recreates its StatefulSet and Prometheus restarts on its existing claim, which keeps the old class (a claim's class cannot change). Only deleting the claim ${PROMETHEUS_CLAIM} (and the pod) moves it to the new class, with the history lost. ${away}`,
        at('storage', 'storageClass'),
      );
    }
  }
  if (pb.retention !== pa.retention || pb.retentionSize !== pa.retentionSize) {
    const what = [
      pb.retention !== pa.retention ? `retention ${pb.retention} → ${pa.retention}` : '',
      pb.retentionSize !== pa.retentionSize ? `retentionSize ${pb.retentionSize ?? '(none)'} → ${pa.retentionSize ?? '(none)'}` : '',
    ].filter(Boolean);
    push(
      `Prometheus ${what.join(', ')}`,
      `Prometheus restarts with the new limits${pa.storage ? ' and keeps its samples on its volume' : ', and without storage loses its history and the pending state of alerts'}; samples past the new limits are deleted. ${away}`,
      at(pb.retention !== pa.retention ? 'retention' : 'retentionSize'),
    );
  }
  return out;
}

/** What an upgrade of each platform chart does while helm-controller runs it. */
const CHART_UPGRADES: Record<keyof EnvironmentPlan['platformCharts'], string> = {
  istio:
    'istiod, the CNI node agents and the ingress gateway roll to the new version; running sidecars keep their proxy until their pods restart (the next rollout of each model), which Istio supports one minor version apart',
  keda: 'the KEDA operator and metrics server restart: autoscalers hold their replica counts meanwhile',
  kubePrometheusStack:
    'prometheus-operator, Grafana and the exporters restart, and Prometheus too when the chart changes its image: for a minute or two nothing is scraped, autoscalers hold their counts (or go to fallbackReplicas) and running Flagger analyses count failed checks',
  gpuOperator:
    "the operator's DaemonSets roll node by node; a new driver or device plugin can evict the GPU models of each node in turn (the operator's upgrade policy), so models with one replica pause",
  flagger: 'Flagger restarts: running analyses resume from their last step',
};

/**
 * A platform chart at another version: helm-controller upgrades (or downgrades) the release, its
 * CRDs included (`crds: CreateReplace`). Reported for charts rendered before and after; a chart
 * that arrives or leaves with its first or last user is the change that brings it.
 */
function platformChartTransitions(
  b: EnvironmentPlan,
  a: EnvironmentPlan,
  ob: Map<string, KubeObject>,
  oa: Map<string, KubeObject>,
  envAt: (path: (string | number)[]) => Transition['at'],
): Transition[] {
  const out: Transition[] = [];
  for (const chart of Object.keys(CHART_UPGRADES) as (keyof typeof CHART_UPGRADES)[]) {
    const [from, to] = [b.platformCharts[chart], a.platformCharts[chart]];
    if (from === to) continue;
    const releases = [...oa.entries()]
      .filter(([key, o]) => o.kind === 'HelmRelease' && o.spec?.chart?.spec?.version === to && ob.get(key)?.spec?.chart?.spec?.version === from)
      .map(([, o]) => o.metadata.name as string);
    if (releases.length === 0) continue;
    const change = `${chart} chart ${from} → ${to} (HelmRelease ${releases.join(', ')})`;
    const at = envAt(['platform', 'charts', chart]);
    if ((compareVersions(to, from) ?? 0) < 0) {
      out.push({
        class: 'disruptive',
        subject: 'environment',
        change,
        effect: `a downgrade: Helm replaces the chart's CRDs with the older ones, which may drop fields or API versions that objects in the cluster still use, and the workloads roll back as for an upgrade (${CHART_UPGRADES[chart]}). Downgrade only to undo an upgrade that just failed, after reading the chart's notes`,
        at,
      });
      continue;
    }
    const [fm, tm] = [/^v?(\d+)\.(\d+)\./.exec(from), /^v?(\d+)\.(\d+)\./.exec(to)];
    if (chart === 'istio' && fm && tm && (Number(tm[1]) !== Number(fm[1]) || Number(tm[2]) - Number(fm[2]) > 1)) {
      out.push({
        class: 'two-steps',
        subject: 'environment',
        change,
        effect: 'Istio upgrades in place one minor version at a time: sidecars two minor versions behind istiod are outside its supported skew',
        step: `upgrade to the latest ${fm[1]}.${Number(fm[2]) + 1} patch first, restart the models so that their sidecars follow, then to ${to}`,
        at,
      });
      continue;
    }
    out.push({ class: 'disruptive', subject: 'environment', change, effect: CHART_UPGRADES[chart], at });
  }
  return out;
}

/**
 * A new size reaches only the claim template: a StatefulSet never resizes the claims it made, so
 * Prometheus keeps the old size until someone expands the claim, and a retentionSize sized for
 * the new volume overfills the old one (validate checks retentionSize against the new size only).
 */
function claimKeepsSize(before: string, after: string, retentionSize: string | undefined): string {
  const [old, next] = [parseQuantity(before) ?? 0, parseQuantity(after) ?? 0];
  const base =
    'prometheus-operator recreates its StatefulSet and Prometheus restarts, but the existing claim keeps its size: a StatefulSet never resizes its claims.';
  if (next < old) return `${base} A claim never shrinks: Prometheus keeps the ${before} volume.`;
  const patch = `\`kubectl -n ${INFRA_NAMESPACES.monitoring} patch pvc ${PROMETHEUS_CLAIM} -p '{"spec":{"resources":{"requests":{"storage":"${after}"}}}}'\``;
  const retention =
    retentionSize === undefined
      ? ''
      : retentionSizeFits(retentionSize, old)
        ? ` Until then retentionSize ${retentionSize} still fits the ${before} claim.`
        : ` Until then Prometheus has only ${before}, which retentionSize ${retentionSize} does not fit (at most ${retentionSizeFor(old)} leaves room for compactions): the volume fills before old samples go, and Prometheus stops ingesting. Expand the claim before merging, or keep retentionSize at ${retentionSizeFor(old)} and raise it once the claim has grown.`;
  return `${base} To grow it, patch the claim where its StorageClass allows expansion (${patch}).${retention}`;
}

function removal(was: Served, env: EnvironmentPlan): Transition {
  const m = was.plan;
  const at = { file: m.sourcePath, path: [] };
  const subject = `${was.kind} ${m.name}`;
  if (m.analysis) {
    return {
      class: 'two-steps',
      subject,
      change: 'removed while under Flagger analysis',
      effect:
        "Flagger's clean-up (revertOnDeletion) scales the model's Deployment back up before it lets its primary go; with the Deployment deleted in the same sync it retries without end: the Canary stays terminating and its primary keeps running",
      step: `turn analysis off (remove \`canary.analysis\` with a \`handover\`, as \`tritonops diff\` explains), then remove ${m.sourcePath}`,
      at,
    };
  }
  return {
    class: 'disruptive',
    subject,
    change: 'removed',
    effect: `its Service and routes are deleted at once: callers of ${m.name}.${env.namespace}.svc and of its public host get errors; its pods finish their in-flight requests and stop`,
    at,
  };
}

function servedTransitions(
  was: Served,
  is: Served,
  envBefore: EnvironmentPlan,
  env: EnvironmentPlan,
  ob: Map<string, KubeObject>,
  oa: Map<string, KubeObject>,
): Transition[] {
  const out: Transition[] = [];
  const [b, a] = [was.plan, is.plan];
  const subject = `${is.kind} ${a.name}`;
  const file = a.sourcePath;
  const ns = env.namespace;
  const deployment = (objects: Map<string, KubeObject>, name: string, namespace: string) => objects.get(`Deployment ${namespace}/${name}`);
  const sameNamespace = envBefore.namespace === env.namespace;
  if (!sameNamespace) return out;

  // Flagger analysis switched on (two steps) or off (three), with a handover between them.
  const canaryCheck = `\`kubectl -n ${ns} get canary ${a.name}\``;
  if (a.analysis && !b.analysis) {
    if (!a.handover) {
      out.push({
        class: 'two-steps',
        subject,
        change: 'Flagger analysis turned on',
        effect: `Flux would delete tritonops' Service, VirtualServices and DestinationRule of ${a.name} at once, while Flagger makes its own only after its primary copy is Ready (up to ${a.startupTimeoutSeconds} s of model loading): the model would be unreachable meanwhile`,
        step: `merge \`canary.analysis\` together with \`handover: true\` in ${file}: Flagger then initialises beside tritonops' routes, which stay until it has taken over. Remove \`handover\` in the next pull request`,
        at: { file, path: ['spec', 'canary', 'analysis'] },
      });
    } else {
      out.push({
        class: 'disruptive',
        subject,
        change: 'Flagger analysis turned on (handover)',
        effect:
          `Flagger copies ${a.name} to ${a.name}-primary (as many replicas again, on the same GPU pool), waits until they are Ready, then points Service ${a.name} and VirtualService ${a.name} at them and scales ${a.name} to 0. tritonops' ingress route stays beside; Flux leaves the Deployment as it is. ` +
          `From then on the model answers HTTP only: Flagger pins its routes to port 8000, so gRPC callers must move to HTTP first`,
        step: `when ${canaryCheck} says Initialized, remove \`handover\` from ${file} (Flux then deletes tritonops' DestinationRule and ingress VirtualService; Service and VirtualService ${a.name} are Flagger's)`,
        at: { file, path: ['spec', 'handover'] },
      });
    }
  } else if (b.analysis && !a.analysis) {
    if (!b.handover) {
      out.push({
        class: 'two-steps',
        subject,
        change: 'Flagger analysis turned off',
        effect: `deleting the Canary hands ${a.name} back only if the live Canary reverts on deletion and what Flagger needs for it outlives the Canary; in one step the model can be left at 0 replicas behind routes to ${a.name}-primary, which is deleted`,
        step: `add \`handover: true\` in ${file}, keeping \`canary.analysis\`; then remove \`canary.analysis\`, keeping \`handover\`; then remove \`handover\` — three pull requests`,
        at: { file, path: ['spec', 'canary', 'analysis'] },
      });
    } else if (!a.handover) {
      out.push({
        class: 'two-steps',
        subject,
        change: 'Flagger analysis and the handover removed together',
        effect: `Flux would delete the Canary and, in the same sync, what Flagger's clean-up needs to hand ${a.name} back (the ScaledObject it resumes first; Flagger itself with an environment's last Canary): the clean-up fails, and the model stays behind routes to its primary`,
        step: `remove \`canary.analysis\` but keep \`handover: true\` in ${file}; remove \`handover\` once ${canaryCheck} finds no Canary`,
        at: { file, path: ['spec', 'canary'] },
      });
    } else {
      out.push({
        class: 'disruptive',
        subject,
        change: 'Flagger analysis turned off (handover)',
        effect:
          `Flux deletes the Canary; Flagger scales ${a.name} up to the primary's replica count (as many GPU replicas again for a while), waits until they are Ready, points Service ${a.name} back at them and restores VirtualService ${a.name}; then ${a.name}-primary is deleted. ` +
          `Merge only when ${canaryCheck} says Succeeded or Initialized: during an analysis, or after a rollback, Flagger would hand back a release that has not passed`,
        step: `when ${canaryCheck} finds no Canary, remove \`handover\` from ${file}, and give Service and VirtualService ${a.name} back to Flux (Flagger leaves its mark on them): \`kubectl -n ${ns} annotate service/${a.name} virtualservice/${a.name} kustomize.toolkit.fluxcd.io/reconcile- helm.toolkit.fluxcd.io/driftDetection-\``,
        at: { file, path: ['spec'] },
      });
    }
  } else if (a.analysis && b.analysis && a.handover && !b.handover) {
    out.push({
      class: 'safe',
      subject,
      change: 'handover before turning analysis off',
      effect: `the live Canary is told to revert on deletion; tritonops adds its DestinationRule and ingress VirtualService beside Flagger's (its Service and VirtualService ${a.name} are Flagger's until then); Flux leaves the Deployment as it is`,
      step: `next, remove \`canary.analysis\` from ${file}, keeping \`handover\``,
      at: { file, path: ['spec', 'handover'] },
    });
  } else if (a.analysis && b.analysis && b.handover && !a.handover) {
    out.push({
      class: 'disruptive',
      subject,
      change: 'handover to Flagger finished',
      effect: `Flux deletes tritonops' DestinationRule and ingress VirtualService of ${a.name}; Service and VirtualService ${a.name} stay, being Flagger's. Merge only once ${canaryCheck} says Initialized: before that Flux would delete the Service`,
      at: { file, path: ['spec'] },
    });
  } else if (!a.analysis && !b.analysis && b.handover && !a.handover && !b.handoverFromReplicas) {
    out.push({
      class: 'disruptive',
      subject,
      change: 'handover after Flagger analysis finished',
      effect: `Flux applies the Deployment again${a.autoscaling ? '' : ` with ${trackOf(a, 'stable')!.replicas} replica(s), and deletes the ScaledObject that held its size`}; Flagger is uninstalled when no model uses it. Merge only once ${canaryCheck} finds no Canary`,
      at: { file, path: ['spec'] },
    });
  } else if (b.analysis && a.analysis && (b.autoscaling === undefined) !== (a.autoscaling === undefined)) {
    out.push({
      class: 'disruptive',
      subject,
      change: `autoscaling turned ${a.autoscaling ? 'on' : 'off'} under Flagger analysis`,
      effect: `Flagger copies the target's ScaledObject to ${a.name}-primary only when it promotes: the model serves as before until the next release passes its analysis`,
      at: { file, path: ['spec', 'autoscaling'] },
    });
  }

  // A handover that hands nothing over would only stop Flux from updating the Deployment.
  const handsOver =
    (a.analysis !== undefined) !== (b.analysis !== undefined) ||
    (a.analysis !== undefined && b.analysis !== undefined) ||
    a.tracks.some((t) => t.autoscale && !trackOf(b, t.track)?.autoscale && trackOf(b, t.track) !== undefined);
  if (a.handover && !b.handover && !handsOver) {
    out.push({
      class: 'two-steps',
      subject,
      change: '`handover` with nothing to hand over',
      effect: 'a handover is the first step of turning autoscaling on or Flagger analysis on or off; here it would only stop Flux from updating the Deployment',
      step: `remove \`handover\` from ${file}`,
      at: { file, path: ['spec', 'handover'] },
    });
  }

  // Callers from other namespaces: NetworkPolicies add up, so a namespace taken out loses access.
  const [cb0, ca0] = [new Set(b.callers ?? []), new Set(a.callers ?? [])];
  const lost = [...cb0].filter((n) => !ca0.has(n));
  const gained = [...ca0].filter((n) => !cb0.has(n));
  if (lost.length > 0) {
    out.push({
      class: 'disruptive',
      subject,
      change: `callers from ${lost.join(', ')} removed`,
      effect:
        `${a.callers ? `NetworkPolicy ${callersPolicyName(a)} no longer admits` : `NetworkPolicy ${callersPolicyName(a)} is deleted: nothing admits`} pods in ${lost.join(', ')}: their new connections to ${a.name} are dropped and their calls time out. ` +
        // NetworkPolicies are enforced on new connections; the callers' proxies pool HTTP/2 ones.
        'Connections already open (their Envoy proxies keep HTTP/2 connections and reuse them) may carry calls until they close',
      at: { file, path: a.callers ? ['spec', 'callers', 'namespaces'] : ['spec'] },
    });
  }
  if (gained.length > 0) {
    out.push({
      class: 'safe',
      subject,
      change: `callers from ${gained.join(', ')} added`,
      effect: `pods in ${gained.join(', ')} may call ${a.name} on ports 8000 and 8001 (in the mesh, with a token where auth is required)`,
      at: { file, path: ['spec', 'callers', 'namespaces'] },
    });
  }
  if (b.traffic.streaming !== a.traffic.streaming) {
    out.push(
      a.traffic.streaming
        ? {
            class: 'safe',
            subject,
            change: 'streaming turned on',
            effect: `the routes of ${a.name} lose their timeout: responses and streams may last as long as they need`,
            at: { file, path: ['spec', 'traffic', 'streaming'] },
          }
        : {
            class: 'disruptive',
            subject,
            change: 'streaming turned off',
            effect: `the routes of ${a.name} get a ${a.traffic.timeout} timeout: from then on a response or stream that lasts longer is cut (504, or a reset stream); streaming clients must reconnect within it`,
            at: { file, path: ['spec', 'traffic'] },
          },
    );
  }

  for (const track of a.tracks) {
    const bt = trackOf(b, track.track);
    if (!bt) continue;
    const [db, da] = [deployment(ob, track.deploymentName, envBefore.namespace), deployment(oa, track.deploymentName, ns)];
    if (!db || !da) continue;
    const at = { file, path: track.track === 'stable' ? ['spec'] : ['spec', 'canary'] };
    const templateChanged = json(db.spec.template) !== json(da.spec.template);

    // A handover changes nothing else: Flux does not apply the Deployment while it runs.
    if (ifNotPresent(da) && templateChanged) {
      out.push({
        class: 'two-steps',
        subject,
        change: `the pods of ${track.deploymentName} change during a handover`,
        effect: 'Flux only creates a Deployment during a handover, never updates it: this change would not reach the cluster',
        step: b.handover
          ? `remove \`handover\` from ${file}, then change the pods`
          : `merge the handover alone (only \`handover\` and what it hands over), then change the pods`,
        at: { file, path: ['spec', 'handover'] },
      });
      continue;
    }

    // spec.replicas leaving Git: server-side apply resets a field its sole owner drops, so the
    // autoscaler must own it first (a handover) unless the default of 1 is what runs anyway.
    const replicasBefore = db.spec.replicas as number | undefined;
    const turnsOn = !bt.autoscale && track.autoscale !== undefined && !a.analysis && !b.analysis;
    const fields =
      track.track === 'stable' ? { autoscaling: 'autoscaling', replicas: 'replicas' } : { autoscaling: 'canary.autoscaling', replicas: 'canary.replicas' };
    if (turnsOn && !ifNotPresent(da)) {
      if (replicasBefore !== undefined && replicasBefore > 1) {
        out.push({
          class: 'two-steps',
          subject,
          change: `autoscaling turned on for ${track.deploymentName}, which runs ${replicasBefore} replicas`,
          effect: `spec.replicas leaves Git, and under server-side apply a field its only owner drops is reset to its default: ${track.deploymentName} would go from ${replicasBefore} replicas to 1 until the autoscaler catches up`,
          step: `merge \`${fields.autoscaling}\` together with \`handover: true\` and \`${fields.replicas}: ${replicasBefore}\` in ${file}; remove \`handover\` in the next pull request`,
          at: { file, path: track.track === 'stable' ? ['spec', 'autoscaling'] : ['spec', 'canary', 'autoscaling'] },
        });
      } else {
        out.push({
          class: 'safe',
          subject,
          change: `autoscaling turned on for ${track.deploymentName}`,
          effect: `${replicasBefore === 0 ? 'a replica starts (spec.replicas falls back to 1)' : 'it keeps its one replica'} until KEDA's autoscaler scales it between ${track.autoscale!.minReplicas} and ${track.autoscale!.maxReplicas}`,
          at: { file, path: ['spec', 'autoscaling'] },
        });
      }
    } else if (turnsOn) {
      if (track.replicas !== bt.replicas) {
        out.push({
          class: 'two-steps',
          subject,
          change: `handover of ${track.deploymentName} from ${bt.replicas} replicas with \`replicas: ${track.replicas}\``,
          effect: `the autoscaler takes spec.replicas over only by writing a new count; it must start above what runs now (${bt.replicas})`,
          step: `keep \`${fields.replicas}: ${bt.replicas}\` in ${file} during the handover`,
          at: { file, path: track.track === 'stable' ? ['spec', 'replicas'] : ['spec', 'canary', 'replicas'] },
        });
      } else {
        out.push({
          class: 'disruptive',
          subject,
          change: `autoscaling turned on for ${track.deploymentName} (handover)`,
          effect: `Flux leaves the Deployment as it is; KEDA's autoscaler starts at ${track.autoscale!.minReplicas} replicas (one more than the ${bt.replicas} that run), which makes it the owner of spec.replicas. The model never runs fewer than ${bt.replicas}`,
          step: `when \`kubectl -n ${ns} get deployment ${track.deploymentName}\` shows ${track.autoscale!.minReplicas} replicas, remove \`handover\` (and \`${fields.replicas}\`) from ${file}`,
          at: { file, path: ['spec', 'handover'] },
        });
      }
    } else if (
      replicasBefore !== undefined &&
      replicasBefore > 1 &&
      da.spec.replicas === undefined &&
      !ifNotPresent(db) &&
      !ifNotPresent(da) &&
      !(a.analysis && !b.analysis)
    ) {
      // Whatever else drops the count (a future render): the same reset, refused the same way.
      out.push({
        class: 'two-steps',
        subject,
        change: `spec.replicas of ${track.deploymentName} leaves Git`,
        effect: `under server-side apply a field its only owner drops is reset to its default: ${track.deploymentName} would go from ${replicasBefore} replicas to 1`,
        step: `add \`handover: true\` to ${file} for one pull request`,
        at: { file, path: ['spec'] },
      });
    } else if (ifNotPresent(db) && !ifNotPresent(da) && !a.analysis && !b.analysis && b.handoverFromReplicas) {
      out.push({
        class: 'disruptive',
        subject,
        change: `handover of ${track.deploymentName} to the autoscaler finished`,
        effect: `Flux applies the Deployment again, without spec.replicas. Merge only once the autoscaler has written a new replica count (\`kubectl -n ${ns} get deployment ${track.deploymentName}\` shows ${bt.autoscale?.minReplicas ?? 'more'} replicas): before that Flux still owns the field and the count drops to 1`,
        at: { file, path: ['spec'] },
      });
    } else if (bt.autoscale && !track.autoscale && !a.analysis) {
      out.push({
        class: 'disruptive',
        subject,
        change: `autoscaling turned off for ${track.deploymentName}`,
        effect: `Flux sets spec.replicas to ${track.replicas}, whatever the autoscaler had chosen, then deletes the autoscaler (which may still write its own count in between; Flux's next sync sets ${track.replicas} again)`,
        at,
      });
    } else if (!bt.autoscale && !track.autoscale && bt.replicas !== track.replicas && !a.analysis) {
      if (track.replicas === 0) {
        out.push({
          class: 'disruptive',
          subject,
          change: `replicas of ${track.deploymentName} ${bt.replicas} → 0`,
          effect: `outage of ${track.track === 'stable' ? 'the model' : 'the canary'}: no replica serves, callers get 503`,
          at,
        });
      } else {
        out.push({
          class: 'safe',
          subject,
          change: `replicas of ${track.deploymentName} ${bt.replicas} → ${track.replicas}`,
          effect: track.replicas > bt.replicas ? 'new replicas start and join once Ready' : 'replicas stop after finishing their in-flight requests',
          at,
        });
      }
    }

    if (templateChanged) {
      const pool = b.gpu?.pool !== a.gpu?.pool ? ` onto ${a.gpu ? `GPU pool ${a.gpu.pool}` : 'CPU nodes'}` : '';
      if (a.analysis && b.analysis && track.track === 'stable') {
        const an = a.analysis;
        out.push({
          class: 'disruptive',
          subject,
          change: `new release of ${a.name}${pool}`,
          effect: `Flagger starts an analysis: ${a.name} scales up beside ${a.name}-primary and gets ${an.stepWeight}% more of the traffic every ${an.interval} up to ${an.maxWeight}% while its success rate stays ≥ ${an.successRate}% and queue time ≤ ${an.maxQueueTimeMs} ms, then is promoted; after ${an.threshold} failed checks it is rolled back`,
          at,
        });
      } else {
        const [diskBefore, disk] = [b.resources.ephemeralStorage, a.resources.ephemeralStorage];
        const diskNote =
          disk && json(diskBefore) !== json(disk)
            ? `; each new replica requests ${disk.request} of local disk (ephemeral-storage), which its node must have free` +
              (disk.limit ? `, and is evicted when the disk use of its whole pod (the download, logs, the Istio proxy's volume) passes ${disk.limit}` : '')
            : '';
        out.push({
          class: 'disruptive',
          subject,
          change: `the pods of ${track.deploymentName} change${pool}`,
          effect: `pods restart one by one: each new replica must load its models and be Ready before an old one stops (room for one more replica${a.gpu ? ` on GPU pool ${a.gpu.pool}` : ''} is needed)${diskNote}`,
          at,
        });
      }
    }
  }

  // Static canary track: added without traffic first; removed (or promoted) only when unrouted.
  const [cb, ca] = [trackOf(b, 'canary'), trackOf(a, 'canary')];
  if (!cb && ca && a.routing) {
    if (a.routing.weight > 0) {
      out.push({
        class: 'two-steps',
        subject,
        change: `canary added with weight ${a.routing.weight}%`,
        effect: `Istio would send ${a.routing.weight}% of the requests to ${ca.deploymentName} as soon as the routes change, long before its replicas have loaded their models: those requests fail (503)`,
        step: `add the canary with \`weight: 0\` (a \`header\` or \`mirror\` may come with it); raise the weight once \`kubectl -n ${ns} rollout status deployment/${ca.deploymentName}\` succeeds`,
        at: { file, path: ['spec', 'canary', 'weight'] },
      });
    } else {
      out.push({
        class: 'safe',
        subject,
        change: 'canary added',
        effect: `${ca.deploymentName} starts with ${ca.autoscale ? `${ca.autoscale.minReplicas}+` : ca.replicas} replica(s); it gets no weighted traffic yet`,
        at: { file, path: ['spec', 'canary'] },
      });
    }
  } else if (cb && !ca) {
    const promoted = json(cb.release) === json(trackOf(a, 'stable')!.release);
    if (canaryRouted(b)) {
      out.push({
        class: 'two-steps',
        subject,
        change: promoted ? 'canary promoted while it still gets traffic' : 'canary removed while it still gets traffic',
        effect: `the canary's routes and its DestinationRule subset would go in the same sync as ${cb.deploymentName}: requests already on their way to it, and any route still naming the subset while Istio catches up, fail (503)`,
        step: `set \`canary.weight: 0\` and remove \`canary.header\` and \`canary.mirror\` in ${file}; ${promoted ? 'promote' : 'remove the canary'} in the next pull request`,
        at: { file, path: ['spec', 'canary'] },
      });
    } else {
      out.push({
        class: 'safe',
        subject,
        change: promoted ? 'canary promoted' : 'canary removed',
        effect: `${cb.deploymentName}, which got no traffic, is deleted${promoted ? '; its release is now the stable one' : ''}`,
        at: { file, path: ['spec'] },
      });
    }
  } else if (cb && ca && b.routing && a.routing && json(b.routing) !== json(a.routing)) {
    out.push({
      class: 'safe',
      subject,
      change: `canary traffic ${b.routing.weight}% → ${a.routing.weight}%`,
      effect: 'Istio shifts the traffic within seconds; no pod restarts',
      at: { file, path: ['spec', 'canary'] },
    });
  }
  return out;
}

/** Changes the API server refuses whatever their cause: Flux's whole stage would fail. */
function immutableFieldChanges(ob: Map<string, KubeObject>, oa: Map<string, KubeObject>, served: Map<string, Served>, env: EnvironmentPlan): Transition[] {
  const out: Transition[] = [];
  for (const [key, after] of oa) {
    const before = ob.get(key);
    if (!before) continue;
    let field: string | undefined;
    if (after.kind === 'Deployment' && json(before.spec.selector) !== json(after.spec.selector)) field = 'spec.selector';
    if (after.kind === 'PersistentVolume' && json({ ...before.spec, capacity: 0, mountOptions: 0 }) !== json({ ...after.spec, capacity: 0, mountOptions: 0 }))
      field = 'spec (its source)';
    if (after.kind === 'PersistentVolumeClaim' && json(before.spec) !== json(after.spec)) field = 'spec';
    if (!field) continue;
    const owner = [...served.values()].find((s) => after.metadata.labels?.['tritonops.dev/model'] === s.plan.name);
    out.push({
      class: 'two-steps',
      subject: owner ? `${owner.kind} ${owner.plan.name}` : 'environment',
      change: `${after.kind} ${after.metadata.name}: ${field} changes`,
      effect: `the API server refuses to change ${field} of an existing ${after.kind}; Flux's whole apply would fail, and nothing else of this change would reach the cluster`,
      step: owner
        ? `remove ${owner.kind} ${owner.plan.name} in one pull request and add it back in the next, or keep what changes ${field}`
        : `keep what changes ${field}`,
      at: owner ? { file: owner.plan.sourcePath, path: [] } : { file: env.sourcePath, path: [] },
    });
  }
  return out;
}
