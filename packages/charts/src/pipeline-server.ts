/**
 * A pipeline's server: the stock Triton image, CPU only, whose model repository is generated into
 * a ConfigMap (the ensemble, a remote-step model per step calling the step's model over the mesh,
 * and the remote-step source shipped by tritonops), next to the pipeline's own S3 repository of
 * local models when it has one. Triton's ensemble scheduler runs the graph, so the pipeline gets
 * Triton's metrics and tracing like any model; it is served, secured and scaled like one too.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import type { EnvironmentCore, PipelinePlan } from '@tritonops/planner';
import { modelLabels } from './labels.ts';
import { ensembleConfig, remoteStepConfig, remoteStepModel } from './model-config.ts';
import { TritonServer, type GeneratedRepository } from './triton-server.ts';

/** The remote-step model's source, shipped with tritonops and mounted into every pipeline server. */
export const REMOTE_STEP_SOURCE = readFileSync(new URL('../python/remote_step.py', import.meta.url), 'utf8');

export interface GeneratedFile {
  readonly key: string;
  readonly path: string;
  readonly content: string;
}

/** The files of a pipeline server's generated model repository. */
export function pipelineRepository(plan: PipelinePlan): GeneratedFile[] {
  const name = plan.graph.name;
  const files: GeneratedFile[] = [
    { key: 'ensemble.config.pbtxt', path: `${name}/config.pbtxt`, content: ensembleConfig(plan) },
    // Triton wants a version directory even for an ensemble.
    { key: 'ensemble.version', path: `${name}/1/.version`, content: 'The ensemble has no files of its own; Triton needs this version directory.\n' },
  ];
  for (const step of plan.graph.steps.filter((s) => s.model !== undefined)) {
    files.push({
      key: `${remoteStepModel(step.name)}.config.pbtxt`,
      path: `${remoteStepModel(step.name)}/config.pbtxt`,
      content: remoteStepConfig(plan, step),
    });
  }
  if (plan.graph.steps.some((s) => s.model !== undefined)) {
    for (const step of plan.graph.steps.filter((s) => s.model !== undefined)) {
      files.push({ key: 'remote_step.py', path: `${remoteStepModel(step.name)}/1/model.py`, content: REMOTE_STEP_SOURCE });
    }
  }
  return files;
}

export function addPipelineServer(scope: Construct, env: EnvironmentCore, plan: PipelinePlan): void {
  const files = pipelineRepository(plan);
  const configMap = `${plan.server.name}-models`;
  new k8s.KubeConfigMap(scope, 'repository', {
    metadata: { name: configMap, namespace: env.namespace, labels: modelLabels(env, plan.server) },
    data: Object.fromEntries(files.map((f) => [f.key, f.content])),
  });
  const checksum = createHash('sha256');
  for (const f of files) checksum.update(`${f.path}\0${f.content}\0`);
  const generatedRepository: GeneratedRepository = {
    configMap,
    checksum: checksum.digest('hex').slice(0, 16),
    items: files.map(({ key, path }) => ({ key, path })),
  };
  new TritonServer(scope, 'triton', { env, model: plan.server, generatedRepository });
}
