/**
 * What a change means for an environment, in the words reviewers use: releases, canary weights,
 * scaling bounds, GPU demand, auth, models and pipelines added or removed. Computed from two
 * plans (before and after), independent of how the YAML happens to change.
 */
import { planCapacity } from './capacity.ts';
import { compareStrings } from '../diagnostics.ts';
import type { EnvironmentPlan, ModelPlan, PipelinePlan, TrackPlan } from './types.ts';

/** One line of a change summary (`summarizeChange`), as `diff` prints it. */
export interface SummaryItem {
  /** What changed: `whisper: release`, `pool a100: GPU demand`, … */
  readonly subject: string;
  /** The kind of change, e.g. `release`, `canary weight`, `added`. */
  readonly what: string;
  /** The value before the change, shown as text; empty when there was none. */
  readonly before: string;
  /** The value after the change, shown as text; empty when there is none. */
  readonly after: string;
}

const releaseOf = (t: TrackPlan | undefined) =>
  t ? [t.release.image, t.release.repositoryUri ?? '', t.release.tritonModels?.join(',') ?? '', t.release.args.join(' ')].join(' | ') : '';

function describeRelease(t: TrackPlan | undefined): string {
  if (!t) return '(none)';
  const parts = [t.release.image, t.release.repository ? `s3://${t.release.repository.bucket}/${t.release.repository.prefix}` : ''];
  if (t.release.tritonModels) parts.push(`models ${t.release.tritonModels.join(', ')}`);
  if (t.release.args.length) parts.push(`args ${t.release.args.join(' ')}`);
  return parts.filter(Boolean).join(', ');
}

const bounds = (t: TrackPlan | undefined) =>
  !t ? '(none)' : t.autoscale ? `${t.autoscale.minReplicas}..${t.autoscale.maxReplicas} (autoscaled)` : `${t.replicas}`;

function canaryText(m: ModelPlan | undefined): string {
  if (!m) return '(none)';
  if (m.analysis) return `Flagger analysis (step ${m.analysis.stepWeight}%, max ${m.analysis.maxWeight}%)`;
  if (!m.routing) return '(none)';
  const parts = [`${m.routing.weight}%`];
  if (m.routing.header) parts.push(`header ${m.routing.header.name}: ${m.routing.header.value}`);
  if (m.routing.mirrorPercent !== undefined) parts.push(`mirror ${m.routing.mirrorPercent}%`);
  return parts.join(', ');
}

const authText = (m: ModelPlan | undefined) =>
  !m ? '(none)' : !m.auth.required ? 'no token required' : m.auth.roles ? `token with role ${m.auth.roles.join(' or ')}` : 'token required';

function modelChanges(name: string, before: ModelPlan | undefined, after: ModelPlan | undefined, kind: 'model' | 'pipeline'): SummaryItem[] {
  const out: SummaryItem[] = [];
  const push = (what: string, b: string, a: string) => b !== a && out.push({ subject: `${kind} ${name}`, what, before: b, after: a });
  if (!before || !after) {
    push(before ? 'removed' : 'added', before ? describeRelease(before.tracks[0]) : '(none)', after ? describeRelease(after.tracks[0]) : '(none)');
    // What reviewers must see even on a new model: its exceptions to the gate and to the scan.
    if (after?.promotionOverride) push('promotion override', '(none)', after.promotionOverride);
    if (after?.notASecret) push('not a secret (credentials scan)', '(none)', after.notASecret);
    return out;
  }
  const stable = (m: ModelPlan) => m.tracks.find((t) => t.track === 'stable');
  const canary = (m: ModelPlan) => m.tracks.find((t) => t.track === 'canary');
  if (releaseOf(stable(before)) !== releaseOf(stable(after))) push('release', describeRelease(stable(before)), describeRelease(stable(after)));
  if (releaseOf(canary(before)) !== releaseOf(canary(after))) push('canary release', describeRelease(canary(before)), describeRelease(canary(after)));
  push('canary traffic', canaryText(before), canaryText(after));
  push('replicas', bounds(stable(before)), bounds(stable(after)));
  if (canary(before) || canary(after)) push('canary replicas', bounds(canary(before)), bounds(canary(after)));
  push('auth', authText(before), authText(after));
  push('promotion override', before.promotionOverride ?? '(none)', after.promotionOverride ?? '(none)');
  push('not a secret (credentials scan)', before.notASecret ?? '(none)', after.notASecret ?? '(none)');
  push('GPU pool', before.gpu ? `${before.gpu.pool} × ${before.gpu.count}` : 'CPU', after.gpu ? `${after.gpu.pool} × ${after.gpu.count}` : 'CPU');
  return out;
}

