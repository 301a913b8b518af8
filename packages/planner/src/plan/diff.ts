/**
 * What a change means for an environment, in the words reviewers use: releases, canary weights,
 * scaling bounds, GPU demand, auth, models and pipelines added or removed. Computed from two
 * plans (before and after), independent of how the YAML happens to change.
 */
import { planCapacity } from './capacity.ts';
import { SOPS_KEY_SECRET } from '../check/secrets.ts';
import { PLATFORM_NAMESPACES } from '../check/platform-namespaces.ts';
import { compareStrings } from '../diagnostics.ts';
import type { EnvironmentPlan, ModelPlan, PipelinePlan, SopsSecretPlan, TrackPlan } from './types.ts';

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

/** A model's `signatures` in one line: `densenet_onnx: data_0 FP32 [3,224,224] -> fc6_1 FP32 [1000]; …`. */
function signaturesText(m: ModelPlan): string {
  const tensors = (list: readonly { name: string; datatype: string; shape: readonly number[] }[]) =>
    list.map((t) => `${t.name} ${t.datatype} [${t.shape.join(',')}]`).join(', ');
  const entries = Object.entries(m.signatures ?? {}).sort(([a], [b]) => compareStrings(a, b));
  return entries.length === 0 ? '(none)' : entries.map(([model, s]) => `${model}: ${tensors(s.inputs)} -> ${tensors(s.outputs)}`).join('; ');
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
    out.push(...secretEnvChanges(`${kind} ${name}`, before, after));
    return out;
  }
  const stable = (m: ModelPlan) => m.tracks.find((t) => t.track === 'stable');
  const canary = (m: ModelPlan) => m.tracks.find((t) => t.track === 'canary');
  if (releaseOf(stable(before)) !== releaseOf(stable(after))) push('release', describeRelease(stable(before)), describeRelease(stable(after)));
  if (releaseOf(canary(before)) !== releaseOf(canary(after))) push('canary release', describeRelease(canary(before)), describeRelease(canary(after)));
  // Part of the release, but not of what a track runs: pipelines wire to them.
  push('signatures', signaturesText(before), signaturesText(after));
  push('canary traffic', canaryText(before), canaryText(after));
  push('replicas', bounds(stable(before)), bounds(stable(after)));
  if (canary(before) || canary(after)) push('canary replicas', bounds(canary(before)), bounds(canary(after)));
  push('auth', authText(before), authText(after));
  push('promotion override', before.promotionOverride ?? '(none)', after.promotionOverride ?? '(none)');
  push('not a secret (credentials scan)', before.notASecret ?? '(none)', after.notASecret ?? '(none)');
  push('GPU pool', before.gpu ? `${before.gpu.pool} × ${before.gpu.count}` : 'CPU', after.gpu ? `${after.gpu.pool} × ${after.gpu.count}` : 'CPU');
  out.push(...secretEnvChanges(`${kind} ${name}`, before, after));
  return out;
}

/** One item per `secretEnv` variable added, removed or pointed elsewhere: where it reads from (`secret/key`), never a value. */
function secretEnvChanges(subject: string, before: ModelPlan | undefined, after: ModelPlan | undefined): SummaryItem[] {
  const ref = (m: ModelPlan | undefined, v: string) => {
    const r = m?.secretEnv?.[v];
    return r ? `${r.secret}/${r.key}` : '(none)';
  };
  const variables = [...new Set([...Object.keys(before?.secretEnv ?? {}), ...Object.keys(after?.secretEnv ?? {})])].sort(compareStrings);
  return variables.map((v) => ({ subject, what: `secretEnv ${v}`, before: ref(before, v), after: ref(after, v) })).filter((i) => i.before !== i.after);
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
  ['secrets.delivery', (e) => e.secrets?.delivery],
  ['secrets.store', (e) => e.secrets?.store],
  ['secrets.refreshInterval', (e) => e.secrets?.refreshInterval],
  ['secrets.declared', (e) => declaredText(e)],
  ['secrets.sops.ageRecipients', (e) => e.secrets?.ageRecipients?.join(', ')],
];

/** The declared Secrets in one line: `hf-token (keys token, org)`, with the store's key where it differs. */
function declaredText(e: EnvironmentPlan): string | undefined {
  const declared = Object.entries(e.secrets?.declared ?? {});
  if (declared.length === 0) return undefined;
  return declared.map(([name, d]) => `${name} (keys ${d.keys.join(', ')}${d.remoteKey ? `; store key ${d.remoteKey}` : ''})`).join('; ');
}

