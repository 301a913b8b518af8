/**
 * The names the editor asks for (a new pipeline's, a step's), checked as the schema checks them
 * before anything is done with them: a bad pipeline name makes a URL the router does not know, a
 * bad step name a file the validator refuses. Each rule's `pattern` is the `pattern` attribute of
 * its field, and the script tests the same expression the way Chromium compiles the attribute
 * (anchored, `v` flag), so the field and the check cannot disagree.
 */

export interface NameRule {
  /** The field's `pattern` attribute: valid under the `v` flag (a literal `-` in a class is escaped). */
  readonly pattern: string;
  readonly maxLength: number;
  /** What the pattern asks for, in words. */
  readonly describe: string;
}

/** A pipeline's name: a DNS label (the schema's `metadata.name`), short enough for its Kubernetes names. */
export const PIPELINE_NAME: NameRule = {
  pattern: '[a-z]([\\-a-z0-9]*[a-z0-9])?',
  maxLength: 52,
  describe: 'lower-case letters, digits and -, starting with a letter and ending with a letter or digit',
};

/** A step's name (the schema's `spec.steps[].name`). */
export const STEP_NAME: NameRule = {
  pattern: '[a-z][\\-a-z0-9]*',
  maxLength: 40,
  describe: 'lower-case letters, digits and -, starting with a letter',
};

const compiled = new Map<NameRule, RegExp>();
const matcher = (rule: NameRule) => {
  let regex = compiled.get(rule);
  if (!regex) compiled.set(rule, (regex = new RegExp(`^(?:${rule.pattern})$`, 'v')));
  return regex;
};

/** What is wrong with `name` under `rule`, in a sentence to show at the field; undefined when nothing is. */
export function nameProblem(name: string, rule: NameRule): string | undefined {
  if (name === '') return 'Enter a name.';
  if (name.length > rule.maxLength) return `At most ${rule.maxLength} characters (this one has ${name.length}).`;
  if (!matcher(rule).test(name)) return `"${name}" is not a valid name: ${rule.describe}.`;
  return undefined;
}

/** A step name's problem, also when another step has it or it is the name reserved for the pipeline's inputs. */
export function stepNameProblem(name: string, otherSteps: readonly string[], reserved: string): string | undefined {
  if (name === reserved) return `"${reserved}" is reserved for the pipeline's inputs.`;
  if (otherSteps.includes(name)) return `A step named "${name}" exists already.`;
  return nameProblem(name, STEP_NAME);
}
