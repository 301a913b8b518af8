/**
 * Renders every output file of the plans, reusing from flux/ each file whose inputs have not
 * changed since it was rendered (see cache.ts). Without a cache, everything is rendered.
 */
import { environmentFiles } from '@tritonops/charts';
import type { EnvironmentPlan } from '@tritonops/planner';
import { sha256, type WorkspaceCache } from './cache.ts';
import { parseObjects } from './output-tree.ts';

type KubernetesObject = Record<string, unknown>;

export interface RenderResult {
  /** Every output file's bytes, by path. */
  readonly files: Map<string, Buffer>;
  readonly objectCount: number;
  /** How many files were rendered this run; the others were reused from flux/. */
  readonly renderedCount: number;
  /** The objects of an output file; a reused one is parsed back from its YAML when asked for. */
  objectsOf(path: string): readonly KubernetesObject[] | undefined;
}

export function renderPlans(plans: readonly EnvironmentPlan[], current: ReadonlyMap<string, Buffer>, cache: WorkspaceCache | undefined): RenderResult {
  const files = new Map<string, Buffer>();
  const objects = new Map<string, readonly KubernetesObject[]>();
  let objectCount = 0;
  let renderedCount = 0;
  for (const env of plans) {
    for (const output of environmentFiles(env)) {
      const key = cache?.renderKey(output.path, output.inputs) ?? '';
      const entry = cache?.renderEntry(env.name, output.path);
      const existing = current.get(output.path);
      if (cache && entry?.key === key && existing && sha256(existing) === entry.sha) {
        files.set(output.path, existing);
        cache.setRender(env.name, output.path, entry);
        objectCount += entry.objects;
        continue;
      }
      const rendered = output.render();
      const bytes = Buffer.from(rendered.content, 'utf8');
      files.set(output.path, bytes);
      objects.set(output.path, rendered.objects);
      objectCount += rendered.objects.length;
      renderedCount++;
      cache?.setRender(env.name, output.path, { key, sha: sha256(bytes), objects: rendered.objects.length });
    }
  }
  const objectsOf = (path: string) => {
    let found = objects.get(path);
    const bytes = files.get(path);
    if (!found && bytes) objects.set(path, (found = parseObjects(bytes)));
    return found;
  };
  return { files, objectCount, renderedCount, objectsOf };
}