function pipelineShape(p: PipelinePlan | undefined): string {
  if (!p) return '(none)';
  return p.graph.steps
    .map((s) => `${s.name}(${s.model ?? `local ${s.tritonModel}`}: ${s.inputs.map((i) => `${i.name}<-${i.source.step}.${i.source.tensor}`).join(', ')})`)
    .join(' → ');
}

/**
 * What an environment's own settings decide, in the words of environment.yaml: where its models
 * run, where Flux fetches from and sends its tokens, which Secrets and which S3 they read, who may
 * call them. A change to any of these is the first thing a reviewer must see.
 */
const ENVIRONMENT_SETTINGS: readonly [what: string, of: (e: EnvironmentPlan) => unknown][] = [
  ['namespace', (e) => e.namespace],
  ['git.url', (e) => e.git.url],
  ['git.branch', (e) => e.git.branch],
  ['git.secretRef', (e) => e.git.secretRef],
  ['git.commitStatus', (e) => e.git.commitStatus],
  [
    's3',
    (e) => ({
      endpoint: e.s3.endpointUrl,
      region: e.s3.region,
      credentialsSecret: e.s3.credentialsSecret,
      accessKeyIdKey: e.s3.accessKeyIdKey,
      secretAccessKeyKey: e.s3.secretAccessKeyKey,
    }),
  ],
  ['gateway', (e) => e.gateway],
  ['auth.jwt', (e) => e.jwt],
  ['tracing', (e) => e.tracing],
  ['sfs', (e) => e.sfs],
  ['gpuPools', (e) => e.gpuPools],
  ['labels', (e) => ({ ...e.labels, ...e.namespaceLabels })],
  ['not a secret (credentials scan)', (e) => e.notASecret],
];

function settingText(value: unknown): string {
  return value === undefined ? '(none)' : typeof value === 'string' ? value : JSON.stringify(value);
}

/** The reviewer's summary of `before → after` for one environment (either may be absent). */
export function summarizeChange(before: EnvironmentPlan | undefined, after: EnvironmentPlan | undefined): SummaryItem[] {
  const items: SummaryItem[] = [];
  if (before && after) {
    for (const [what, of] of ENVIRONMENT_SETTINGS) {
      const [b, a] = [settingText(of(before)), settingText(of(after))];
      if (b !== a) items.push({ subject: 'environment', what, before: b, after: a });
    }
  }
  const models = (e: EnvironmentPlan | undefined) => new Map((e?.models ?? []).map((m) => [m.name, m] as const));
  const [mb, ma] = [models(before), models(after)];
  for (const name of [...new Set([...mb.keys(), ...ma.keys()])].sort(compareStrings)) items.push(...modelChanges(name, mb.get(name), ma.get(name), 'model'));
  const pipelines = (e: EnvironmentPlan | undefined) => new Map((e?.pipelines ?? []).map((p) => [p.graph.name, p] as const));
  const [pb, pa] = [pipelines(before), pipelines(after)];
  for (const name of [...new Set([...pb.keys(), ...pa.keys()])].sort(compareStrings)) {
    const [b, a] = [pb.get(name), pa.get(name)];
    if (!b || !a) items.push({ subject: `pipeline ${name}`, what: b ? 'removed' : 'added', before: pipelineShape(b), after: pipelineShape(a) });
    else if (pipelineShape(b) !== pipelineShape(a))
      items.push({ subject: `pipeline ${name}`, what: 'graph', before: pipelineShape(b), after: pipelineShape(a) });
    else items.push(...modelChanges(name, b.server, a.server, 'pipeline').filter((i) => i.what !== 'release'));
  }
  const demand = (e: EnvironmentPlan | undefined) =>
    new Map((e ? planCapacity(e).pools : []).map((p) => [p.pool, `${p.min}..${p.max} of ${p.capacity} ${p.resource}`] as const));
  const [db, da] = [demand(before), demand(after)];
  for (const pool of [...new Set([...db.keys(), ...da.keys()])].sort(compareStrings)) {
    const [b, a] = [db.get(pool) ?? '(none)', da.get(pool) ?? '(none)'];
    if (b !== a) items.push({ subject: `pool ${pool}`, what: 'GPU demand', before: b, after: a });
  }
  return items;
}

/** Pipelines whose graph changed or that were added: the diff draws them. */
export function changedPipelines(before: EnvironmentPlan | undefined, after: EnvironmentPlan | undefined): PipelinePlan[] {
  const old = new Map((before?.pipelines ?? []).map((p) => [p.graph.name, p] as const));
  return (after?.pipelines ?? []).filter((p) => pipelineShape(old.get(p.graph.name)) !== pipelineShape(p));
}
