/**
 * The validator's findings sorted by the step they are about, read from each diagnostic's data
 * path (`spec.steps[1].timeoutSeconds`): the step's side panel shows them at their fields and the
 * canvas marks the step, so that an error is seen where it is fixed, not only under the canvas.
 */
import type { ApiDiagnostic, PipelineDocument } from '../api/types.ts';

/** A step's diagnostics by what they point at; `step` holds those about the step as a whole or a key with no field. */
export interface StepDiagnostics {
  readonly name: readonly ApiDiagnostic[];
  readonly timeoutSeconds: readonly ApiDiagnostic[];
  readonly inputs: ReadonlyMap<string, readonly ApiDiagnostic[]>;
  readonly step: readonly ApiDiagnostic[];
}

const stepIndexOf = (d: ApiDiagnostic) => (d.path?.[0] === 'spec' && d.path[1] === 'steps' && typeof d.path[2] === 'number' ? d.path[2] : undefined);

/** The diagnostics of step number `index`, by field; `inputShown` says which inputs have a field of their own. */
export function stepDiagnostics(diagnostics: readonly ApiDiagnostic[], index: number, inputShown: (input: string) => boolean): StepDiagnostics {
  const name: ApiDiagnostic[] = [];
  const timeoutSeconds: ApiDiagnostic[] = [];
  const inputs = new Map<string, ApiDiagnostic[]>();
  const step: ApiDiagnostic[] = [];
  for (const d of diagnostics) {
    if (stepIndexOf(d) !== index) continue;
    const [, , , key, input] = d.path!;
    if (key === 'name') name.push(d);
    else if (key === 'timeoutSeconds') timeoutSeconds.push(d);
    else if (key === 'inputs' && typeof input === 'string' && inputShown(input)) inputs.set(input, [...(inputs.get(input) ?? []), d]);
    else step.push(d);
  }
  return { name, timeoutSeconds, inputs, step };
}

/** The names of the steps with at least one error. */
export function stepsWithErrors(doc: PipelineDocument, diagnostics: readonly ApiDiagnostic[]): ReadonlySet<string> {
  const names = new Set<string>();
  for (const d of diagnostics) {
    const index = d.severity === 'error' ? stepIndexOf(d) : undefined;
    const step = index === undefined ? undefined : doc.spec.steps[index];
    if (step) names.add(step.name);
  }
  return names;
}
