/**
 * Whether the validator refuses a wire: the editor checks the document with the wire in place
 * (POST …/check) and compares with the document before it. A wire is refused when an error sits
 * on the wire itself (the step input or the output's `from` it sets), or when it brings an error
 * that was not there before (a cycle it closes, say). Errors are compared by file, code and data
 * path, not by message: feeding one of two unfed inputs rewords "leaves A, B unfed" but is progress.
 */
import type { ApiDiagnostic } from '../api/types.ts';

export type DataPath = readonly (string | number)[];

const startsWith = (path: DataPath | undefined, prefix: DataPath) => !!path && prefix.every((p, i) => path[i] === p);
const errorKey = (d: ApiDiagnostic) => `${d.file}\0${d.code}\0${JSON.stringify(d.path ?? [d.line, d.col])}`;

/** The error that refuses the wire at `wirePath` of `file`, or undefined when the wire may stay. */
export function wireRefusal(before: readonly ApiDiagnostic[], after: readonly ApiDiagnostic[], file: string, wirePath: DataPath): ApiDiagnostic | undefined {
  const errors = after.filter((d) => d.severity === 'error');
  const onWire = errors.find((d) => d.file === file && startsWith(d.path, wirePath));
  if (onWire) return onWire;
  const known = new Set(before.filter((d) => d.severity === 'error').map(errorKey));
  return errors.find((d) => !known.has(errorKey(d)));
}

/** Where a wire into `step`'s input `input` sits in the document's data. */
export const stepInputPath = (stepIndex: number, input: string): DataPath => ['spec', 'steps', stepIndex, 'inputs', input];

/** Where a wire into pipeline output number `outputIndex` sits. */
export const outputFromPath = (outputIndex: number): DataPath => ['spec', 'outputs', outputIndex, 'from'];