function settingText(value: unknown): string {
  return value === undefined ? '(none)' : typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * SOPS Secrets whose ciphertexts or age recipients changed (added and removed ones show in
 * `secrets.declared`). Only names, keys and recipients (public keys), never a ciphertext: a
 * reviewer cannot read the new value, but sees that there is one, and to whom it is encrypted.
 */
function sopsSecretChanges(before: EnvironmentPlan | undefined, after: EnvironmentPlan | undefined): SummaryItem[] {
  const items: SummaryItem[] = [];
  const old = new Map((before?.sopsSecrets ?? []).map((s) => [s.name, s] as const));
  const keys = (s: SopsSecretPlan) => `keys ${[...Object.keys(s.data ?? {}), ...Object.keys(s.stringData ?? {})].sort(compareStrings).join(', ')}`;
  const values = (s: SopsSecretPlan) => JSON.stringify([s.data ?? {}, s.stringData ?? {}]);
  const recipients = (s: SopsSecretPlan) =>
    (Array.isArray(s.sops.age) ? (s.sops.age as { recipient?: string }[]) : [])
      .map((a) => a.recipient ?? '')
      .sort(compareStrings)
      .join(', ');
  for (const a of after?.sopsSecrets ?? []) {
    const b = old.get(a.name);
    if (!b) continue;
    if (values(b) !== values(a)) items.push({ subject: `Secret ${a.name}`, what: 'value changed (encrypted)', before: keys(b), after: keys(a) });
    if (recipients(b) !== recipients(a)) items.push({ subject: `Secret ${a.name}`, what: 'age recipients', before: recipients(b), after: recipients(a) });
  }
  return items;
}

/** The reviewer's summary of `before → after` for one environment (either may be absent). */
export function summarizeChange(before: EnvironmentPlan | undefined, after: EnvironmentPlan | undefined): SummaryItem[] {
  const items: SummaryItem[] = [];
  if (before && after) {
    for (const [what, of] of ENVIRONMENT_SETTINGS) {
      const [b, a] = [settingText(of(before)), settingText(of(after))];
      if (b !== a) items.push({ subject: 'environment', what, before: b, after: a });
    }
    // Platform chart upgrades roll the mesh, KEDA or Flux itself: as visible as a model's release.
    for (const chart of [...new Set([...Object.keys(before.platformCharts), ...Object.keys(after.platformCharts)])].sort(compareStrings)) {
      const [b, a] = [before.platformCharts[chart as keyof typeof before.platformCharts], after.platformCharts[chart as keyof typeof after.platformCharts]];
      if (b !== a) items.push({ subject: 'environment', what: `platform.charts.${chart}`, before: b ?? '(default)', after: a ?? '(default)' });
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
    else {
      // Same graph: a step's timeout is the one step option left to tell.
      const timeouts = new Map(b.graph.steps.map((step) => [step.name, step.timeoutSeconds] as const));
      for (const step of a.graph.steps) {
        const was = timeouts.get(step.name);
        if (was !== undefined && was !== step.timeoutSeconds)
          items.push({ subject: `pipeline ${name}`, what: `step ${step.name} timeout`, before: `${was}s`, after: `${step.timeoutSeconds}s` });
      }
      items.push(...modelChanges(name, b.server, a.server, 'pipeline').filter((i) => i.what !== 'release'));
    }
  }
  items.push(...sopsSecretChanges(before, after));
  const demand = (e: EnvironmentPlan | undefined) =>
    new Map((e ? planCapacity(e).pools : []).map((p) => [p.pool, `${p.min}..${p.max} of ${p.capacity} ${p.resource}`] as const));
  const [db, da] = [demand(before), demand(after)];
  for (const pool of [...new Set([...db.keys(), ...da.keys()])].sort(compareStrings)) {
    const [b, a] = [db.get(pool) ?? '(none)', da.get(pool) ?? '(none)'];
    if (b !== a) items.push({ subject: `pool ${pool}`, what: 'GPU demand', before: b, after: a });
  }
  return items;
}

/**
 * What someone must do before the change merges, outside Git: Secrets that Flux does not create.
 * With `out-of-band` delivery, each Secret a model newly reads from (a key it did not read
 * before, in this namespace, under this delivery); with the first `sops` delivery, the age key
 * Flux decrypts with. Names and keys only, never values.
 */
export function changeNotes(before: EnvironmentPlan | undefined, after: EnvironmentPlan | undefined): string[] {
  if (!after?.secrets) return [];
  const notes: string[] = [];
  /** `secret` → keys the models read from it. */
  const reads = (e: EnvironmentPlan | undefined) => {
    const out = new Map<string, Set<string>>();
    for (const r of (e?.models ?? []).flatMap((m) => Object.values(m.secretEnv ?? {})))
      (out.get(r.secret) ?? out.set(r.secret, new Set()).get(r.secret)!).add(r.key);
    return out;
  };
  if (after.secrets.delivery === 'out-of-band') {
    const same = before?.secrets?.delivery === 'out-of-band' && before.namespace === after.namespace;
    const known = same ? reads(before) : new Map<string, Set<string>>();
    for (const [secret, keys] of [...reads(after)].sort(([a], [b]) => compareStrings(a, b))) {
      // Named when any of its keys is newly read; every key read is listed (the Secret must hold them all).
      if ([...keys].every((k) => known.get(secret)?.has(k))) continue;
      notes.push(
        `Secret ${secret} (keys ${[...keys].sort(compareStrings).join(', ')}) must exist in namespace ${after.namespace} before this merges, or new pods fail with CreateContainerConfigError`,
      );
    }
  }
  if (after.secrets.delivery === 'sops' && before?.secrets?.delivery !== 'sops') {
    notes.push(
      `the ${SOPS_KEY_SECRET} Secret (the age private key) must exist in ${PLATFORM_NAMESPACES.flux} before this merges, or Flux cannot decrypt the environment's Secrets and stops applying it`,
    );
  }
  return notes;
}

/** Pipelines whose graph changed or that were added: the diff draws them. */
export function changedPipelines(before: EnvironmentPlan | undefined, after: EnvironmentPlan | undefined): PipelinePlan[] {
  const old = new Map((before?.pipelines ?? []).map((p) => [p.graph.name, p] as const));
  return (after?.pipelines ?? []).filter((p) => pipelineShape(old.get(p.graph.name)) !== pipelineShape(p));
}
