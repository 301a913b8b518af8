/** Checks of an environment's pipelines: names, local repository, the graph, scaling and auth. */
import { specFileNames } from '../load/read-specs.ts';
import { type Diagnostic } from '../diagnostics.ts';
import { reporter } from '../report.ts';
import type { LoadedEnvironment } from '../load/read-specs.ts';
import { resolvePipeline } from '../plan/pipeline-graph.ts';
import { parseS3Uri } from '../values/s3.ts';
import { checkAuth } from './auth.ts';
import { checkAutoscaling, checkHandover } from './autoscaling.ts';
import { checkServingOptions } from './serving.ts';

export function checkPipelines(env: LoadedEnvironment): Diagnostic[] {
  const out: Diagnostic[] = [];
  const modelFiles = new Map(env.models.map((m) => [m.value.metadata.name, m.file] as const));
  const seen = new Map<string, string>();
  for (const loaded of env.pipelines) {
    const { file, value: pipeline } = loaded;
    const name = pipeline.metadata.name;
    const spec = pipeline.spec;
    const { error } = reporter(file, out);

    const fileName = file.path.split('/').pop() ?? '';
    if (!specFileNames(name).includes(fileName)) {
      error(
        ['metadata', 'name'],
        'name-mismatch',
        `pipeline "${name}" is declared in ${fileName}; a pipeline's file is named after it`,
        `rename the file to ${name}.yaml`,
      );
    }
    const model = modelFiles.get(name);
    if (model) {
      error(
        ['metadata', 'name'],
        'name-taken',
        `"${name}" is already the name of a model (${model.path}); pipelines and models share the namespace and the endpoint hosts`,
        'give the pipeline another name',
      );
    } else if (seen.has(name)) {
      error(['metadata', 'name'], 'duplicate-pipeline', `pipeline "${name}" is already declared in ${seen.get(name)}`);
    }
    seen.set(name, file.path);

    if (spec.localRepository !== undefined) {
      const location = parseS3Uri(spec.localRepository);
      if (!location.ok) error(['spec', 'localRepository'], 'invalid-s3-uri', location.problem, location.hint);
    }
    out.push(...resolvePipeline(env, loaded).diagnostics);
    if (spec.autoscaling) out.push(...checkAutoscaling(file, spec.autoscaling, false, spec.handover === true));
    out.push(...checkHandover(file, spec.handover === true, spec.autoscaling !== undefined, 'pipeline'));
    if (env.environment) out.push(...checkAuth(file, spec.auth, env.name, env.environment, `pipeline "${name}"`));
    out.push(...checkServingOptions(file, spec, { kind: 'pipeline', remoteSteps: spec.steps.filter((s) => s.model !== undefined).map((s) => s.name) }));
  }
  return out;
}
