/**
 * Plain YAML out: one file per concern, documents separated by `---`, a header that says where
 * the file came from. Keys are already sorted by cdk8s and the emitter has one way to write each
 * value, so the same objects always give the same bytes.
 */
import { toYaml } from './yaml-emitter.ts';

export interface RenderedFile {
  /** Path relative to the repository root, forward slashes, e.g. `flux/models/dev/models/whisper.yaml`. */
  readonly path: string;
  /** The Kubernetes objects of the file, in order. */
  readonly objects: readonly Record<string, unknown>[];
  readonly content: string;
}

/**
 * How every rendered file begins: what makes a file under flux/ tritonops' own (the CLI replaces
 * such files and refuses to touch others).
 */
export const RENDERED_HEADER = '# Rendered by tritonops.';

export function renderFile(path: string, sources: readonly string[], objects: readonly Record<string, unknown>[]): RenderedFile {
  const header = [
    `${RENDERED_HEADER} Do not edit: change the spec and run \`tritonops synth\`.`,
    ...(sources.length ? [`# Source: ${sources.join(', ')}`] : []),
  ].join('\n');
  const body = objects.map((o) => toYaml(o)).join('---\n');
  return { path, objects, content: `${header}\n${body}` };
}
