/**
 * One transition case on the real API server: an environment of its own (its own namespace),
 * whose specs are changed step by step. Each step renders the specs, classifies the change from
 * the previous step (what `tritonops diff` and `validate --base` say), and syncs the new render
 * the way Flux does (apply, then prune what left Git).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { classifyTransitions, fluxPaths, renderEnvironment, type RenderedFile, type Transition } from '@tritonops/charts';
import { planRepository, type EnvironmentPlan } from '@tritonops/planner';
import type { ApiClient, KubeObject } from './apiserver.ts';
import { FluxSync, type SyncResult } from './flux-sync.ts';
import { tempDir } from './workspace.ts';

export interface EnvironmentOptions {
  readonly namespace: string;
  readonly sfs?: { readonly server: string; readonly path: string; readonly size: string };
}

function environmentYaml(o: EnvironmentOptions): string {
  return `apiVersion: tritonops.dev/v1alpha1
kind: Environment
metadata: { name: lab }
spec:
  namespace: ${o.namespace}
  git: { url: "ssh://git@git.example.com/acme/platform.git", secretRef: flux-git-auth }
  gpuPools:
    t4: { nodeSelector: { gpu.example.com/model: tesla-t4 }, gpusPerNode: 4, maxNodes: 10, gpuMemory: 16Gi }
    a100: { nodeSelector: { gpu.example.com/model: a100 }, gpusPerNode: 8, maxNodes: 10, gpuMemory: 80Gi }
  s3: { endpoint: "https://s3.example.com:443", region: ru-1, credentialsSecret: s3-model-reader }
  gateway: { domain: lab.inference.example.com, tlsSecret: inference-tls }
${o.sfs ? `  sfs: { server: ${o.sfs.server}, path: ${o.sfs.path}, size: ${o.sfs.size} }\n` : ''}`;
}

/** A model spec: the image and repository, then `body` (spec lines, two-space indented). */
export function model(body: string, release = 'v1'): string {
  return `  image: nvcr.io/nvidia/tritonserver:24.10-py3\n  repository: s3://models/asr/${release}\n  resources: { cpu: "2", memory: 8Gi, shm: 1Gi }\n${body}`;
}

export interface Rendered {
  readonly plan: EnvironmentPlan;
  readonly files: readonly RenderedFile[];
  /** What the environment's models Kustomization applies: the files under flux/models/<env>/. */
  readonly objects: readonly KubeObject[];
}

/** Renders an environment from inline specs, through the real loader and validation. */
export function render(env: EnvironmentOptions, models: Record<string, string>): Rendered {
  const dir = tempDir('transition');
  try {
    const root = join(dir.path, 'environments/lab');
    mkdirSync(join(root, 'models'), { recursive: true });
    writeFileSync(join(root, 'environment.yaml'), environmentYaml(env));
    for (const [name, body] of Object.entries(models)) {
      writeFileSync(join(root, 'models', `${name}.yaml`), `apiVersion: tritonops.dev/v1alpha1\nkind: Model\nmetadata: { name: ${name} }\nspec:\n${body}`);
    }
    const result = planRepository({ root: dir.path, displayBase: dir.path });
    const errors = result.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length > 0) throw new Error(`the case's specs do not validate: ${errors.map((d) => `${d.file}:${d.line}:${d.col}: ${d.message}`).join('; ')}`);
    const plan = result.plans[0]!;
    const files = renderEnvironment(plan);
    const models_ = `${fluxPaths('lab').models}/`;
    return { plan, files, objects: files.filter((f) => f.path.startsWith(models_)).flatMap((f) => f.objects) as KubeObject[] };
  } finally {
    rmSync(dir.path, { recursive: true, force: true });
  }
}

export function classify(before: Rendered | undefined, after: Rendered | undefined): Transition[] {
  return classifyTransitions(before && { plan: before.plan, files: before.files }, after && { plan: after.plan, files: after.files });
}

export class TransitionCase {
  private readonly flux: FluxSync;
  private last: Rendered | undefined;

  constructor(
    readonly api: ApiClient,
    /** Checked after every single apply and prune of every sync. */
    invariant: (step: string) => Promise<void> = async () => {},
  ) {
    this.flux = new FluxSync(api, 'models', invariant);
  }

  /** What `tritonops diff` would say about going from the last synced step to these specs. */
  judge(env: EnvironmentOptions, models: Record<string, string>): Transition[] {
    return classify(this.last, render(env, models));
  }

  /** Renders, classifies and syncs; the sync's refusals are returned, not thrown. */
  async step(env: EnvironmentOptions, models: Record<string, string>): Promise<{ transitions: Transition[]; sync: SyncResult }> {
    const next = render(env, models);
    const transitions = classify(this.last, next);
    const sync = await this.flux.sync(next.objects);
    if (sync.refused.length === 0) this.last = next;
    return { transitions, sync };
  }
}

/** `class: change` of each transition, for compact assertions. */
export const classes = (ts: readonly Transition[]) => ts.map((t) => `${t.class}: ${t.subject}: ${t.change}`);
